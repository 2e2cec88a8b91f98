"""The presence sweep's writes, on a real SQLite file and the real PostgreSQL
server: beats of new and known devices, two hubs' beats of one device, and the
offline flag left to the sweep."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, event

from kiosk.hub.database import make_engine, upgrade_schema
from kiosk.hub.presence import Beat, Presence, PresenceChange
from kiosk.hub.store import Store
from tests.conftest import empty_postgres

PG_URL = os.environ.get("KIOSK_TEST_POSTGRES_URL", "")


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "postgresql":
        if not PG_URL:
            pytest.skip("set KIOSK_TEST_POSTGRES_URL (.ci/run does)")
        empty_postgres(PG_URL)
        url = PG_URL
    else:
        url = f"sqlite:///{tmp_path / 'hub.db'}"
    engine = make_engine(url)
    upgrade_schema(engine)
    yield Store(engine)
    engine.dispose()


def _rows(presence: Presence) -> dict[str, tuple[float, str, int, bool]]:
    return {
        r.device_id: (r.last_seen, r.version, r.manifest_version, r.offline)
        for r in presence.rows()
    }


def test_beats_of_a_thousand_devices_are_stored_in_one_sweep(store: Store) -> None:
    presence = Presence(store)
    for n in range(1050):
        presence.beat(f"kiosk-{n:04d}", Beat(1000.0 + n, "1.0", 3))
    assert presence.sweep(now=2060.0, offline_after=3000.0) == []
    rows = _rows(presence)
    assert len(rows) == 1050
    assert rows["kiosk-0007"] == (1007.0, "1.0", 3, False)
    # Known devices beat again, with new software and manifest: updated in place.
    for n in range(0, 1050, 5):
        presence.beat(f"kiosk-{n:04d}", Beat(2000.0, "1.1", 4))
    presence.sweep(now=2060.0, offline_after=3000.0)
    rows = _rows(presence)
    assert len(rows) == 1050
    assert rows["kiosk-0005"] == (2000.0, "1.1", 4, False)
    assert rows["kiosk-0006"] == (1006.0, "1.0", 3, False)


def test_a_later_beat_stored_by_another_hub_is_kept(store: Store) -> None:
    hub_a, hub_b = Presence(store), Presence(store)
    hub_a.beat("kiosk-1", Beat(500.0, "1.0", 1))
    hub_a.sweep(now=500.0, offline_after=30.0)
    hub_b.beat("kiosk-1", Beat(400.0, "1.0", 1))  # sent earlier, swept later
    hub_b.sweep(now=500.0, offline_after=30.0)
    assert _rows(hub_a)["kiosk-1"][0] == 500.0


def test_the_sweep_alone_turns_a_device_offline_and_back(store: Store) -> None:
    presence = Presence(store)
    presence.beat("kiosk-1", Beat(100.0, "1.0", 1))
    presence.beat("kiosk-2", Beat(100.0, "1.0", 1))
    presence.sweep(now=100.0, offline_after=30.0)
    presence.beat("kiosk-2", Beat(125.0, "1.0", 1))
    changes = presence.sweep(now=140.0, offline_after=30.0)
    assert changes == [PresenceChange("kiosk-1", False)]
    # Writing a beat keeps a known device's flag; the same sweep then finds it
    # back and reports it, so the control room hears "back" exactly once.
    presence.beat("kiosk-1", Beat(141.0, "1.0", 1))
    assert _rows(presence)["kiosk-1"][3] is True
    assert presence.sweep(now=142.0, offline_after=30.0) == [PresenceChange("kiosk-1", True)]
    assert _rows(presence)["kiosk-1"] == (141.0, "1.0", 1, False)


def test_a_sweep_runs_a_few_statements_not_one_a_beat(tmp_path: Path) -> None:
    # A statement a beat let go of Python's lock at every row; on a busy hub each
    # row then waited to get it back, with the writer's turn held meanwhile.
    # Counted by SQLite itself: its trace callback hears every statement it runs.
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    upgrade_schema(engine)
    presence = Presence(Store(engine))
    for n in range(1050):
        presence.beat(f"kiosk-{n:04d}", Beat(1000.0, "1.0", 3))
    presence.sweep(now=1000.0, offline_after=30.0)  # new devices
    for n in range(1050):
        presence.beat(f"kiosk-{n:04d}", Beat(1010.0, "1.0", 3))  # known devices
    ran: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def trace(conn: Connection, *_args: object) -> None:
        conn.connection.dbapi_connection.set_trace_callback(ran.append)  # type: ignore[union-attr]

    presence.sweep(now=1010.0, offline_after=30.0)
    event.remove(engine, "before_cursor_execute", trace)
    assert 3 <= len(ran) <= 8, ran[:5]  # the beats, "gone", "back", BEGIN and COMMIT
    assert {r.last_seen for r in presence.rows()} == {1010.0}
    engine.dispose()


@pytest.mark.parametrize("bad", ["1.0\ud800", "1.0\x00", "x" * 40])
def test_one_beat_the_database_refuses_never_loses_the_others(store: Store, bad: str) -> None:
    # The heartbeat endpoint validates the version; should a bad one ever get past
    # it, that device's beat alone is dropped, not every device's, sweep after sweep.
    presence = Presence(store)
    presence.beat("kiosk-1", Beat(100.0, "1.0", 1))
    presence.beat("kiosk-2", Beat(100.0, "1.0", 1))
    presence.sweep(now=100.0, offline_after=30.0)
    presence.beat("kiosk-1", Beat(120.0, "1.1", 2))
    presence.beat("kiosk-bad", Beat(120.0, bad, 2))
    presence.beat("kiosk-2", Beat(120.0, "1.1", 2))
    assert presence.sweep(now=121.0, offline_after=30.0) == []
    rows = _rows(presence)
    assert rows["kiosk-1"] == (120.0, "1.1", 2, False)
    assert rows["kiosk-2"] == (120.0, "1.1", 2, False)
    assert "kiosk-bad" not in rows
    presence.beat("kiosk-2", Beat(130.0, "1.2", 2))  # the next sweep works as ever
    presence.sweep(now=131.0, offline_after=30.0)
    assert _rows(presence)["kiosk-2"] == (130.0, "1.2", 2, False)


def test_a_row_the_database_refuses_past_validation_is_dropped_alone(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Should a value ever pass the check and still be refused by the database
    # (SQLite cannot encode a lone surrogate; PostgreSQL refuses it and a NUL),
    # the batch is written row by row and only the refused row is lost.
    monkeypatch.setattr("kiosk.hub.presence.valid_beat", lambda *_args: True)
    presence = Presence(store)
    presence.beat("kiosk-1", Beat(120.0, "1.1", 2))
    presence.beat("kiosk-bad", Beat(120.0, "1.0\ud800", 2))
    presence.beat("kiosk-2", Beat(120.0, "1.1", 2))
    assert presence.sweep(now=121.0, offline_after=30.0) == []
    rows = _rows(presence)
    assert rows["kiosk-1"] == (120.0, "1.1", 2, False)
    assert rows["kiosk-2"] == (120.0, "1.1", 2, False)
    assert "kiosk-bad" not in rows
