"""Two staff accepting at once, two devices spending one code at once: one wins."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy import Engine

from kiosk.core.categories import Category, Urgency
from kiosk.core.errors import IllegalTransition
from kiosk.core.ticket import Ticket, TicketEvent, new_ticket_id
from kiosk.hub.enrolment_store import EnrolmentRefused, EnrolmentStore
from kiosk.hub.store import Store


def _race(actions: list[Callable[[], object]]) -> list[object]:
    """Run the actions at the same moment; each one's result or exception."""
    barrier = threading.Barrier(len(actions))
    results: list[object] = [None] * len(actions)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = actions[i]()
        except Exception as exc:  # collected, judged by the test
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(actions))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_of_two_simultaneous_accepts_exactly_one_wins(engine: Engine) -> None:
    store = Store(engine)
    for _ in range(20):
        ticket = Ticket(new_ticket_id(), "k", "p3", Category.UNWELL, Urgency.NORMAL, time.time())
        store.insert_ticket(ticket, {"a": b"x", "b": b"y"})
        results = _race(
            [
                lambda t=ticket, who=who: store.apply_event(t.id, TicketEvent.ACCEPT, actor=who)
                for who in ("staff-a", "staff-b", "staff-c")
            ]
        )
        winners = [r for r in results if isinstance(r, Ticket)]
        assert len(winners) == 1, results
        assert all(isinstance(r, IllegalTransition) for r in results if r not in winners)
        stored = store.get_ticket(ticket.id)
        assert stored is not None
        assert stored.accepted_by == winners[0].accepted_by  # type: ignore[union-attr]


def test_a_resolve_racing_an_accept_never_errors_or_resurrects(engine: Engine) -> None:
    store = Store(engine)
    for _ in range(20):
        ticket = Ticket(new_ticket_id(), "k", "p3", Category.UNWELL, Urgency.NORMAL, time.time())
        store.insert_ticket(ticket, {"a": b"x"})
        store.apply_event(ticket.id, TicketEvent.DELIVER)
        results = _race(
            [
                lambda t=ticket: store.apply_event(t.id, TicketEvent.RESOLVE),
                lambda t=ticket: store.apply_event(t.id, TicketEvent.ACCEPT, actor="staff-b"),
            ]
        )
        for r in results:
            assert r is None or isinstance(r, Ticket | IllegalTransition), r
        assert store.get_ticket(ticket.id) is None or results[0] is None


def test_a_code_spent_by_two_devices_at_once_enrols_one(engine: Engine) -> None:
    store = EnrolmentStore(engine)
    for i in range(20):
        store.create(f"hash-{i}", f"staff-{i}", "staff", time.time() + 60, group_id="g")
        results = _race(
            [
                lambda i=i, k=k: store.use(f"hash-{i}", bytes([k]) * 32, b"h" * 1216, time.time())
                for k in range(3)
            ]
        )
        assert sum(not isinstance(r, Exception) for r in results) == 1, results
        assert all(
            isinstance(r, EnrolmentRefused) and r.reason == "code_used"
            for r in results
            if isinstance(r, Exception)
        )
