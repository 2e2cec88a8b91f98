"""What a closed request adds to the statistics counters, worked out from the
site (its station, route and time zone) at the moment it closes.

The store writes the result in the transaction that purges the request
(kiosk/hub/counter_store.py); nothing is counted while a request is open.
Escalation and fallback are judged by who is reached at close time
(kiosk/hub/reach.py): an estimate, as the hub keeps no history of it.
"""

from __future__ import annotations

from kiosk.core.escalation import fallback_delay, step_reached
from kiosk.core.site import Site
from kiosk.core.statistics import day_key, minutes_bucket, week_key
from kiosk.core.ticket import Ticket, TicketState
from kiosk.hub.counter_store import CountClosed, CounterKey
from kiosk.hub.views import Views

__all__ = ["OUTCOME_OF_STATE", "closed_counters", "counting"]

OUTCOME_OF_STATE = {
    TicketState.RESOLVED: "resolved",
    TicketState.CANCELLED: "withdrawn",
    TicketState.EXPIRED: "expired",
    TicketState.NOT_FOUND: "not_found",
}
_NO_STATION = "-"  # a place the site no longer lists


def closed_counters(
    ticket: Ticket, site: Site, staffed: frozenset[str], alerted: frozenset[str]
) -> list[CounterKey]:
    """The counters a closed ticket adds to (none if statistics are off).

    `staffed`: the groups reached now; `alerted`: the groups the escalator
    alerted for it. Times count from its creation, closing at `updated_at`.
    """
    outcome = OUTCOME_OF_STATE.get(ticket.state)
    if outcome is None or not site.statistics.enabled:
        return []
    zone = site.statistics.zone()
    week = week_key(ticket.created_at, zone)
    location = site.location(ticket.location_id)
    station = location.station if location and location.station else _NO_STATION
    counters: list[CounterKey] = [
        ("requests", day_key(ticket.created_at, zone), station),
        ("category", week, ticket.category.value),
        ("outcome", week, outcome),
    ]
    if ticket.accepted_at is not None:
        accept = minutes_bucket(ticket.accepted_at - ticket.created_at)
        counters.append(("accept_time", week, accept))
    if ticket.state is TicketState.RESOLVED:
        resolve = minutes_bucket(ticket.updated_at - ticket.created_at)
        counters.append(("resolve_time", week, resolve))
    # Escalation and the fallback stop once someone accepted.
    answered = ticket.accepted_at if ticket.accepted_at is not None else ticket.updated_at
    elapsed = answered - ticket.created_at
    route = site.route_for(ticket.location_id, ticket.category.value, ticket.urgency.value)
    if route is not None and route.steps:
        step = step_reached(route, staffed, elapsed, alerted)
        counters.append(("escalation", week, str(step)))
    if ticket.handed_to is None and (route is None or elapsed >= fallback_delay(route, staffed)):
        counters.append(("fallback", week, "shown"))
    return counters


def counting(views: Views, site: Site | None) -> CountClosed | None:
    """The store's `count` for tickets closing now under `site` (None: nothing
    to count, statistics are off or there is no site)."""
    if site is None or not site.statistics.enabled:
        return None
    staffed = views.staffed(site)

    def count(ticket: Ticket) -> list[CounterKey]:
        return closed_counters(ticket, site, staffed, views.escalated_groups(ticket.id))

    return count
