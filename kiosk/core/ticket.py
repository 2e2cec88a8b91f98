"""The ticket lifecycle as an explicit state machine (diagram: ticket_states.mmd).

A ticket is only routing metadata here: what the traveller wrote stays sealed
and never reaches this module on the hub.
"""

from __future__ import annotations

import dataclasses
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from kiosk.core.categories import Category, Urgency
from kiosk.core.errors import IllegalTransition

__all__ = [
    "CLOSED_STATES",
    "OPEN_STATES",
    "TICKET_ID_PATTERN",
    "TRANSITIONS",
    "Ticket",
    "TicketEvent",
    "TicketState",
    "new_ticket_id",
    "next_state",
    "short_code",
]


class TicketState(StrEnum):
    SUBMITTED = "submitted"
    DELIVERED = "delivered"
    ACCEPTED = "accepted"
    RESOLVED = "resolved"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    NOT_FOUND = "not_found"  # staff went but could not find the traveller


class TicketEvent(StrEnum):
    DELIVER = "deliver"  # a staff console received and opened it
    ACCEPT = "accept"  # a staff member is on the way
    RESOLVE = "resolve"
    CANCEL = "cancel"  # the traveller no longer needs help
    EXPIRE = "expire"  # nobody closed it within the operator's limit
    HAND_OVER = "hand_over"  # the accepter passes it to a group (or back to colleagues)
    NOT_FOUND = "not_found"  # the accepter went and could not find the traveller


S, E = TicketState, TicketEvent

TRANSITIONS: Mapping[tuple[TicketState, TicketEvent], TicketState] = {
    (S.SUBMITTED, E.DELIVER): S.DELIVERED,
    # A console may accept before its delivery report arrives: both are sent
    # at once by a busy staff member, and the second one must not fail.
    (S.SUBMITTED, E.ACCEPT): S.ACCEPTED,
    (S.DELIVERED, E.DELIVER): S.DELIVERED,  # every on-duty console reports delivery
    (S.DELIVERED, E.ACCEPT): S.ACCEPTED,
    (S.ACCEPTED, E.DELIVER): S.ACCEPTED,
    (S.DELIVERED, E.RESOLVE): S.RESOLVED,  # handled without a formal accept
    (S.ACCEPTED, E.RESOLVE): S.RESOLVED,
    (S.SUBMITTED, E.CANCEL): S.CANCELLED,
    (S.DELIVERED, E.CANCEL): S.CANCELLED,
    (S.ACCEPTED, E.CANCEL): S.CANCELLED,
    (S.SUBMITTED, E.EXPIRE): S.EXPIRED,
    (S.DELIVERED, E.EXPIRE): S.EXPIRED,
    (S.ACCEPTED, E.EXPIRE): S.EXPIRED,
    # Handed over, it is unaccepted again: delivered, as consoles already hold it.
    (S.ACCEPTED, E.HAND_OVER): S.DELIVERED,
    (S.ACCEPTED, E.NOT_FOUND): S.NOT_FOUND,
}

OPEN_STATES = frozenset({S.SUBMITTED, S.DELIVERED, S.ACCEPTED})
CLOSED_STATES = frozenset({S.RESOLVED, S.CANCELLED, S.EXPIRED, S.NOT_FOUND})
# Only the staff member who accepted may pass a ticket on or close it as not found.
_ACCEPTER_ONLY = frozenset({E.HAND_OVER, E.NOT_FOUND})

# 128 random bits in lowercase hex: unguessable, and safe in URLs and logs.
TICKET_ID_PATTERN = re.compile(r"^[0-9a-f]{32}$")
# Letters that cannot be mistaken for one another or for digits on a screen.
_CODE_ALPHABET = "ACDEFHJKLMNPRTUVWXY"
_CODE_DIGITS = "3479"


def new_ticket_id() -> str:
    return secrets.token_hex(16)


def short_code(ticket_id: str) -> str:
    """Three characters the traveller can read out to staff, e.g. "A7K"."""
    n = int(ticket_id[:8], 16)
    first = _CODE_ALPHABET[n % len(_CODE_ALPHABET)]
    n //= len(_CODE_ALPHABET)
    second = _CODE_DIGITS[n % len(_CODE_DIGITS)]
    n //= len(_CODE_DIGITS)
    third = _CODE_ALPHABET[n % len(_CODE_ALPHABET)]
    return first + second + third


def next_state(state: TicketState, event: TicketEvent) -> TicketState:
    try:
        return TRANSITIONS[(state, event)]
    except KeyError:
        raise IllegalTransition(f"cannot {event.value} a ticket that is {state.value}") from None


@dataclass(frozen=True, slots=True)
class Ticket:
    """Routing metadata of one help request, as the hub sees it."""

    id: str
    kiosk_id: str
    location_id: str
    category: Category
    urgency: Urgency
    created_at: float
    state: TicketState = S.SUBMITTED
    updated_at: float = 0.0
    accepted_by: str | None = None
    eta_minutes: int | None = None
    accepted_at: float | None = None  # reminders and re-escalation count from here
    handed_to: str | None = None  # the group it was last handed over to

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def apply(
        self,
        event: TicketEvent,
        *,
        at: float,
        actor: str | None = None,
        eta_minutes: int | None = None,
        group: str | None = None,
    ) -> Ticket:
        """The ticket after `event`; raises IllegalTransition and changes nothing otherwise.

        `group`: for HAND_OVER, the group that now has it (the hub checks it is
        on the ticket's route).
        """
        if event is E.ACCEPT and self.accepted_by is not None:
            raise IllegalTransition(f"already accepted by {self.accepted_by}")
        if event in _ACCEPTER_ONLY and self.accepted_by is not None and actor != self.accepted_by:
            raise IllegalTransition(f"only {self.accepted_by}, who accepted it, can do this")
        state = next_state(self.state, event)
        if event is E.ACCEPT:
            if actor is None:
                raise IllegalTransition("accept needs the accepting staff device")
            return dataclasses.replace(
                self,
                state=state,
                updated_at=at,
                accepted_by=actor,
                eta_minutes=eta_minutes,
                accepted_at=at,
            )
        if event is E.HAND_OVER:
            if group is None:
                raise IllegalTransition("hand over needs the group that takes it")
            return dataclasses.replace(
                self,
                state=state,
                updated_at=at,
                accepted_by=None,
                eta_minutes=None,
                accepted_at=None,
                handed_to=group,
            )
        return dataclasses.replace(self, state=state, updated_at=at)
