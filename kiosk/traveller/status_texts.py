"""What the waiting screen says about a request, in the traveller's language:
one `Status` (heading and advice) per state, or `Closed` with the last words
when the request has ended. Texts only: the app puts them on the screen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from babel.dates import format_timedelta

from kiosk.client import DeviceConfig
from kiosk.core.ticket import TicketState
from kiosk.traveller.help_advice import HelpPlace, emergency_and_help
from kiosk.traveller.request_flow import TravellerRequest
from kiosk.uikit.translator import tr

__all__ = [
    "Closed",
    "Status",
    "maintenance_text",
    "sending_status",
    "set_help_place",
    "state_status",
    "trouble_status",
    "unreachable_status",
    "withdrawn",
]


@dataclass(frozen=True, slots=True)
class Status:
    heading: str
    detail: str
    failed: bool = False
    help_coming: bool | None = None  # None: as the screen shows it now


@dataclass(frozen=True, slots=True)
class Closed:
    """The request ended: the thank-you screen's message."""

    message: str


# The station's help point and phone (one station per kiosk), from its manifest.
_HELP_PLACE = [HelpPlace()]


def set_help_place(place: HelpPlace) -> None:
    _HELP_PLACE[0] = place


def _call_or_find_staff(number: str) -> str:
    place = _HELP_PLACE[0]
    named = emergency_and_help(HelpPlace(number, place.help_point, place.help_phone))
    if named:  # the station's own help point or phone
        return named
    # Translators: advice when the request could not be sent.
    # {number} is the emergency number.
    return tr.f(
        "Please call {number} in an emergency, or go to the ticket office or any member of staff.",
        number=number,
    )


def sending_status() -> Status:
    # Translators: status while the request is being sent.
    return Status(tr._("Sending your request…"), "")


def trouble_status(number: str) -> Status:
    """The first attempt failed; sending goes on in the background."""
    return Status(
        tr._("We could not reach the staff"),
        _call_or_find_staff(number)
        + "\n"
        # Translators: under the advice to call or find staff, while the kiosk
        # keeps trying to send the request in the background.
        + tr._("We keep trying to send your request. If it goes through, you will see it here."),
        failed=True,
    )


def unreachable_status(number: str) -> Status:
    return Status(
        # Translators: heading when the request could not be sent.
        tr._("We could not reach the staff"),
        _call_or_find_staff(number),
        failed=True,
    )


def withdrawn() -> Closed:
    # Translators: last screen after the traveller withdrew the request.
    return Closed(tr._("Your request has been withdrawn."))


def state_status(request: TravellerRequest, number: str, locale: str) -> Status | Closed | None:
    """The hub's state of `request` as the screen shows it (None: nothing to change)."""
    state = request.state
    if state in (TicketState.SUBMITTED, TicketState.DELIVERED) and request.fallback:
        # Nobody answered within the route's last step: the same advice as when
        # the hub cannot be reached, while the request stays open for staff.
        return Status(
            # Translators: heading when no member of staff has answered in time.
            tr._("No member of staff has answered yet"),
            _call_or_find_staff(number)
            + "\n"
            # Translators: under the advice to call or find staff: the request is not lost.
            + tr._("Your request stays open: staff may still come."),
            help_coming=False,
        )
    if state in (TicketState.SUBMITTED, TicketState.DELIVERED):
        # Also after a hand-over: seen by staff again, no longer "on the way".
        seen = state == TicketState.DELIVERED
        return Status(
            # Translators: status: the request reached the station staff's devices.
            tr._("Staff have received your request")
            if seen
            # Translators: status: the request is stored at the hub, on its way to staff.
            else tr._("Your request has been sent"),
            # Translators: status detail while waiting for a staff member to accept.
            tr._("Please stay here if you can. A member of staff will answer soon."),
            help_coming=False,
        )
    if state == TicketState.ACCEPTED:
        # Translators: status detail once a staff member is on the way.
        detail = tr._("A member of staff is on the way to you. Please stay here.")
        if request.eta_minutes:
            # Translators: after "on the way". {duration} is formatted for the
            # language, e.g. "5 minutes", "5 دقائق", "5分钟".
            detail += "\n" + tr.f(
                "Expected in about {duration}.", duration=_duration(request.eta_minutes, locale)
            )
        # Translators: status: a staff member accepted and is coming to the kiosk.
        return Status(tr._("Help is coming"), detail, help_coming=True)
    if state == TicketState.RESOLVED:
        # Translators: last screen after staff resolved the request.
        return Closed(tr._("We hope you are well. Have a good journey."))
    if state in (TicketState.CANCELLED, TicketState.EXPIRED):
        return Closed(tr._("Your request has been withdrawn."))
    if state == TicketState.NOT_FOUND:
        return Closed(
            # Translators: last screen when staff came to the kiosk but the traveller
            # was not there (the request is closed).
            tr._(
                "A member of staff came but could not find you. "
                "If you still need help, you can ask again."
            )
        )
    return None


def _duration(minutes: int, locale: str) -> str:
    """ "5 minutes" in the traveller's language, plural rules and all (CLDR via Babel)."""
    return format_timedelta(
        timedelta(minutes=minutes), granularity="minute", threshold=10, locale=locale
    )


def maintenance_text(config: DeviceConfig, place: str, connected: bool, version: int) -> str:
    """The technician screen's summary: this kiosk, its hub, its manifest."""
    # Translators: technician screen. {device} is the kiosk's id, {place} its location.
    lines = [tr.f("This kiosk: {device} at {place}", device=config.device_id, place=place)]
    lines.append(
        # Translators: technician screen. {url} is the hub's address.
        tr.f("Hub: {url}", url=config.hub_url)
        + " · "
        + (tr._("Connected") if connected else tr._("Reconnecting…"))
    )
    if version:
        # Translators: technician screen. {version} is a number.
        lines.append(tr.f("Site manifest version {version}", version=version))
    return "\n".join(lines)
