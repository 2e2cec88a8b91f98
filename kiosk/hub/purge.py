"""The one purge path: resolve, cancel and expiry all end here.

Rows are deleted, never flagged: there is no soft delete. Sealed copies go
first, in the same transaction as the ticket row, so a crash leaves either
the whole open ticket or nothing of it.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete
from sqlalchemy.orm import Session

from kiosk.hub.models import SealedCopyRow, TicketRow

__all__ = ["purge_tickets"]


def purge_tickets(session: Session, ticket_ids: Sequence[str]) -> None:
    if not ticket_ids:
        return
    session.execute(delete(SealedCopyRow).where(SealedCopyRow.ticket_id.in_(ticket_ids)))
    session.execute(delete(TicketRow).where(TicketRow.id.in_(ticket_ids)))
