"""Several hubs on one PostgreSQL database: what the others announced (by
NOTIFY, kiosk/hub/pg_events.py), shown to the devices connected here."""

from __future__ import annotations

import asyncio
import logging

from starlette.concurrency import run_in_threadpool

from kiosk.core.announcements import (
    Announcement,
    EpochKeyAnnounced,
    PresenceAnnounced,
    ReplyAnnounced,
    TicketAnnounced,
)
from kiosk.core.events import EpochKeyPublished
from kiosk.core.site import Site
from kiosk.core.ticket import CLOSED_STATES, Ticket
from kiosk.hub.live_site import LiveSite
from kiosk.hub.publisher import Publisher, encoded
from kiosk.hub.reply_store import ReplyStore
from kiosk.hub.store import Store

__all__ = ["RemoteRelay"]

_LOG = logging.getLogger("kiosk.hub")
_RELAY_BATCH = 500  # other hubs' announcements relayed with one database trip


def _open_ticket(announced: Announcement) -> TicketAnnounced | None:
    """A ticket announcement whose ticket must be read from the tables (still open)."""
    if isinstance(announced, TicketAnnounced) and announced.state not in CLOSED_STATES:
        return announced
    return None


class RemoteRelay:
    def __init__(self, here: Publisher, store: Store, replies: ReplyStore, site: LiveSite) -> None:
        """`here` publishes to this hub's devices only."""
        self._here = here
        self._store = store
        self._replies = replies
        self._site = site
        self.loop: asyncio.AbstractEventLoop | None = None
        self._remote: asyncio.Queue[Announcement] = asyncio.Queue()

    def resync(self) -> None:
        """Called on the LISTEN thread after a database outage: end every stream, so
        each device reconnects and gets a snapshot with what other hubs did meanwhile."""
        if self.loop is not None:
            self.loop.call_soon_threadsafe(self._here.broker.end_all)

    def on_remote(self, announced: Announcement) -> None:
        """Called on the LISTEN thread: hand over to the event loop."""
        if self.loop is not None:
            self.loop.call_soon_threadsafe(self._remote.put_nowait, announced)

    async def relay_forever(self) -> None:
        """Show the devices connected here what other hubs announced, in the order
        they did. What queued up meanwhile goes together: one database trip for
        all of it, not one or two per event (a busy hub fell behind on those)."""
        while True:
            batch = [await self._remote.get()]
            while not self._remote.empty() and len(batch) < _RELAY_BATCH:
                batch.append(self._remote.get_nowait())
            try:
                await self.relay(batch)
            except Exception as exc:  # by kind only: a message could carry content
                # Some devices here missed what other hubs did (the database was
                # away, say): end every stream, so each gets a snapshot on reconnect.
                _LOG.error("event=relay.failed kind=%s", type(exc).__name__)
                self._here.broker.end_all()

    async def relay(self, batch: list[Announcement]) -> None:
        site = await self._site.current()
        if site is None:
            return
        to_read = [t for t in map(_open_ticket, batch) if t is not None]
        tickets: dict[str, Ticket] = {}
        copies: dict[str, dict[str, bytes]] = {}
        if to_read:
            tickets, copies = await run_in_threadpool(
                self._read_announced,
                list(dict.fromkeys(t.id for t in to_read)),
                list(dict.fromkeys(t.id for t in to_read if t.new)),
            )
        for announced in batch:
            match announced:
                case ReplyAnnounced():
                    await self._relay_reply(announced, site)
                case PresenceAnnounced(presence):  # a kiosk gone silent or back
                    self._here.everywhere(presence)
                case EpochKeyAnnounced(key):
                    self._here.everywhere(EpochKeyPublished(key))
                case TicketAnnounced():
                    self._relay_ticket(announced, site, tickets, copies)

    def _read_announced(
        self, ids: list[str], new_ids: list[str]
    ) -> tuple[dict[str, Ticket], dict[str, dict[str, bytes]]]:
        return self._store.get_tickets(ids), self._store.sealed_copies_of(new_ids)

    async def _relay_reply(self, announced: ReplyAnnounced, site: Site) -> None:
        """Another hub stored a reply: push it to the devices connected here."""
        stored = await run_in_threadpool(self._replies.get, announced.id)
        if stored is None:
            return
        ticket = await run_in_threadpool(self._store.get_ticket, stored.ticket_id)
        if ticket is not None:
            self._here.reply(stored, ticket, site)

    def _relay_ticket(
        self,
        announced: TicketAnnounced,
        site: Site,
        tickets: dict[str, Ticket],
        copies: dict[str, dict[str, bytes]],
    ) -> None:
        sealed = None
        if announced.state in CLOSED_STATES:  # its rows are gone: rebuild from the announcement
            ticket: Ticket | None = announced.ticket()
        else:
            ticket = tickets.get(announced.id)  # None: closed since
            if ticket is not None and announced.new:
                sealed = encoded(copies.get(ticket.id, {}))
        if ticket is not None:
            self._here.ticket_here(ticket, site, sealed)
