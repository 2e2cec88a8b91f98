"""A background thread telling the hub this device is alive, every 10 s, with
its software and manifest version (what `kiosk admin status` shows)."""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Iterator

from kiosk import __version__
from kiosk.client.hub_client import HubClient
from kiosk.core.errors import KioskError

__all__ = ["HEARTBEAT_SECONDS", "Heartbeat", "beat_waits"]

_LOG = logging.getLogger("kiosk.client")
HEARTBEAT_SECONDS = 10.0


def beat_waits(interval: float, chance: random.Random) -> Iterator[float]:
    """Seconds to wait after each beat: the first a random part of the interval,
    then the interval. Devices that start together (power back at a station)
    would otherwise beat together for good, a burst at the hub every interval
    instead of an even load (kiosk bench: waves of 0.2-0.4 s p99 every 10 s at
    50/s). No wait is longer than the interval, so offline detection holds."""
    yield chance.uniform(0.0, interval)
    while True:
        yield interval


class Heartbeat:
    def __init__(self, client: HubClient, interval: float = HEARTBEAT_SECONDS) -> None:
        self._client = client
        self._interval = interval
        # Only spreads the load: nothing depends on it being unpredictable.
        self._chance = random.Random()  # noqa: S311
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def beat_once(self) -> None:
        self._client.heartbeat(__version__)

    def _run(self) -> None:
        waits = beat_waits(self._interval, self._chance)
        while not self._stop.is_set():
            try:
                self.beat_once()
            except KioskError as exc:  # the event stream reports the outage; keep beating
                _LOG.debug("event=heartbeat.failed kind=%s", type(exc).__name__)
            except Exception:
                _LOG.exception("event=heartbeat.failed")
            self._stop.wait(next(waits))
