"""Storage of staff replies: ciphertext the hub cannot read, kept only while
its ticket is open (the one purge path deletes it with the ticket)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from kiosk.core.events import StoredReply
from kiosk.hub.models import ReplyRow

__all__ = ["ReplyConflict", "ReplyStore", "StoredReply", "TooManyReplies"]


class ReplyConflict(Exception):
    """A reply id already used for another ticket or by another device."""


class TooManyReplies(Exception):
    """The ticket has as many replies as the hub keeps for one ticket."""


def _stored(row: ReplyRow) -> StoredReply:
    return StoredReply(row.id, row.ticket_id, row.staff_id, row.created_at, row.ciphertext)


class ReplyStore:
    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def add(self, reply: StoredReply, limit: int) -> bool | None:
        """Store a reply; False if this very reply was stored already (a retry),
        None if its ticket is gone (closed meanwhile: the foreign key refuses it)."""
        try:
            with self._sessions.begin() as s:
                # The insert comes first, so SQLite takes the write lock before
                # anything is read and the count below is current.
                s.add(
                    ReplyRow(
                        id=reply.id,
                        ticket_id=reply.ticket_id,
                        staff_id=reply.staff_id,
                        created_at=reply.created_at,
                        ciphertext=reply.ciphertext,
                    )
                )
                s.flush()
                count = s.scalar(
                    select(func.count())
                    .select_from(ReplyRow)
                    .where(ReplyRow.ticket_id == reply.ticket_id)
                )
                if int(count or 0) > limit:
                    raise TooManyReplies(reply.ticket_id)
            return True
        except IntegrityError:
            existing = self.get(reply.id)
            if existing is None:
                return None
            if (existing.ticket_id, existing.staff_id) != (reply.ticket_id, reply.staff_id):
                raise ReplyConflict(reply.id) from None
            return False

    def get(self, reply_id: str) -> StoredReply | None:
        with self._sessions() as s:
            row = s.get(ReplyRow, reply_id)
            return _stored(row) if row else None

    def of_tickets(self, ticket_ids: Iterable[str]) -> list[StoredReply]:
        """Replies of these tickets, oldest first."""
        ids = list(ticket_ids)
        if not ids:
            return []
        query = select(ReplyRow).where(ReplyRow.ticket_id.in_(ids)).order_by(ReplyRow.created_at)
        with self._sessions() as s:
            return [_stored(r) for r in s.scalars(query)]
