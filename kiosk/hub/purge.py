"""The one purge path: resolve, cancel and expiry all end here.

Rows are deleted, never flagged: there is no soft delete. The ticket row goes
first, and only if it still matches the condition the caller computed from
(so a purge never races an accept); its sealed copies and staff replies go in
the same transaction, so a crash leaves either the whole open ticket or nothing of it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, delete

from kiosk.hub.models import ReplyRow, SealedCopyRow, TicketRow

__all__ = ["purge_tickets"]


def purge_tickets(connection: Connection, condition: ColumnElement[bool]) -> list[Row[Any]]:
    """Delete the tickets matching `condition`, their sealed copies and replies; the rows deleted.

    The delete is the transaction's first statement, so SQLite takes the write
    lock at once and never has to upgrade a stale read snapshot.
    """
    deleted = list(
        connection.execute(
            delete(TicketRow).where(condition).returning(*TicketRow.__table__.columns)
        )
    )
    if deleted:
        # ON DELETE CASCADE does this too; explicit, for engines that do not enforce it.
        ids = [row.id for row in deleted]
        connection.execute(delete(SealedCopyRow).where(SealedCopyRow.ticket_id.in_(ids)))
        connection.execute(delete(ReplyRow).where(ReplyRow.ticket_id.in_(ids)))
    return deleted
