"""When a staff console tells the hub it has shown a new request.

Every console of a route receives a new request at the same moment. One
report is enough for the kiosk to tell the traveller that staff have seen it;
each further one was a signed call the hub answered for nothing (with five
consoles a route, most of a busy hub's calls). So the consoles of a request
take turns in an order each can work out alone (a hash of the request id and
the console id over the route's readers): the first reports at once, each
next one half a second later and only if no report has reached it meanwhile
(the request would then be `delivered`). A first console that is switched off
delays the traveller's "seen by staff" by half a second, not more.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable

from kiosk.core.ticket import TicketState

__all__ = ["REPORT_STEP_SECONDS", "delivery_report_delay", "still_to_report"]

REPORT_STEP_SECONDS = 0.5


def delivery_report_delay(ticket_id: str, device_id: str, readers: Iterable[str]) -> float:
    """Seconds this console waits before reporting; `readers` are the ids of
    the route's staff devices (empty when the console holds no manifest)."""
    order = sorted(set(readers), key=lambda d: hashlib.sha256(f"{ticket_id}/{d}".encode()).digest())
    if order and order[0] == device_id:
        return 0.0
    rank = order.index(device_id) if device_id in order else len(order) + 1
    # Spreading, not secrecy: the standard generator is right here.
    jitter = random.uniform(0.0, REPORT_STEP_SECONDS / 2)  # noqa: S311
    return rank * REPORT_STEP_SECONDS + jitter


def still_to_report(state: str | None) -> bool:
    """True while no console's report has arrived (the request is still `submitted`)."""
    return state == TicketState.SUBMITTED.value
