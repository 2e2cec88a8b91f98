"""When a device beats now that its open stream keeps it alive: when the stream
connects, when its manifest version changes, and every few minutes otherwise;
often while its stream is down (kiosk/client/heartbeat.py)."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

import pytest

from kiosk.client.heartbeat import Heartbeat, stream_watch
from tests.waiting import wait_until


@dataclass
class _Site:
    version: int


class _Client:
    """What a Heartbeat asks of a HubClient: a beat, and the manifest it holds."""

    def __init__(self) -> None:
        self.beats = 0
        self.site = _Site(3)
        self._lock = threading.Lock()

    def heartbeat(self, version: str) -> None:
        with self._lock:
            self.beats += 1

    def kept_site(self) -> _Site:
        return self.site


def _beats_reach(client: _Client, count: int) -> None:
    wait_until(lambda: client.beats >= count, f"{count} beats", timeout=10)


@pytest.fixture
def quick_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kiosk.client.heartbeat._CHECK_SECONDS", 0.02)


@pytest.mark.usefixtures("quick_checks")
def test_a_streaming_device_beats_on_connect_and_on_a_new_manifest_only() -> None:
    client = _Client()
    beats = Heartbeat(client, interval=3600.0, streamless_interval=3600.0)  # type: ignore[arg-type]
    beats._chance = random.Random(5)  # noqa: S311  (its first phase: ~2,200 s, far off)
    assert beats._chance.uniform(0.0, 3600.0) > 600
    beats._chance = random.Random(5)  # noqa: S311
    watch = stream_watch(client)  # type: ignore[arg-type]
    beats.start()
    try:
        _beats_reach(client, 1)  # at start
        watch.tell(True)  # the stream connects (EventStream says so)
        _beats_reach(client, 2)
        client.site = _Site(4)  # a new manifest verified
        _beats_reach(client, 3)
        watch.tell(False)  # the stream drops: a beat now, then often
        _beats_reach(client, 4)
        assert client.beats == 4  # nothing else: the next interval is far off
    finally:
        beats.stop()


def test_a_device_without_its_stream_beats_every_streamless_interval() -> None:
    client = _Client()
    beats = Heartbeat(client, interval=3600.0, streamless_interval=0.05)  # type: ignore[arg-type]
    beats.start()
    try:
        _beats_reach(client, 5)  # never connected: every 0.05 s, not every hour
    finally:
        beats.stop()
