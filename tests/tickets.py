"""A plain open ticket for tests of the hub's store."""

from __future__ import annotations

from kiosk.core.categories import Category, Urgency
from kiosk.core.ticket import Ticket, new_ticket_id


def open_ticket(created_at: float = 1.0) -> Ticket:
    """A lost-property request from kiosk-1 in the hall, new and unread."""
    return Ticket(
        id=new_ticket_id(),
        kiosk_id="kiosk-1",
        location_id="hall",
        category=Category.LOST,
        urgency=Urgency.NORMAL,
        created_at=created_at,
    )
