"""The operator's picture of the fleet, on the admin API (signed with the site
key like every /v1/admin call, kiosk/hub/admin_api.py):

GET /v1/admin/live        every open request (its place, age, whether accepted,
                          escalation step, fallback shown: never its id,
                          category, urgency or kiosk), each group's consoles
                          enrolled, on duty, live and reached, the relays' health
GET /v1/admin/statistics  the statistics switch, retention and the exact
                          counters (kiosk/core/statistics.py); whoever shows
                          them hides counts of 1 to 4

Both say nothing the hub did not already hold: the routing metadata of open
requests and the counters written as they closed (docs/privacy.md).
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kiosk.core.clock import Clock
from kiosk.core.escalation import step_reached
from kiosk.core.site import DeviceRole, Site, SiteStatistics
from kiosk.core.ticket import Ticket
from kiosk.hub.admin_api import AdminApi
from kiosk.hub.alert_relays import AlertRelays
from kiosk.hub.counter_store import CounterStore
from kiosk.hub.duty import DutyBook
from kiosk.hub.events import Broker
from kiosk.hub.live_site import LiveSite
from kiosk.hub.reach import Reach
from kiosk.hub.settings import HubSettings
from kiosk.hub.store import Store
from kiosk.hub.views import Views

__all__ = [
    "FleetParts",
    "fleet_admin_routes",
    "live_groups",
    "live_tickets",
    "statistics_answer",
]


class FleetParts:
    """The hub parts the fleet view reads (built once by create_hub)."""

    def __init__(
        self,
        *,
        site: LiveSite,
        views: Views,
        reach: Reach,
        duty: DutyBook,
        broker: Broker,
        relays: AlertRelays,
        counters: CounterStore,
        clock: Clock,
    ) -> None:
        self.site, self.views, self.reach, self.duty = site, views, reach, duty
        self.broker, self.relays, self.counters, self.clock = broker, relays, counters, clock


def live_tickets(
    tickets: list[Ticket], site: Site | None, views: Views, now: float
) -> list[dict[str, Any]]:
    """Open requests, oldest first, by place and timing only."""
    staffed = views.staffed(site) if site is not None else frozenset()
    out = []
    for ticket in sorted(tickets, key=lambda t: t.created_at):
        route = (
            site.route_for(ticket.location_id, ticket.category.value, ticket.urgency.value)
            if site is not None
            else None
        )
        until = ticket.accepted_at if ticket.accepted_at is not None else now
        step = 0
        if route is not None:
            alerted = views.escalated_groups(ticket.id)
            step = step_reached(route, staffed, until - ticket.created_at, alerted)
        fallback = site is not None and views.fallback_shown(
            views.public_view(ticket, site), site, now
        )
        out.append(
            {
                "location_id": ticket.location_id,
                "age_seconds": round(max(now - ticket.created_at, 0.0), 1),
                "accepted": ticket.accepted_by is not None,
                "step": step,
                "steps": len(route.steps) if route is not None else 0,
                "fallback": fallback,
            }
        )
    return out


def live_groups(
    site: Site | None, off_duty: frozenset[str], streaming: frozenset[str], reached: frozenset[str]
) -> list[dict[str, Any]]:
    """Each group's consoles: enrolled, on duty, live (on duty and `streaming`:
    an event stream here, or heartbeats on another hub), and whether it is
    `reached` (kiosk/hub/reach.py)."""
    if site is None:
        return []
    out = []
    for group in sorted(site.groups, key=lambda g: g.id):
        consoles = [
            d.id for d in site.devices if d.role is DeviceRole.STAFF and d.group_id == group.id
        ]
        on_duty = [d for d in consoles if d not in off_duty]
        out.append(
            {
                "group_id": group.id,
                "consoles": len(consoles),
                "on_duty": len(on_duty),
                "live": sum(1 for d in on_duty if d in streaming),
                "reached": group.id in reached,
            }
        )
    return out


def statistics_answer(site: Site | None, counters: list[dict[str, Any]]) -> dict[str, Any]:
    """GET /v1/admin/statistics: the site file's switch and the exact counters."""
    switch = site.statistics if site is not None else SiteStatistics()
    return {
        "enabled": switch.enabled,
        "keep_days": switch.keep_days,
        "timezone": switch.timezone or "UTC",
        "counters": counters,
    }


def fleet_admin_routes(store: Store, settings: HubSettings, parts: FleetParts) -> list[Route]:
    guarded = AdminApi(store, settings).guarded

    async def live(request: Request, body: bytes) -> Response:
        site = await parts.site.current()
        tickets = await run_in_threadpool(store.open_tickets)
        now = parts.clock()
        return JSONResponse(
            {
                "now": now,
                "tickets": live_tickets(tickets, site, parts.views, now),
                "groups": live_groups(
                    site,
                    parts.duty.off_duty,
                    parts.broker.live_consoles | parts.reach.elsewhere(),
                    parts.reach.staffed(site) if site is not None else frozenset(),
                ),
                "relays": parts.relays.health(site),
            }
        )

    async def statistics(request: Request, body: bytes) -> Response:
        site = await parts.site.current()
        counters = await run_in_threadpool(parts.counters.counters)
        return JSONResponse(statistics_answer(site, counters))

    return [
        Route("/v1/admin/live", guarded(live), methods=["GET"]),
        Route("/v1/admin/statistics", guarded(statistics), methods=["GET"]),
    ]
