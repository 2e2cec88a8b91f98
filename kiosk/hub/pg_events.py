"""Events between hub instances that share one PostgreSQL database.

Every state change a hub makes is announced with NOTIFY, carrying ids and
routing metadata only (payloads stay in the tables). Each hub LISTENs on a
dedicated connection in a thread and relays what other hubs announced to its
own connected devices, reading the ticket from the database.

The NOTIFY is sent after the write has committed, on its own autocommit
connection, by a thread of its own: PostgreSQL serialises commits of
transactions that notify, so keeping it out of the write transaction keeps that
lock off the hot path. Announcements and relays each go in batches when they
queue up, in the order they were made.
"""

from __future__ import annotations

import logging
import queue
import secrets
import threading
from collections.abc import Callable
from typing import Any

import psycopg

from kiosk.core.announcements import Announcement, MalformedAnnouncement, decode, encode

__all__ = ["CHANNEL", "PgEvents", "psycopg_url"]

CHANNEL = "kiosk_events"
_LOG = logging.getLogger("kiosk.hub")
_BATCH = 200  # announcements a statement; a NOTIFY payload is a few hundred bytes


def psycopg_url(sqlalchemy_url: str) -> str:
    """postgresql+psycopg://u:p@h/db → postgresql://u:p@h/db, for a plain connection."""
    scheme, _, rest = sqlalchemy_url.partition("://")
    return "postgresql://" + rest if scheme.startswith("postgresql") else sqlalchemy_url


class PgEvents:
    def __init__(
        self,
        url: str,
        on_remote: Callable[[Announcement], None],
        on_gap: Callable[[], None] = lambda: None,
    ) -> None:
        self.hub_id = secrets.token_hex(6)  # tells our own announcements apart
        self._url = psycopg_url(url)
        self._on_remote = on_remote
        # Called when LISTEN is back after an outage: what other hubs announced
        # meanwhile is lost, so devices must resynchronise from a snapshot.
        self._on_gap = on_gap
        self._stop = threading.Event()
        self._sender: psycopg.Connection[Any] | None = None
        self._outbox: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._listen, name="pg-listen", daemon=True)
        self._sending = threading.Thread(target=self._send_queued, name="pg-notify", daemon=True)

    def start(self) -> None:
        self._thread.start()
        self._sending.start()

    def stop(self) -> None:
        self._stop.set()
        self._outbox.put(None)  # the sender sends what is queued, then ends

    def join(self, timeout: float = 5.0) -> None:
        """Wait for both threads after `stop` (its connections are closed then)."""
        for thread in (self._thread, self._sending):
            if thread.is_alive():
                thread.join(timeout)

    def announce(self, announcement: Announcement) -> None:
        """Queue `announcement` for the other hubs; call once the change has committed.

        Never waits: a thread of its own sends what has queued up, in order, many
        in one statement. One worker-thread trip and one round trip each cost a
        busy hub more than the rest of relaying the change.
        """
        self._outbox.put(encode(announcement, self.hub_id))

    def _send_queued(self) -> None:
        try:
            while True:
                payload = self._outbox.get()
                if payload is None:
                    return
                batch = [payload]
                while len(batch) < _BATCH:
                    try:
                        more = self._outbox.get_nowait()
                    except queue.Empty:
                        break
                    if more is None:
                        self._send(batch)
                        return
                    batch.append(more)
                self._send(batch)
        finally:
            if self._sender is not None:
                self._sender.close()

    def _send(self, payloads: list[str]) -> None:
        for attempt in (1, 2):
            try:
                if self._sender is None or self._sender.closed:
                    self._sender = psycopg.connect(self._url, autocommit=True)
                # One transaction: PostgreSQL delivers its notifications in the
                # order they were made, which is the order of the array.
                self._sender.execute(
                    "SELECT pg_notify(%s, p) FROM unnest(%s::text[]) AS p", (CHANNEL, payloads)
                )
                return
            except psycopg.OperationalError:
                self._sender = None
                if attempt == 2:
                    # Devices on other hubs resync from a snapshot on their
                    # next reconnect; the tickets themselves are safe in the table.
                    _LOG.warning("event=notify.failed")
            except psycopg.Error as exc:
                # Refused, not lost in transit (e.g. a payload over NOTIFY's limit):
                # send the others one by one, so only the refused one is dropped.
                _LOG.warning("event=notify.refused kind=%s", type(exc).__name__)
                if len(payloads) > 1:
                    for payload in payloads:
                        self._send([payload])
                return

    def _listen(self) -> None:
        outage = False
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    if outage:
                        _LOG.warning("event=listen.resumed")
                        self._on_gap()
                        outage = False
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=1.0):
                            self._relay(note.payload)
            except psycopg.OperationalError:
                _LOG.warning("event=listen.reconnecting")
                outage = True
                self._stop.wait(1.0)

    def _relay(self, payload: str) -> None:
        try:
            heard = decode(payload)
        except MalformedAnnouncement:
            # Logged without the payload, which could carry content; LISTEN goes on.
            _LOG.warning("event=notify.malformed")
            return
        if heard.hub != self.hub_id:
            self._on_remote(heard.announcement)
