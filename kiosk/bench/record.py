"""What a bench run measured, kept per ticket by the simulated devices' threads."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Collection
from dataclasses import dataclass, field

__all__ = ["GONE", "Plan", "Recorder", "percentile"]

# What a kiosk reports of its request when, after its stream was down, the hub
# no longer has it (404): not a state of the hub's.
GONE = "gone"


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@dataclass(frozen=True, slots=True)
class Plan:
    """What the simulated people will do with one ticket."""

    kiosk_id: str
    acceptor_id: str  # the staff device that accepts it
    escalate: bool  # the station's staff leave it, so the control room is alerted
    cancel: bool  # the traveller withdraws once someone is on the way
    rival_id: str | None = None  # a colleague who taps accept too (must be refused)


@dataclass
class _Ticket:
    plan: Plan
    tapped: float  # monotonic, just before the kiosk seals and sends
    submitted: float | None = None
    notified: float | None = None  # the first staff console that showed it
    accept_sent: float | None = None
    kiosk_saw_accept: float | None = None
    closed: float | None = None
    closed_state: str = ""
    close_acked: str = ""  # a console's resolve or the kiosk's cancel the hub answered
    accepted_by: str = ""
    consoles: set[str] = field(default_factory=set)


class Recorder:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tickets: dict[str, _Ticket] = {}
        self.escalation_late_ms: list[float] = []
        self.duplicated = 0
        self.submit_failures = 0
        self.submit_failure_kinds: dict[str, int] = {}
        self.open_failures = 0
        self.marker_missing = 0
        self.accept_refused = 0
        # A console's accept or resolve the hub did not answer in time (tapped again)
        self.staff_unanswered = 0
        self.repeated_events = 0
        self.delivery_reports = 0  # "delivered" calls sent: one per request is the aim

    @staticmethod
    def now() -> float:
        return time.monotonic()

    # -- kiosks ---------------------------------------------------------------
    def tapped(self, ticket_id: str, plan: Plan) -> None:
        with self._lock:
            self._tickets[ticket_id] = _Ticket(plan, self.now())

    # `at`: when it happened, if not now (a device in another process said so;
    # the monotonic clock is the same in every process of the machine).
    def submitted(self, ticket_id: str, at: float | None = None) -> None:
        with self._lock:
            self._tickets[ticket_id].submitted = at or self.now()

    def submit_failed(self, _ticket_id: str = "", why: str = "") -> None:
        """A kiosk gave up sending: `why` is the hub's last answer ("429 slow_down")
        or the kind of failure, so a report says which refusal it was."""
        with self._lock:
            self.submit_failures += 1
            self.submit_failure_kinds[why] = self.submit_failure_kinds.get(why, 0) + 1

    def kiosk_saw(self, ticket_id: str, state: str, at: float | None = None) -> None:
        now = at or self.now()
        with self._lock:
            ticket = self._tickets.get(ticket_id)
            if ticket is None:
                return
            if state == "accepted" and ticket.kiosk_saw_accept is None:
                ticket.kiosk_saw_accept = now
            elif state == GONE:
                # Closed while the kiosk's stream was down (it found the request
                # gone from the hub): closed if someone's close was acknowledged,
                # else left unclosed, and so lost.
                if ticket.close_acked and ticket.closed is None:
                    ticket.closed, ticket.closed_state = now, ticket.close_acked
            elif state in {"resolved", "cancelled", "expired"}:
                if ticket.closed is not None:
                    self.duplicated += 1  # closed twice: a ghost came back
                else:
                    ticket.closed, ticket.closed_state = now, state

    def close_acked(self, ticket_id: str, state: str) -> None:
        with self._lock:
            ticket = self._tickets.get(ticket_id)
            if ticket is not None and not ticket.close_acked:
                ticket.close_acked = state

    # -- staff ------------------------------------------------------------------
    def plan(self, ticket_id: str) -> Plan | None:
        with self._lock:
            ticket = self._tickets.get(ticket_id)
            return ticket.plan if ticket else None

    def notified(
        self,
        ticket_id: str,
        console: str,
        escalated_at: float | None,
        wall_now: float,
        at: float | None = None,
    ) -> None:
        """A console showed a new ticket; `escalated_at` is when its step was due."""
        now = at or self.now()
        with self._lock:
            ticket = self._tickets.get(ticket_id)
            if ticket is None:
                return
            if console in ticket.consoles:
                self.repeated_events += 1  # after a reconnect: the console keys by id
                return
            ticket.consoles.add(console)
            if ticket.notified is None:
                ticket.notified = now
            if escalated_at is not None:
                self.escalation_late_ms.append(max(0.0, (wall_now - escalated_at) * 1000))

    def accept_sent(self, ticket_id: str, at: float | None = None) -> None:
        with self._lock:
            ticket = self._tickets[ticket_id]
            if ticket.accept_sent is None:
                ticket.accept_sent = at or self.now()

    def accepted(self, ticket_id: str, console: str) -> None:
        """The hub said yes to this console's accept: a second yes sends two people."""
        with self._lock:
            ticket = self._tickets[ticket_id]
            if ticket.accepted_by and ticket.accepted_by != console:
                self.duplicated += 1
            ticket.accepted_by = console

    def count(self, what: str) -> None:
        with self._lock:
            setattr(self, what, getattr(self, what) + 1)

    # -- results ------------------------------------------------------------------
    def open_count(self) -> int:
        return len(self.unclosed_ids())

    def unclosed_ids(self) -> list[str]:
        """Tickets the hub acknowledged that no kiosk has seen closed."""
        with self._lock:
            return [
                i for i, t in self._tickets.items() if t.submitted is not None and t.closed is None
            ]

    def summary(self, open_on_hub: Collection[str] = ()) -> dict[str, object]:
        """`open_on_hub`: unclosed tickets the hub still holds open after the drain
        (unfinished, not lost: a console would show them, and they expire)."""
        with self._lock:
            tickets = dict(self._tickets)
        notify = [
            (t.notified - t.tapped) * 1000 for t in tickets.values() if t.notified is not None
        ]
        # Tap to the hub's answer in the kiosk's hands: with notify, it tells the
        # way in (kiosk, hub's write) apart from the way out (push to a console).
        submit = [
            (t.submitted - t.tapped) * 1000 for t in tickets.values() if t.submitted is not None
        ]
        to_kiosk = [
            (t.kiosk_saw_accept - t.accept_sent) * 1000
            for t in tickets.values()
            if t.kiosk_saw_accept is not None and t.accept_sent is not None
        ]
        accepted_ok = {i: t for i, t in tickets.items() if t.submitted is not None}
        # Lost: acknowledged, then never shown on a console, or gone unclosed.
        lost = [
            t
            for i, t in accepted_ok.items()
            if t.notified is None or (t.closed is None and i not in open_on_hub)
        ]
        unfinished = [
            t
            for i, t in accepted_ok.items()
            if t.notified is not None and t.closed is None and i in open_on_hub
        ]
        closed = [t for t in tickets.values() if t.closed is not None]
        span = (
            max(t.closed for t in closed if t.closed) - min(t.tapped for t in tickets.values())
            if closed
            else 0.0
        )
        return {
            "notify_p50_ms": round(percentile(notify, 0.50), 1),
            "notify_p95_ms": round(percentile(notify, 0.95), 1),
            "notify_p99_ms": round(percentile(notify, 0.99), 1),
            "notify_max_ms": round(max(notify, default=0.0), 1),
            "submit_p50_ms": round(percentile(submit, 0.50), 1),
            "submit_p99_ms": round(percentile(submit, 0.99), 1),
            "accept_to_kiosk_p50_ms": round(percentile(to_kiosk, 0.50), 1),
            "accept_to_kiosk_p99_ms": round(percentile(to_kiosk, 0.99), 1),
            "accept_to_kiosk_max_ms": round(max(to_kiosk, default=0.0), 1),
            "escalation_late_p50_ms": round(percentile(self.escalation_late_ms, 0.50), 1),
            "escalation_late_p99_ms": round(percentile(self.escalation_late_ms, 0.99), 1),
            "escalation_late_max_ms": round(max(self.escalation_late_ms, default=0.0), 1),
            "escalations": len(self.escalation_late_ms),
            "tickets_sent": len(tickets),
            "tickets_accepted_by_hub": len(accepted_ok),
            "tickets_closed": len(closed),
            "resolved": sum(1 for t in closed if t.closed_state == "resolved"),
            "cancelled": sum(1 for t in closed if t.closed_state == "cancelled"),
            "tickets_per_s": round(len(closed) / span, 2) if span > 0 else 0.0,
            "lost": len(lost),
            "unfinished": len(unfinished),
            "duplicated": self.duplicated,
            "submit_failures": self.submit_failures,
            "submit_failure_kinds": dict(self.submit_failure_kinds),
            "open_failures": self.open_failures,
            "marker_missing": self.marker_missing,
            "accept_refused": self.accept_refused,
            "staff_unanswered": self.staff_unanswered,
            "repeated_events": self.repeated_events,
            "delivery_reports": self.delivery_reports,
            "ticket_ids": sorted(tickets),
        }
