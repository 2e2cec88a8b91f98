"""What each device is shown of a ticket, and which consoles it is due to.

Staff consoles get the public view (routing metadata and the place's name);
a kiosk learns the state of its own ticket, not who accepted it, and whether
nobody answered in time (it then shows where else to get help).
"""

from __future__ import annotations

from typing import Any

from kiosk.core.clock import Clock
from kiosk.core.escalation import alert_delays, fallback_delay
from kiosk.core.events import TicketView
from kiosk.core.site import DeviceRecord, DeviceRole, Site
from kiosk.core.ticket import CLOSED_STATES, Ticket, TicketState
from kiosk.hub.reach import Reach

__all__ = ["Views"]

_ALERT_DELAYS_KEPT = 4096  # routes x duty states; cleared whole when full
_CLOSED = frozenset(s.value for s in CLOSED_STATES)
_UNANSWERED = frozenset({TicketState.SUBMITTED.value, TicketState.DELIVERED.value})


class Views:
    def __init__(self, reach: Reach, clock: Clock) -> None:
        """`reach`: the groups reached now (on duty with a live stream, or a relay)."""
        self._duty = reach
        self._clock = clock
        self._alert_delays: dict[tuple[int, str, frozenset[str]], dict[str, float]] = {}
        # Groups the escalator alerted, per open ticket (memory only): once alerted
        # a group keeps seeing the ticket, even if an earlier step's console
        # comes back and makes its step's time later again.
        self._escalated: dict[str, set[str]] = {}

    def escalated(self, ticket_id: str, group: str) -> None:
        self._escalated.setdefault(ticket_id, set()).add(group)

    def escalated_groups(self, ticket_id: str) -> frozenset[str]:
        return frozenset(self._escalated.get(ticket_id, ()))

    def staffed(self, site: Site) -> frozenset[str]:
        """Groups reached now (kiosk/hub/reach.py)."""
        return self._duty.staffed(site)

    def keep_escalated(self, open_ids: set[str]) -> None:
        """Forget the alerted groups of tickets that closed."""
        for ticket_id in [t for t in self._escalated if t not in open_ids]:
            del self._escalated[ticket_id]

    @staticmethod
    def public_view(ticket: Ticket, site: Site) -> TicketView:
        location = site.location(ticket.location_id)
        return TicketView(
            id=ticket.id,
            kiosk_id=ticket.kiosk_id,
            location_id=ticket.location_id,
            station=location.station if location else "",
            location_label=location.label if location else "",
            category=ticket.category.value,
            urgency=ticket.urgency.value,
            state=ticket.state.value,
            created_at=ticket.created_at,
            updated_at=ticket.updated_at,
            accepted_by=ticket.accepted_by,
            eta_minutes=ticket.eta_minutes,
            handed_to=ticket.handed_to,
        )

    def kiosk_view(self, ticket: Ticket, site: Site | None = None) -> dict[str, Any]:
        view: dict[str, Any] = {
            "id": ticket.id,
            "state": ticket.state.value,
            "eta_minutes": ticket.eta_minutes,
        }
        if site is not None and ticket.is_open:
            view["fallback"] = self.fallback_shown(
                self.public_view(ticket, site), site, self._clock()
            )
        return view

    def kiosk_json(self, view: TicketView, site: Site) -> dict[str, Any]:
        """A pushed ticket view as its kiosk gets it."""
        out: dict[str, Any] = {"id": view.id, "state": view.state, "eta_minutes": view.eta_minutes}
        if view.state not in _CLOSED:
            out["fallback"] = self.fallback_shown(view, site, self._clock())
        return out

    def fallback_shown(self, view: TicketView, site: Site, now: float) -> bool:
        """Whether the kiosk of an unaccepted ticket shows the fallback now: in
        every view a kiosk gets (snapshots, reads, each update), not only in the
        one event sent when it came due."""
        if view.state not in _UNANSWERED:
            return False
        if view.handed_to:
            return False  # staff did answer; the group it was handed to is alerted
        route = site.route_for(view.location_id, view.category, view.urgency)
        if route is None:
            return True
        staffed = self._duty.staffed(site)
        return now >= view.created_at + fallback_delay(route, staffed)

    def due(self, device: DeviceRecord, site: Site, view: TicketView, now: float) -> bool:
        """Whether a staff device is alerted to a ticket yet: its group's escalation
        step on the ticket's route has come (0 s for the first step; at once when
        the groups before it cannot be reached: kiosk/hub/reach.py), the escalator
        alerted its group already, or it was handed to its group."""
        route = site.route_for(view.location_id, view.category, view.urgency)
        if route is None or device.group_id is None:
            return False
        if view.handed_to == device.group_id:
            return True
        if device.group_id in self._escalated.get(view.id, ()):
            return True
        staffed = self._duty.staffed(site)
        # Asked by every console's stream about every event: worked out once per
        # route and duty state, not fifty times an event.
        key = (site.version, route.id, staffed)
        delays = self._alert_delays.get(key)
        if delays is None:
            if len(self._alert_delays) >= _ALERT_DELAYS_KEPT:
                self._alert_delays.clear()
            delays = self._alert_delays[key] = alert_delays(route, staffed)
        delay = delays.get(device.group_id)
        return delay is not None and now >= view.created_at + delay

    @staticmethod
    def may_see(device: DeviceRecord, site: Site, ticket: Ticket) -> bool:
        if device.role is DeviceRole.KIOSK:
            return ticket.kiosk_id == device.id
        return site.staff_may_see(
            device, ticket.location_id, ticket.category.value, ticket.urgency.value
        )
