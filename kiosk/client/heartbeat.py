"""A background thread telling the hub this device is alive, every 10 s, with
its software and manifest version (what `kiosk admin status` shows)."""

from __future__ import annotations

import logging
import threading

from kiosk import __version__
from kiosk.client.hub_client import HubClient
from kiosk.core.errors import KioskError

__all__ = ["HEARTBEAT_SECONDS", "Heartbeat"]

_LOG = logging.getLogger("kiosk.client")
HEARTBEAT_SECONDS = 10.0


class Heartbeat:
    def __init__(self, client: HubClient, interval: float = HEARTBEAT_SECONDS) -> None:
        self._client = client
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def beat_once(self) -> None:
        self._client.heartbeat(__version__)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.beat_once()
            except KioskError as exc:  # the event stream reports the outage; keep beating
                _LOG.debug("event=heartbeat.failed kind=%s", type(exc).__name__)
            except Exception:
                _LOG.exception("event=heartbeat.failed")
            self._stop.wait(self._interval)
