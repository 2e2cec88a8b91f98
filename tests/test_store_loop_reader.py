"""The event loop's own read of the manifest version (SQLite): current at once,
never in a purge's way, and out of the way when the database is busy."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.core.ticket import TicketEvent
from kiosk.hub.database import make_engine, upgrade_schema
from kiosk.hub.store import Store
from tests.tickets import open_ticket


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    upgrade_schema(engine)
    store = Store(engine, loop_reader=True)
    yield store
    store.close_loop_reader()
    engine.dispose()


def test_a_new_manifest_counts_from_the_next_read(store: Store) -> None:
    assert store.manifest_version_now() == 0
    store.add_manifest(1, {"document": {}})
    assert store.manifest_version_now() == 1
    store.add_manifest(2, {"document": {}})
    assert store.manifest_version_now() == store.latest_manifest_version() == 2


def test_the_loop_reader_never_holds_back_a_purge(store: Store, tmp_path: Path) -> None:
    ticket = open_ticket()
    store.insert_ticket(ticket, {"staff-1": b"sealed-bytes-of-the-ticket" * 4})
    store.manifest_version_now()  # the read is over when it returns...
    store.apply_event(ticket.id, TicketEvent.CANCEL, actor="kiosk-1")
    assert store.checkpoint_pending is False  # ...so the WAL was truncated at once
    assert (tmp_path / "hub.db-wal").stat().st_size == 0


def test_a_busy_database_sends_the_loop_to_a_worker_thread(store: Store, tmp_path: Path) -> None:
    # Another process holding an exclusive lock (as a rollback-journal writer or a
    # WAL recovery would): the loop does not wait, it asks a thread to.
    store.engine.dispose()  # the pool's connections closed: only the loop's is open
    other = sqlite3.connect(tmp_path / "hub.db", isolation_level=None)
    other.execute("PRAGMA locking_mode=EXCLUSIVE")
    other.execute("BEGIN EXCLUSIVE")
    other.execute("UPDATE manifests SET version = version")
    try:
        assert store.manifest_version_now() is None
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert store.manifest_version_now() == 0


def test_only_the_hubs_store_reads_on_the_loop(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    upgrade_schema(engine)
    assert Store(engine).manifest_version_now() is None  # operator commands: no reader
    engine.dispose()
