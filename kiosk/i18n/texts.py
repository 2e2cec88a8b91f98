"""User-facing names of protocol values, marked for extraction.

They are translated when shown, in the reader's own language: the traveller's
on the kiosk, the staff member's on the console.
"""

from __future__ import annotations

from collections.abc import Mapping

from kiosk.core.categories import Category, Urgency
from kiosk.core.ticket import TicketState

__all__ = ["CATEGORY_TEXTS", "N_", "STAFF_URGENCY_TEXTS", "STATE_TEXTS", "URGENCY_TEXTS"]


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark a string for extraction; it is translated later, where it is shown."""
    return message


CATEGORY_TEXTS: Mapping[Category, str] = {
    # Translators: a help-request category on the kiosk, said by the traveller.
    Category.UNWELL: N_("I feel unwell"),
    # Translators: a help-request category: an emergency that needs first aid now.
    Category.MEDICAL_NOW: N_("I need medical help now"),
    # Translators: a help-request category: mobility, boarding, visual or hearing help.
    Category.ASSISTANCE: N_("I need assistance"),
    # Translators: a help-request category: the traveller needs directions.
    Category.LOST: N_("I am lost"),
    # Translators: a help-request category: the traveller feels threatened.
    Category.UNSAFE: N_("I feel unsafe"),
    # Translators: a help-request category: lost property.
    Category.LOST_PROPERTY: N_("I lost something"),
    # Translators: a help-request category for anything else.
    Category.OTHER: N_("Something else"),
}

URGENCY_TEXTS: Mapping[Urgency, str] = {
    # Translators: urgency choice: the traveller can wait a few minutes.
    Urgency.NORMAL: N_("I can wait a few minutes"),
    # Translators: urgency choice: help is needed immediately.
    Urgency.URGENT: N_("Urgent: I need help now"),
}

STAFF_URGENCY_TEXTS: Mapping[Urgency, str] = {
    # Translators: staff console: the traveller said they can wait a few minutes.
    Urgency.NORMAL: N_("Can wait a few minutes"),
    # Translators: staff console: the request is urgent.
    Urgency.URGENT: N_("Urgent"),
}

STATE_TEXTS: Mapping[TicketState, str] = {
    # Translators: request status shown to staff: not yet opened by anyone.
    TicketState.SUBMITTED: N_("New"),
    # Translators: request status shown to staff: delivered to consoles, nobody has accepted.
    TicketState.DELIVERED: N_("Waiting for someone to accept"),
    # Translators: request status shown to staff: a staff member is on the way.
    TicketState.ACCEPTED: N_("Accepted"),
    # Translators: request status: closed by staff.
    TicketState.RESOLVED: N_("Resolved"),
    # Translators: request status: withdrawn by the traveller.
    TicketState.CANCELLED: N_("Cancelled by the traveller"),
    # Translators: request status: closed automatically after the time limit.
    TicketState.EXPIRED: N_("Expired"),
    # Translators: request status: staff went to the place and could not find the traveller.
    TicketState.NOT_FOUND: N_("Closed: the traveller was not found"),
}
