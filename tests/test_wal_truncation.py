"""A closed request leaves SQLite's write-ahead log at once on a quiet hub, and
within CHECKPOINT_GAP on a busy one, where one truncation serves every request
closed since the last (a real SQLite file, its bytes read)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.core.ticket import TicketEvent
from kiosk.hub.database import make_engine, upgrade_schema
from kiosk.hub.store import CHECKPOINT_GAP, Store
from tests.tickets import open_ticket


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    upgrade_schema(engine)
    yield Store(engine)
    engine.dispose()


def _closed(store: Store, words: bytes) -> str:
    ticket = open_ticket(created_at=time.time())
    store.insert_ticket(ticket, {"staff-1": words * 8})
    store.apply_event(ticket.id, TicketEvent.CANCEL, actor="kiosk-1")
    return ticket.id


def _on_disk(tmp_path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in tmp_path.glob("hub.db*"))


def test_requests_closed_in_a_burst_leave_the_log_within_the_gap(
    store: Store, tmp_path: Path
) -> None:
    first = _closed(store, b"FIRST-SEALED-WORDS")
    assert not store.checkpoint_pending  # a quiet hub: truncated at once
    assert (tmp_path / "hub.db-wal").stat().st_size == 0
    # Closed right after: its copies wait in the log for the next truncation.
    second = _closed(store, b"SECOND-SEALED-WORDS")
    third = _closed(store, b"THIRD-SEALED-WORDS")
    assert store.checkpoint_pending
    assert b"THIRD-SEALED-WORDS" in _on_disk(tmp_path)
    store.finish_purges()  # what the hub runs every CHECKPOINT_GAP
    assert not store.checkpoint_pending
    assert (tmp_path / "hub.db-wal").stat().st_size == 0
    data = _on_disk(tmp_path)
    for needle in (b"FIRST-SEALED-WORDS", b"SECOND-SEALED-WORDS", b"THIRD-SEALED-WORDS"):
        assert needle not in data
    for ticket_id in (first, second, third):
        assert ticket_id.encode() not in data
    # Once the gap has passed, the next close truncates at once again.
    time.sleep(CHECKPOINT_GAP)  # the gap runs on the store's own clock (no clock to pass in)
    _closed(store, b"FOURTH-SEALED-WORDS")
    assert not store.checkpoint_pending
    assert b"FOURTH-SEALED-WORDS" not in _on_disk(tmp_path)
