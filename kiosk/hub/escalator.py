"""The hub's timers, checked every tick (a second by default): escalation to
the next step, reminders and re-escalation of accepted requests left open,
and the kiosk's fallback when nobody answers at all.

When each is due comes from kiosk/core/escalation.py and the times stored
with the ticket, so a restarted hub fires what came due meanwhile. What was
already sent is remembered in memory only, per (ticket, what) pair, while the
ticket is open: after a restart a reminder may be repeated once, never lost.
"""

from __future__ import annotations

import base64
import time
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool

from kiosk.core.escalation import (
    alert_delays,
    fallback_delay,
    reescalation_due,
    reminder_due,
)
from kiosk.core.site import Route, Site
from kiosk.core.ticket import Ticket, TicketState
from kiosk.hub.logs import log_event, ticket_ref

if TYPE_CHECKING:
    from kiosk.hub.app import Hub

__all__ = ["Escalator"]


class Escalator:
    def __init__(self, hub: Hub) -> None:
        self._hub = hub
        self._sent: set[tuple[str, str]] = set()

    async def run_once(self) -> None:
        hub = self._hub
        site = await hub.current_site()
        if site is None:
            return
        await run_in_threadpool(hub.duty.refresh)
        staffed = hub.duty.staffed(site)
        now = time.time()
        tickets = await run_in_threadpool(hub.store.open_tickets)
        open_ids = {t.id for t in tickets}
        self._sent = {k for k in self._sent if k[0] in open_ids}
        # Alerts that carry the sealed copies, read in one query for the whole
        # tick: one thread trip each would make a busy tick's last alert wait for
        # every one before it (seconds, when hundreds come due at once).
        sealed_alerts: list[tuple[Ticket, dict[str, Any], str]] = []
        for ticket in tickets:
            route = site.route_for(ticket.location_id, ticket.category.value, ticket.urgency.value)
            if route is None:
                continue
            if ticket.state is TicketState.ACCEPTED:
                self._accepted(ticket, route, site, now, sealed_alerts)
            else:
                self._unaccepted(ticket, route, site, staffed, now, sealed_alerts)
        if not sealed_alerts:
            return
        try:
            copies = await run_in_threadpool(
                hub.store.sealed_copies_of, list(dict.fromkeys(t.id for t, _, _ in sealed_alerts))
            )
        except Exception:
            # Not sent, so not remembered as sent: the next tick tries again.
            self._sent -= {(t.id, what) for t, _, what in sealed_alerts}
            raise
        for ticket, event, _what in sealed_alerts:
            sealed = copies.get(ticket.id, {})
            event["sealed"] = {k: base64.b64encode(v).decode() for k, v in sealed.items()}
            hub.broker.publish(event)

    def _first(self, ticket: Ticket, what: str) -> bool:
        """True once per (ticket, what): the caller sends it now."""
        key = (ticket.id, what)
        if key in self._sent:
            return False
        self._sent.add(key)
        return True

    def _unaccepted(
        self,
        ticket: Ticket,
        route: Route,
        site: Site,
        staffed: frozenset[str],
        now: float,
        sealed_alerts: list[tuple[Ticket, dict[str, Any], str]],
    ) -> None:
        hub = self._hub
        first_steps = {s.group_id for s in route.steps if s.after_seconds <= 0}
        for group, delay in alert_delays(route, staffed).items():
            # Groups of a 0 s step were alerted when the ticket arrived.
            if group in first_steps or now < ticket.created_at + delay:
                continue
            step = f"step:{group}"
            if not self._first(ticket, step):
                continue
            log_event("ticket.escalated", ref=ticket_ref(ticket.id))  # a group names a route
            sealed_alerts.append(
                (
                    ticket,
                    {
                        "type": "ticket",
                        "ticket": hub.public_view(ticket, site),
                        "kiosk_id": ticket.kiosk_id,
                        "escalate_group": group,
                    },
                    step,
                )
            )
        view = hub.public_view(ticket, site)
        if self.fallback_shown(view, site, now) and self._first(ticket, "fallback"):
            # The last step's limit passed with nobody accepting: the kiosk shows
            # where else to get help, and the request stays open for staff.
            log_event("ticket.fallback", ref=ticket_ref(ticket.id))
            # Its kiosk's view carries the flag (Hub._for_device); staff see no change.
            hub.broker.publish(
                {"type": "ticket", "ticket": view, "kiosk_id": ticket.kiosk_id, "kiosk_only": True}
            )

    def _accepted(
        self,
        ticket: Ticket,
        route: Route,
        site: Site,
        now: float,
        sealed_alerts: list[tuple[Ticket, dict[str, Any], str]],
    ) -> None:
        hub = self._hub
        if ticket.accepted_at is None or ticket.accepted_by is None:
            return
        accepted = f"{ticket.accepted_by}@{ticket.accepted_at}"  # a new accept starts again
        event: dict[str, Any] = {
            "type": "ticket",
            "ticket": hub.public_view(ticket, site),
            "kiosk_id": ticket.kiosk_id,
        }
        if reminder_due(route, ticket.accepted_at, now) and self._first(
            ticket, f"remind:{accepted}"
        ):
            log_event("ticket.reminded", ref=ticket_ref(ticket.id))
            hub.broker.publish({**event, "alert": "reminder", "to_device": ticket.accepted_by})
        again = f"again:{accepted}"
        if reescalation_due(route, ticket.accepted_at, now) and self._first(ticket, again):
            log_event("ticket.reescalated", ref=ticket_ref(ticket.id))
            sealed_alerts.append((ticket, {**event, "alert": "reescalated"}, again))

    def fallback_shown(self, view: dict[str, Any], site: Site, now: float) -> bool:
        """Whether the kiosk of an unaccepted ticket shows the fallback now: in
        every view a kiosk gets (snapshots, reads, each update), not only in the
        one event sent when it came due."""
        if view["state"] not in (TicketState.SUBMITTED.value, TicketState.DELIVERED.value):
            return False
        if view.get("handed_to"):
            return False  # staff did answer; the group it was handed to is alerted
        route = site.route_for(str(view["location_id"]), str(view["category"]), view.get("urgency"))
        if route is None:
            return True
        staffed = self._hub.duty.staffed(site)
        return now >= float(view["created_at"]) + fallback_delay(route, staffed)
