"""The counters' upsert on both databases: one statement per purge, summed by
key, added to what is there; and nothing written for a close that lost its
race. PostgreSQL runs when KIOSK_TEST_POSTGRES_URL names a database this test
may wipe (.ci/run sets it)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.core.errors import IllegalTransition
from kiosk.core.ticket import Ticket, TicketEvent
from kiosk.hub.counter_store import CounterKey, CounterStore
from kiosk.hub.database import make_engine, upgrade_schema
from kiosk.hub.store import Store
from tests.conftest import empty_postgres
from tests.tickets import open_ticket

PG_URL = os.environ.get("KIOSK_TEST_POSTGRES_URL", "")


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "postgresql":
        if not PG_URL:
            pytest.skip("set KIOSK_TEST_POSTGRES_URL")
        empty_postgres(PG_URL)
        url = PG_URL
    else:
        url = f"sqlite:///{tmp_path / 'hub.db'}"
    engine = make_engine(url)
    upgrade_schema(engine)
    yield Store(engine)
    engine.dispose()


def _by_state(ticket: Ticket) -> list[CounterKey]:
    return [("outcome", "2026-W50", ticket.state.value), ("requests", "2026-12-07", "Hall")]


def _counts(store: Store) -> dict[tuple[str, str], int]:
    rows = CounterStore(store.engine, store.write_lock).counters()
    return {(r["kind"], r["key"]): r["count"] for r in rows}


def test_closes_add_to_the_counters_in_their_purge(store: Store) -> None:
    first, second, third = open_ticket(1.0), open_ticket(2.0), open_ticket(3.0)
    for ticket in (first, second, third):
        assert store.insert_ticket(ticket, {"staff-1": b"sealed"})
    store.apply_event(first.id, TicketEvent.CANCEL, count=_by_state)
    assert _counts(store) == {("outcome", "cancelled"): 1, ("requests", "Hall"): 1}
    # Two expire in one sweep: summed, one statement, no key twice in it.
    expired = store.expire_older_than(10.0, _by_state, at=20.0)
    assert {t.id for t in expired} == {second.id, third.id}
    assert _counts(store) == {
        ("outcome", "cancelled"): 1,
        ("outcome", "expired"): 2,
        ("requests", "Hall"): 3,
    }
    assert store.count_rows() == {"tickets": 0, "sealed_copies": 0, "replies": 0}


def test_an_open_change_or_a_refused_close_counts_nothing(store: Store) -> None:
    ticket = open_ticket(1.0)
    store.insert_ticket(ticket, {"staff-1": b"sealed"})
    store.apply_event(ticket.id, TicketEvent.ACCEPT, actor="staff-1", count=_by_state)
    assert _counts(store) == {}
    with pytest.raises(IllegalTransition):
        store.apply_event(ticket.id, TicketEvent.NOT_FOUND, actor="staff-2", count=_by_state)
    assert _counts(store) == {}
    assert store.expire_older_than(0.5, _by_state) == []
    assert _counts(store) == {}
