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

Half a second is enough only while events arrive at once. On a hub that has
fallen behind, a colleague's report comes back as late as the request itself
came: with a fixed half second every console of the route reported, and those
extra calls fed the backlog that made them late. So each turn also waits twice
the time the request took to arrive (its report out, the change back), up to
LATENESS_CAP_SECONDS, which bounds what a console with a fast clock can add.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Mapping
from typing import Any

from kiosk.core.site import Site
from kiosk.core.ticket import TicketState

__all__ = [
    "LATENESS_CAP_SECONDS",
    "REPORT_STEP_SECONDS",
    "delivery_report_delay",
    "report_delay_for",
    "still_to_report",
]

REPORT_STEP_SECONDS = 0.5
LATENESS_CAP_SECONDS = 5.0


def delivery_report_delay(
    ticket_id: str, device_id: str, readers: Iterable[str], lateness: float = 0.0
) -> float:
    """Seconds this console waits before reporting; `readers` are the ids of
    the route's staff devices (empty when the console holds no manifest);
    `lateness`: how long after its last change the request reached this console."""
    step = REPORT_STEP_SECONDS + 2 * min(max(lateness, 0.0), LATENESS_CAP_SECONDS)
    order = sorted(set(readers), key=lambda d: hashlib.sha256(f"{ticket_id}/{d}".encode()).digest())
    if order and order[0] == device_id:
        return 0.0
    rank = order.index(device_id) if device_id in order else len(order) + 1
    # Spreading, not secrecy: the standard generator is right here.
    jitter = random.uniform(0.0, step / 2)  # noqa: S311
    return rank * step + jitter


def report_delay_for(
    view: Mapping[str, Any], device_id: str, site: Site | None, now: float
) -> float:
    """delivery_report_delay for a request as the hub shows it to a console at
    `now` (wall clock, as the hub's times); `site` is the console's verified
    manifest (None before it has one)."""
    readers = (
        site.recipients_for(str(view["location_id"]), str(view["category"]), view.get("urgency"))
        if site is not None
        else ()
    )
    lateness = now - float(view.get("updated_at") or view["created_at"])
    return delivery_report_delay(str(view["id"]), device_id, (d.id for d in readers), lateness)


def still_to_report(state: str | None) -> bool:
    """True while no console's report has arrived (the request is still `submitted`)."""
    return state == TicketState.SUBMITTED.value
