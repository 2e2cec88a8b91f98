"""The shared nonce store behind a load balancer: many calls' nonces in one
statement, each answered on its own, on SQLite and on real PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.hub.database import make_engine, upgrade_schema
from kiosk.hub.store import Store
from tests.conftest import empty_postgres

PG_URL = os.environ.get("KIOSK_TEST_POSTGRES_URL", "")


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'hub.db'}"
    elif PG_URL:
        empty_postgres(PG_URL)
        url = PG_URL
    else:
        pytest.skip("set KIOSK_TEST_POSTGRES_URL (.ci/run does)")
    engine = make_engine(url)
    upgrade_schema(engine)
    yield Store(engine)
    engine.dispose()


def test_each_nonce_is_accepted_once_in_a_batch_and_after_it(store: Store) -> None:
    assert store.remember_nonces(
        [("kiosk-1", "n1", 200.0), ("kiosk-2", "n1", 200.0), ("kiosk-1", "n1", 200.0)]
    ) == [True, True, False]  # the same nonce is another device's own; twice is a replay
    assert store.remember_nonces([("kiosk-2", "n2", 200.0), ("kiosk-1", "n1", 200.0)]) == [
        True,
        False,
    ]
    assert store.remember_nonces([]) == []


def test_forgotten_nonces_are_gone_only_after_their_window(store: Store) -> None:
    store.remember_nonces([("kiosk-1", "old", 100.0), ("kiosk-1", "new", 300.0)])
    store.forget_nonces(200.0)
    assert store.remember_nonces([("kiosk-1", "old", 400.0), ("kiosk-1", "new", 400.0)]) == [
        True,
        False,
    ]


def test_a_sqlite_connection_is_back_to_full_sync_after_storing_nonces(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    upgrade_schema(engine)
    store = Store(engine)
    store.remember_nonces([("kiosk-1", "n1", 200.0)])
    with engine.connect() as c:  # the pool's one connection, the nonces' own
        assert c.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    engine.dispose()
