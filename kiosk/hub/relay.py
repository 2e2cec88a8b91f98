"""Several hubs on one PostgreSQL database: what the others announced (by
NOTIFY, kiosk/hub/pg_events.py), shown to the devices connected here."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from starlette.concurrency import run_in_threadpool

from kiosk.core.categories import Category, Urgency
from kiosk.core.epoch_key import EpochKeyRecord
from kiosk.core.events import DevicePresence, EpochKeyPublished
from kiosk.core.site import Site
from kiosk.core.ticket import CLOSED_STATES, Ticket, TicketState
from kiosk.hub.live_site import LiveSite
from kiosk.hub.publisher import Publisher, encoded
from kiosk.hub.reply_store import ReplyStore
from kiosk.hub.store import Store

__all__ = ["RemoteRelay"]

_LOG = logging.getLogger("kiosk.hub")
_RELAY_BATCH = 500  # other hubs' announcements relayed with one database trip


def _open_ticket_announced(event: dict[str, Any]) -> bool:
    """A ticket announcement whose ticket must be read from the tables (still open)."""
    if event.get("kind") == "reply" or event.get("type") in ("device", "epoch_keys"):
        return False
    try:
        return TicketState(event["state"]) not in CLOSED_STATES and bool(event["id"])
    except (KeyError, ValueError, TypeError):
        return False  # malformed: _relay_ticket says so


class RemoteRelay:
    def __init__(self, here: Publisher, store: Store, replies: ReplyStore, site: LiveSite) -> None:
        """`here` publishes to this hub's devices only."""
        self._here = here
        self._store = store
        self._replies = replies
        self._site = site
        self.loop: asyncio.AbstractEventLoop | None = None
        self._remote: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    def resync(self) -> None:
        """Called on the LISTEN thread after a database outage: end every stream, so
        each device reconnects and gets a snapshot with what other hubs did meanwhile."""
        if self.loop is not None:
            self.loop.call_soon_threadsafe(self._here.broker.end_all)

    def on_remote(self, event: dict[str, Any]) -> None:
        """Called on the LISTEN thread: hand over to the event loop."""
        if self.loop is not None:
            self.loop.call_soon_threadsafe(self._remote.put_nowait, event)

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

    async def relay(self, batch: list[dict[str, Any]]) -> None:
        site = await self._site.current()
        if site is None:
            return
        to_read = [e for e in batch if _open_ticket_announced(e)]
        tickets: dict[str, Ticket] = {}
        copies: dict[str, dict[str, bytes]] = {}
        if to_read:
            tickets, copies = await run_in_threadpool(
                self._read_announced,
                list(dict.fromkeys(str(e["id"]) for e in to_read)),
                list(dict.fromkeys(str(e["id"]) for e in to_read if e.get("new"))),
            )
        for event in batch:
            if event.get("kind") == "reply":
                await self._relay_reply(event, site)
            elif event.get("type") in ("device", "epoch_keys"):  # a kiosk gone silent; a key
                self._relay_other(event)
            else:
                self._relay_ticket(event, site, tickets, copies)

    def _read_announced(
        self, ids: list[str], new_ids: list[str]
    ) -> tuple[dict[str, Ticket], dict[str, dict[str, bytes]]]:
        return self._store.get_tickets(ids), self._store.sealed_copies_of(new_ids)

    async def _relay_reply(self, event: dict[str, Any], site: Site) -> None:
        """Another hub stored a reply: push it to the devices connected here."""
        stored = await run_in_threadpool(self._replies.get, str(event.get("id")))
        if stored is None:
            return
        ticket = await run_in_threadpool(self._store.get_ticket, stored.ticket_id)
        if ticket is not None:
            self._here.reply(stored, ticket, site)

    def _relay_other(self, event: dict[str, Any]) -> None:
        try:
            if event["type"] == "device":
                self._here.everywhere(DevicePresence.from_announcement(event))
            else:
                self._here.everywhere(EpochKeyPublished(EpochKeyRecord.from_view(event["key"])))
        except (KeyError, ValueError, TypeError):
            _LOG.warning("event=notify.malformed")

    def _relay_ticket(
        self,
        event: dict[str, Any],
        site: Site,
        tickets: dict[str, Ticket],
        copies: dict[str, dict[str, bytes]],
    ) -> None:
        try:
            state = TicketState(event["state"])
            if state in CLOSED_STATES:  # its rows are gone: rebuild from the announcement
                ticket: Ticket | None = Ticket(
                    id=str(event["id"]),
                    kiosk_id=str(event["kiosk_id"]),
                    location_id=str(event["location_id"]),
                    category=Category(event["category"]),
                    urgency=Urgency(event["urgency"]),
                    created_at=float(event["created_at"]),
                    state=state,
                )
                sealed = None
            else:
                ticket = tickets.get(str(event["id"]))  # None: closed since
                sealed = None
                if ticket is not None and event.get("new"):
                    sealed = encoded(copies.get(ticket.id, {}))
        except (KeyError, ValueError, TypeError):
            _LOG.warning("event=notify.malformed")
            return
        if ticket is not None:
            self._here.ticket_here(ticket, site, sealed)
