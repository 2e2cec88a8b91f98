"""A background thread that keeps a device's event stream open, reconnecting
with backoff; each reconnect starts with a snapshot of the open tickets. The
device's heartbeat hears when the stream connects and drops (heartbeat.py):
an open stream is what keeps the device alive at the hub."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from kiosk.client.heartbeat import stream_watch
from kiosk.client.hub_client import HubClient
from kiosk.core.errors import HubError

__all__ = ["EventStream"]

_LOG = logging.getLogger("kiosk.client")


class EventStream:
    def __init__(
        self,
        client: HubClient,
        on_event: Callable[[dict[str, Any]], None],
        on_connection: Callable[[bool], None],
    ) -> None:
        self._client = client
        self._on_event = on_event
        self._on_connection = on_connection
        self._watch = stream_watch(client)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hub-events", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        delay = 0.5
        while not self._stop.is_set():
            try:
                # Marks where a fresh snapshot begins, so ghosts can be dropped.
                self._on_event({"type": "connecting"})
                for event in self._client.events():
                    if self._stop.is_set():
                        return
                    if event.get("type") == "synced":
                        self._watch.tell(True)
                        self._on_connection(True)
                        delay = 0.5
                    self._on_event(event)
            except HubError as exc:
                _LOG.info("event=stream.down kind=%s", type(exc).__name__)
            except Exception:  # keep reconnecting, whatever went wrong
                _LOG.exception("event=stream.failed")
            self._watch.tell(False)
            self._on_connection(False)
            self._stop.wait(delay)
            delay = min(delay * 2, 10.0)
