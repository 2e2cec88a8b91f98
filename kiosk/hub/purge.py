"""The one purge path: resolve, cancel and expiry all end here.

Rows are deleted, never flagged: there is no soft delete. The ticket row goes
first, and only if it still matches the condition the caller computed from
(so a purge never races an accept); its sealed copies and staff replies go in
the same transaction, so a crash leaves either the whole open ticket or nothing of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy import ColumnElement, Connection, Row, Table, bindparam, delete
from sqlalchemy.sql.dml import ReturningDelete

from kiosk.hub.models import ReplyRow, SealedCopyRow, TicketRow

__all__ = ["purge_statement", "purge_tickets"]

_TICKETS = cast(Table, TicketRow.__table__)
_COPIES = cast(Table, SealedCopyRow.__table__)
_REPLIES = cast(Table, ReplyRow.__table__)
# Built once (expanding: any number of ids), as the store's own statements.
_DELETE_COPIES = delete(_COPIES).where(_COPIES.c.ticket_id.in_(bindparam("ids", expanding=True)))
_DELETE_REPLIES = delete(_REPLIES).where(_REPLIES.c.ticket_id.in_(bindparam("ids", expanding=True)))


def purge_statement(condition: ColumnElement[bool]) -> ReturningDelete[Any]:
    """The ticket delete for `condition`: the store builds its fixed ones once, so
    SQLAlchemy does not build and key a statement again on every resolve."""
    return delete(_TICKETS).where(condition).returning(*_TICKETS.columns)


def purge_tickets(
    connection: Connection,
    condition: ColumnElement[bool] | ReturningDelete[Any],
    params: Mapping[str, Any] | None = None,
) -> list[Row[Any]]:
    """Delete the tickets matching `condition` (or a `purge_statement`, with its
    bound `params`), their sealed copies and replies; the rows deleted.

    The delete is the transaction's first statement, so SQLite takes the write
    lock at once and never has to upgrade a stale read snapshot.
    """
    if isinstance(condition, ColumnElement):
        condition = purge_statement(condition)
    deleted = list(connection.execute(condition, dict(params or {})))
    if deleted:
        # ON DELETE CASCADE does this too; explicit, for engines that do not enforce it.
        ids = {"ids": [row.id for row in deleted]}
        connection.execute(_DELETE_COPIES, ids)
        connection.execute(_DELETE_REPLIES, ids)
    return deleted
