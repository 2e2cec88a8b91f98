"""Following a device's event stream from a test, on a background thread."""

from __future__ import annotations

import queue
import threading
from typing import Any

from kiosk.client import HubClient


def listen(client: HubClient, *, keep_snapshot: bool = False) -> queue.Queue[dict[str, Any]]:
    """The device's events as they arrive; returns once its snapshot is in (synced).

    The snapshot's events are dropped, unless `keep_snapshot`: then they stay first
    in the queue (for a test where a ticket may come before or after connecting)."""
    events: queue.Queue[dict[str, Any]] = queue.Queue()

    def run() -> None:
        try:
            for event in client.events():
                events.put(event)
        except Exception:  # the stream ends with the test
            return

    threading.Thread(target=run, daemon=True).start()
    snapshot = []
    while (event := events.get(timeout=10)).get("type") != "synced":
        snapshot.append(event)
    if keep_snapshot:
        with events.mutex:
            events.queue.extendleft(reversed(snapshot))
    return events
