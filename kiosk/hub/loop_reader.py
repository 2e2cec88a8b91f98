"""The event loop's own read-only SQLite connection (Store.manifest_version_now)."""

from __future__ import annotations

import sqlite3

from sqlalchemy import Engine

__all__ = ["sqlite_loop_reader"]


def sqlite_loop_reader(engine: Engine) -> sqlite3.Connection | None:
    """A read-only connection of the event loop's own, for `manifest_version_now`."""
    path = engine.url.database if engine.dialect.name == "sqlite" else None
    if not path or path == ":memory:":
        return None
    # Autocommit: no statement leaves a read snapshot open, which would keep a
    # purge's WAL checkpoint from truncating. No busy wait: the loop never sleeps.
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=0.0)
    connection.execute("PRAGMA query_only=ON")
    return connection
