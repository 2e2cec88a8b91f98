"""Engine creation and schema migrations.

SQLite pragmas are set on every connection (a `connect` event), not once in a
migration: `secure_delete` is per connection, and a connection without it
would leave deleted tickets in free pages.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import NullPool

__all__ = ["MIGRATIONS_DIR", "make_engine", "upgrade_schema", "upgrade_schema_apart"]

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# Connections a hub keeps open to PostgreSQL, and how many more it may open at
# a peak (closed again after): see docs/scaling.md for max_connections.
POOL_SIZE = 20
POOL_OVERFLOW = 4


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # Zero deleted content in the database pages (FAST leaves free-list traces).
    cursor.execute("PRAGMA secure_delete=ON")
    # WAL lets SSE readers and writers overlap; purges checkpoint it with
    # TRUNCATE so no frame of a deleted ticket survives in the -wal file.
    cursor.execute("PRAGMA journal_mode=WAL")
    # An accepted request is never lost: fsync the WAL on every commit.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(url: str, *, pooled: bool = True) -> Engine:
    """`pooled=False` for short-lived operator commands: every connection closes
    as soon as it is returned, so nothing is left open behind them."""
    # hide_parameters: a database error message must never carry a ticket's
    # id, place or ciphertext into a log line.
    extra: dict[str, Any] = {} if pooled else {"poolclass": NullPool}
    if pooled and url.startswith("postgresql"):
        # Enough kept connections for every thread that may hold one at once (the
        # hub's 16 worker threads, with a few to spare). With SQLAlchemy's default
        # of 5 the rest were opened and closed per call: a new PostgreSQL backend
        # each time, 5 % of a loaded hub's time (py-spy).
        extra |= {"pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW}
    engine = create_engine(url, future=True, hide_parameters=True, **extra)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def upgrade_schema(engine: Engine) -> None:
    from alembic import command  # loaded only where migrations run (see below)
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def upgrade_schema_apart(url: str) -> None:
    """Migrate in a child process: Alembic and Mako (11 MB) then never load into
    the long-running hub. The URL goes by stdin, not argv, where `ps` would show
    a PostgreSQL password. Raises CalledProcessError (the child's error is on
    stderr) if the migration fails."""
    subprocess.run([sys.executable, "-m", "kiosk.hub.migrate"], input=url.encode(), check=True)
