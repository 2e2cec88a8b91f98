"""Announcements between hubs on a real PostgreSQL server: sent in batches, they
arrive in the order made, and one that PostgreSQL refuses (over NOTIFY's 8,000
bytes) loses only itself, not the others of its batch."""

from __future__ import annotations

import os
import queue
import time

import pytest

from kiosk.core.announcements import Announcement, ReplyAnnounced
from kiosk.hub.pg_events import PgEvents

PG_URL = os.environ.get("KIOSK_TEST_POSTGRES_URL", "")
pytestmark = pytest.mark.skipif(not PG_URL, reason="set KIOSK_TEST_POSTGRES_URL (.ci/run does)")


def _named(name: str, padding: str = "") -> ReplyAnnounced:
    return ReplyAnnounced(name, "t" + padding)


def _until(received: queue.Queue[Announcement], wanted: str) -> list[str]:
    """The names received up to and including `wanted` (10 s at most)."""
    seen: list[str] = []
    deadline = time.monotonic() + 10
    while wanted not in seen:
        announced = received.get(timeout=max(0.1, deadline - time.monotonic()))
        if isinstance(announced, ReplyAnnounced):  # other kinds: other tests' hubs
            seen.append(announced.id)
    return seen


def test_a_batch_arrives_in_order_and_a_refused_announcement_loses_only_itself() -> None:
    received: queue.Queue[Announcement] = queue.Queue()
    listener = PgEvents(PG_URL, received.put)
    prober = PgEvents(PG_URL, lambda _event: None)
    sender = PgEvents(PG_URL, lambda _event: None)
    listener.start()
    prober.start()
    try:
        # LISTEN runs in a thread: probe until it hears.
        for n in range(50):
            prober.announce(_named(f"probe-{n}"))
            try:
                heard = received.get(timeout=0.2)
                if isinstance(heard, ReplyAnnounced) and heard.id.startswith("probe"):
                    break
            except queue.Empty:
                continue
        # Queued before its thread starts, so they go in one statement.
        sender.announce(_named("first"))
        sender.announce(_named("too-long", padding="x" * 9000))
        for n in range(5):
            sender.announce(_named(f"then-{n}"))
        sender.start()

        seen = [n for n in _until(received, "then-4") if not n.startswith("probe")]
        assert seen == ["first", "then-0", "then-1", "then-2", "then-3", "then-4"]
    finally:
        for events in (listener, prober, sender):
            events.stop()
        for events in (listener, prober, sender):
            events.join()
