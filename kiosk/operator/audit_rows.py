"""The row half of `kiosk admin audit`: what the hub's tables still hold.

The same checks on SQLite (through a read-only connection) and on PostgreSQL
(through the hubs' database URL):

- rows of closed requests (a resolved, cancelled or expired ticket is deleted
  with its copies and replies in one transaction: none may be left);
- sealed copies and replies of no ticket (orphans of a purge);
- open tickets older than the expiry limit (the sweeper should have purged them);
- rows naming a ticket id the caller gives (--find).

On PostgreSQL that is all an audit can verify: a DELETE leaves dead tuples,
and the WAL, replicas and backups keep copies nobody can read back byte by
byte. What holds there is crypto-shredding: the hub never had a key to any
sealed copy, and the staff and kiosk keys that could open them are destroyed
(docs/privacy.md). `kiosk admin audit` says so whenever it audits PostgreSQL.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from kiosk.core.ticket import CLOSED_STATES

__all__ = ["POSTGRESQL_LIMITS", "RowQuery", "audit_rows", "postgresql_query"]

# A query: SQL with named parameters (:name) and their values -> rows.
RowQuery = Callable[[str, dict[str, Any]], Sequence[Sequence[Any]]]

POSTGRESQL_LIMITS = (
    "PostgreSQL's dead tuples, WAL, replicas and backups cannot be audited byte by "
    "byte; closed requests there stay unreadable because the hub never had the keys "
    "to them and the devices' keys are destroyed (crypto-shredding, docs/privacy.md)"
)

_CHECKS = (
    (
        "orphans",
        "SELECT count(*) FROM sealed_copies WHERE ticket_id NOT IN (SELECT id FROM tickets)",
        "sealed copies of no open ticket",
    ),
    (
        "orphans",
        "SELECT count(*) FROM replies WHERE ticket_id NOT IN (SELECT id FROM tickets)",
        "replies of no open ticket",
    ),
)
_NAMING = (
    "SELECT (SELECT count(*) FROM tickets WHERE id = :needle)"
    " + (SELECT count(*) FROM sealed_copies WHERE ticket_id = :needle)"
    " + (SELECT count(*) FROM replies WHERE ticket_id = :needle)"
)


def audit_rows(
    query: RowQuery, where: str, *, ttl_seconds: float, find: Sequence[str] = ()
) -> list[tuple[str, str, str]]:
    """(kind, where, detail) for each thing found; an empty list when the rows are clean."""
    found: list[tuple[str, str, str]] = []
    closed = sum(
        int(count)
        for state, count in query("SELECT state, count(*) FROM tickets GROUP BY state", {})
        if state in {s.value for s in CLOSED_STATES}
    )
    if closed:
        found.append(("closed-rows", where, f"{closed} row(s) of closed requests in tickets"))
    for kind, sql, what in _CHECKS:
        count = int(query(sql, {})[0][0] or 0)
        if count:
            found.append((kind, where, f"{count} {what}"))
    now = time.time()
    for (created_at,) in query("SELECT created_at FROM tickets", {}):
        age = now - float(created_at)
        if age > ttl_seconds:
            found.append(
                (
                    "overdue",
                    where,
                    f"an open ticket is {int(age // 60)} min old, past the "
                    f"{int(ttl_seconds // 60)} min limit: is the hub running its expiry sweep?",
                )
            )
    for needle in find:
        if needle and int(query(_NAMING, {"needle": needle})[0][0] or 0):
            found.append(("found", where, f"a row names {needle!r}"))
    return found


def postgresql_query(url: str) -> tuple[RowQuery, Callable[[], None]]:
    """A read-only query function on the hubs' database, and how to close it."""
    from sqlalchemy import text

    from kiosk.hub.database import make_engine

    engine = make_engine(url, pooled=False)

    def run(sql: str, params: dict[str, Any]) -> Sequence[Sequence[Any]]:
        with engine.connect() as conn:
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            return [tuple(r) for r in conn.execute(text(sql), params)]

    return run, engine.dispose
