"""When a staff console tells the hub it has shown a new request.

Every console of a route receives a new request at the same moment. One
report is enough for the kiosk to tell the traveller that staff have seen it;
each further one was a signed call the hub answered for nothing (with five
consoles a route, most of a busy hub's calls). So each console waits a
random moment, up to REPORT_SPREAD_SECONDS, and reports only if no
colleague's report has reached it meanwhile. The traveller sees "seen by
staff" at most that much later; with several consoles, on average much less.
"""

from __future__ import annotations

import random

from kiosk.core.ticket import TicketState

__all__ = ["REPORT_SPREAD_SECONDS", "delivery_report_delay", "still_to_report"]

REPORT_SPREAD_SECONDS = 0.3


def delivery_report_delay() -> float:
    # Spreading, not secrecy: the standard generator is right here.
    return random.uniform(0.0, REPORT_SPREAD_SECONDS)  # noqa: S311


def still_to_report(state: str | None) -> bool:
    """True while no console's report has arrived (the request is still `submitted`)."""
    return state == TicketState.SUBMITTED.value
