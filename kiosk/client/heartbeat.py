"""A background thread telling the hub this device is alive, with its software
and manifest version (what `kiosk admin status` shows).

While the device's event stream is open the hub counts it alive from the
stream itself (kiosk/hub/presence.py), so a beat is needed only for what it
carries: one when the stream connects, one when the manifest version changes,
and otherwise one every HEARTBEAT_SECONDS. While the stream is down, the beats
are all the hub hears: one every STREAMLESS_HEARTBEAT_SECONDS, well within the
hub's offline limit (25 s by default).
"""

from __future__ import annotations

import logging
import random
import threading
import time
import weakref
from collections.abc import Iterator

from kiosk import __version__
from kiosk.client.hub_client import HubClient
from kiosk.core.errors import KioskError

__all__ = [
    "HEARTBEAT_SECONDS",
    "STREAMLESS_HEARTBEAT_SECONDS",
    "Heartbeat",
    "StreamWatch",
    "beat_waits",
    "stream_watch",
]

_LOG = logging.getLogger("kiosk.client")
HEARTBEAT_SECONDS = 300.0
STREAMLESS_HEARTBEAT_SECONDS = 10.0
# How often a waiting heartbeat compares the manifest version it sent with the
# one the device holds now (a look at memory, no call).
_CHECK_SECONDS = 5.0


def beat_waits(interval: float, chance: random.Random) -> Iterator[float]:
    """Seconds to wait after each beat: the first a random part of the interval,
    then the interval. Devices that start together (power back at a station)
    would otherwise beat together for good, a burst at the hub every interval
    instead of an even load (kiosk bench: waves of 0.2-0.4 s p99 every 10 s at
    50/s). No wait is longer than the interval."""
    yield chance.uniform(0.0, interval)
    while True:
        yield interval


class StreamWatch:
    """Whether a device's event stream is connected: EventStream tells it, the
    device's Heartbeat waits on it."""

    def __init__(self) -> None:
        self.connected = False
        self.changed = threading.Event()

    def tell(self, connected: bool) -> None:
        self.connected = connected
        self.changed.set()


_WATCHES: weakref.WeakKeyDictionary[HubClient, StreamWatch] = weakref.WeakKeyDictionary()
_WATCHES_LOCK = threading.Lock()


def stream_watch(client: HubClient) -> StreamWatch:
    """The one StreamWatch of `client`'s device, shared by its stream and heartbeat."""
    with _WATCHES_LOCK:
        watch = _WATCHES.get(client)
        if watch is None:
            watch = _WATCHES[client] = StreamWatch()
        return watch


class Heartbeat:
    def __init__(
        self,
        client: HubClient,
        interval: float = HEARTBEAT_SECONDS,
        streamless_interval: float = STREAMLESS_HEARTBEAT_SECONDS,
    ) -> None:
        self._client = client
        self._interval = interval
        self._streamless = min(streamless_interval, interval)
        self._watch = stream_watch(client)
        # Only spreads the load: nothing depends on it being unpredictable.
        self._chance = random.Random()  # noqa: S311
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._watch.changed.set()  # wakes the wait

    def beat_once(self) -> None:
        self._client.heartbeat(__version__)

    def _manifest_version(self) -> int:
        site = self._client.kept_site()
        return site.version if site is not None else 0

    def _run(self) -> None:
        waits = beat_waits(self._interval, self._chance)
        while not self._stop.is_set():
            self._watch.changed.clear()  # a change during the beat asks for another
            sent = self._manifest_version()
            try:
                self.beat_once()
            except KioskError as exc:  # the event stream reports the outage; keep beating
                _LOG.debug("event=heartbeat.failed kind=%s", type(exc).__name__)
            except Exception:
                _LOG.exception("event=heartbeat.failed")
            self._wait(next(waits) if self._watch.connected else self._streamless, sent)

    def _wait(self, seconds: float, sent: int) -> None:
        """Until the next beat: `seconds`, or sooner when the stream connects or
        drops (a stream-less device beats often), or the manifest version changes."""
        deadline = time.monotonic() + seconds
        while not self._stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0 or self._watch.changed.wait(min(left, _CHECK_SECONDS)):
                return
            if self._manifest_version() != sent:
                return
