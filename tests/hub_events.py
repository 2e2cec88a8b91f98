"""Following a device's event stream from a test, on a background thread."""

from __future__ import annotations

import queue
import threading
from typing import Any

from kiosk.client import HubClient


def listen(client: HubClient) -> queue.Queue[dict[str, Any]]:
    """The device's events as they arrive; returns once its snapshot is in (synced)."""
    events: queue.Queue[dict[str, Any]] = queue.Queue()

    def run() -> None:
        try:
            for event in client.events():
                events.put(event)
        except Exception:  # the stream ends with the test
            return

    threading.Thread(target=run, daemon=True).start()
    while events.get(timeout=10).get("type") != "synced":
        pass
    return events
