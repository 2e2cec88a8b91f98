"""The hub's timers, checked every tick (a second by default): escalation to
the next step, reminders and re-escalation of accepted requests left open,
and the kiosk's fallback when nobody answers at all.

When each is due comes from kiosk/core/escalation.py and the times stored
with the ticket, so a restarted hub fires what came due meanwhile. What was
already sent is remembered in memory only, per (ticket, what) pair, while the
ticket is open: after a restart a reminder may be repeated once, never lost.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from starlette.concurrency import run_in_threadpool

from kiosk.core.audience import Audience
from kiosk.core.clock import Clock
from kiosk.core.escalation import alert_delays, reescalation_due, reminder_due, skipped_steps
from kiosk.core.events import Alert, TicketChanged
from kiosk.core.site import Route, Site
from kiosk.core.ticket import Ticket, TicketState
from kiosk.hub.events import Broker
from kiosk.hub.live_site import LiveSite
from kiosk.hub.logs import log_event, ticket_ref
from kiosk.hub.publisher import encoded
from kiosk.hub.reach import Reach
from kiosk.hub.store import Store
from kiosk.hub.views import Views

__all__ = ["Escalator"]

# An alert that goes out with the sealed copies, and what it is remembered as.
_SealedAlert = tuple[Ticket, TicketChanged, str]


class Escalator:
    def __init__(
        self,
        store: Store,
        duty: Reach,
        site: LiveSite,
        views: Views,
        broker: Broker,
        clock: Clock,
    ) -> None:
        self._store = store
        self._duty = duty
        self._site = site
        self._views = views
        self._broker = broker
        self._clock = clock
        self._sent: set[tuple[str, str]] = set()
        # Told every tick what it decided by (kiosk/hub/alert_relays.py follows it).
        self.after_tick: Callable[[Site, Sequence[Ticket], frozenset[str], float], None] | None = (
            None
        )

    async def escalate_once(self, now: float | None = None) -> None:
        """Escalation, reminders, re-escalation and kiosk fallbacks due at `now`
        (the clock's time if None)."""
        now = self._clock() if now is None else now
        site = await self._site.current()
        if site is None:
            return
        await run_in_threadpool(self._duty.refresh)
        staffed = self._duty.staffed(site)
        tickets = await run_in_threadpool(self._store.open_tickets)
        open_ids = {t.id for t in tickets}
        self._sent = {k for k in self._sent if k[0] in open_ids}
        self._views.keep_escalated(open_ids)
        if self.after_tick is not None:
            try:
                self.after_tick(site, tickets, staffed, now)
            except Exception as exc:  # the relays' trouble never stops escalation
                log_event("relays.failed", error=type(exc).__name__)
        # Alerts that carry the sealed copies, read in one query for the whole
        # tick: one thread trip each would make a busy tick's last alert wait for
        # every one before it (seconds, when hundreds come due at once).
        sealed_alerts: list[_SealedAlert] = []
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
                self._store.sealed_copies_of,
                list(dict.fromkeys(t.id for t, _, _ in sealed_alerts)),
            )
        except Exception:
            # Not sent, so not remembered as sent: the next tick tries again.
            self._sent -= {(t.id, what) for t, _, what in sealed_alerts}
            raise
        for ticket, event, what in sealed_alerts:
            if what.startswith("step:"):
                self._views.escalated(ticket.id, what.removeprefix("step:"))
            sealed = encoded(copies.get(ticket.id, {}))
            self._broker.publish(dataclasses.replace(event, sealed=sealed))

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
        sealed_alerts: list[_SealedAlert],
    ) -> None:
        view = self._views.public_view(ticket, site)
        first_steps = {s.group_id for s in route.steps if s.after_seconds <= 0}
        for group, delay in alert_delays(route, staffed).items():
            # Groups of a 0 s step were alerted when the ticket arrived.
            if group in first_steps or now < ticket.created_at + delay:
                continue
            step = f"step:{group}"
            if not self._first(ticket, step):
                continue
            log_event("ticket.escalated", ref=ticket_ref(ticket.id))  # a group names a route
            audience = Audience.escalation(ticket.kiosk_id, group)
            # Why it comes early, if it does: the steps before it nobody could be
            # reached in (group ids; the same for a step that came in its time).
            skipped = skipped_steps(route, staffed, group)
            event = TicketChanged(view, audience, skipped=skipped)
            sealed_alerts.append((ticket, event, step))
        if self._views.fallback_shown(view, site, now) and self._first(ticket, "fallback"):
            # The last step's limit passed with nobody accepting: the kiosk shows
            # where else to get help, and the request stays open for staff.
            log_event("ticket.fallback", ref=ticket_ref(ticket.id))
            # Its kiosk's view carries the flag (Views.kiosk_json); staff see no change.
            self._broker.publish(TicketChanged(view, Audience.kiosk(ticket.kiosk_id)))

    def _accepted(
        self,
        ticket: Ticket,
        route: Route,
        site: Site,
        now: float,
        sealed_alerts: list[_SealedAlert],
    ) -> None:
        if ticket.accepted_at is None or ticket.accepted_by is None:
            return
        accepted = f"{ticket.accepted_by}@{ticket.accepted_at}"  # a new accept starts again
        view = self._views.public_view(ticket, site)
        if reminder_due(route, ticket.accepted_at, now) and self._first(
            ticket, f"remind:{accepted}"
        ):
            log_event("ticket.reminded", ref=ticket_ref(ticket.id))
            audience = Audience.reminder(ticket.kiosk_id, ticket.accepted_by)
            self._broker.publish(TicketChanged(view, audience, alert=Alert.REMINDER))
        again = f"again:{accepted}"
        if reescalation_due(route, ticket.accepted_at, now) and self._first(ticket, again):
            log_event("ticket.reescalated", ref=ticket_ref(ticket.id))
            audience = Audience.reescalation(ticket.kiosk_id)
            event = TicketChanged(view, audience, alert=Alert.REESCALATED)
            sealed_alerts.append((ticket, event, again))
