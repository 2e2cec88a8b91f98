"""Publishing: to the devices connected to this hub and, on PostgreSQL, by
NOTIFY to the other hubs (ids and routing only; each reads the rest itself)."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import TYPE_CHECKING

from kiosk.core.announcements import (
    EpochKeyAnnounced,
    PresenceAnnounced,
    ReplyAnnounced,
    TicketAnnounced,
)
from kiosk.core.audience import Audience
from kiosk.core.events import (
    DevicePresence,
    EpochKeyPublished,
    ReplyPosted,
    StoredReply,
    TicketChanged,
)
from kiosk.core.site import Site
from kiosk.core.ticket import Ticket
from kiosk.hub.events import Broker
from kiosk.hub.views import Views

if TYPE_CHECKING:  # psycopg (11 MB) is loaded only by hubs on PostgreSQL
    from kiosk.hub.pg_events import PgEvents

__all__ = ["Publisher", "encoded"]


def encoded(copies: Mapping[str, bytes]) -> dict[str, str]:
    """Sealed copies by device id, as events carry them (base64)."""
    return {k: base64.b64encode(v).decode() for k, v in copies.items()}


class Publisher:
    """`pg` None: this hub's devices only (one SQLite hub; or relaying what
    another hub announced, which that hub told the others itself)."""

    def __init__(self, broker: Broker, views: Views, pg: PgEvents | None) -> None:
        self.broker = broker
        self._views = views
        self._pg = pg

    def ticket(self, ticket: Ticket, site: Site, sealed: Mapping[str, str] | None = None) -> None:
        """A ticket's change, here and on the other hubs (`sealed`: it is new here)."""
        self.ticket_here(ticket, site, sealed)
        if self._pg is not None:
            self._pg.announce(TicketAnnounced.of(ticket, new=sealed is not None))

    def ticket_here(
        self, ticket: Ticket, site: Site, sealed: Mapping[str, str] | None = None
    ) -> None:
        view = self._views.public_view(ticket, site)
        self.broker.publish(TicketChanged(view, Audience.ticket(ticket.kiosk_id), sealed))

    def everywhere(self, event: DevicePresence | EpochKeyPublished) -> None:
        """A non-ticket event for devices on this hub and, by NOTIFY, on the others."""
        self.broker.publish(event)
        if self._pg is not None:
            if isinstance(event, DevicePresence):
                self._pg.announce(PresenceAnnounced(event))
            else:
                self._pg.announce(EpochKeyAnnounced(event.key))

    def reply(self, reply: StoredReply, ticket: Ticket, site: Site) -> None:
        self.broker.publish(ReplyPosted(reply, self._views.public_view(ticket, site)))
        if self._pg is not None:
            self._pg.announce(ReplyAnnounced(reply.id, ticket.id))
