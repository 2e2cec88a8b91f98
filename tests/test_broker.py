"""The hub's in-process fan-out: who is asked about which event."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any

from kiosk.core.audience import Audience
from kiosk.core.epoch_key import EpochKeyRecord
from kiosk.core.events import (
    DutyChanged,
    EpochKeyPublished,
    HubEvent,
    Queued,
    StreamEnded,
    TicketChanged,
    TicketView,
)
from kiosk.hub.events import KEEPALIVE, Broker, Subscription

_KEY = EpochKeyRecord("s1", "e1", 0, 60, b"p" * 32, b"s" * 64)


def _drain(sub: Subscription) -> list[Queued]:
    out, sub.pending = sub.pending, []
    return out


def _ticket(ticket_id: str, kiosk_id: str) -> TicketChanged:
    view = TicketView(
        ticket_id,
        kiosk_id,
        "loc",
        "",
        "",
        "lost",
        "normal",
        "submitted",
        0.0,
        0.0,
        None,
        None,
        None,
    )
    return TicketChanged(view, Audience.ticket(kiosk_id))


def test_kiosk_streams_get_only_their_own_events_and_broadcasts() -> None:
    async def run() -> None:
        broker = Broker()
        asked: list[str] = []

        def kiosk_wants(name: str) -> Any:
            def wants(event: HubEvent) -> bool:
                asked.append(name)
                return True

            return wants

        k1 = broker.subscribe("k1", kiosk_wants("k1"), kiosk=True)
        k2 = broker.subscribe("k2", kiosk_wants("k2"), kiosk=True)
        staff = broker.subscribe("s1", lambda e: isinstance(e, TicketChanged))
        broker.publish(_ticket("a", "k1"))
        assert asked == ["k1"]  # k2's filter is not even asked
        broker.publish(EpochKeyPublished(_KEY))
        assert sorted(asked) == ["k1", "k1", "k2"]
        broker.publish(DutyChanged("s1", True))
        assert [type(e) for e in _drain(k1)] == [TicketChanged, EpochKeyPublished]
        assert [type(e) for e in _drain(k2)] == [EpochKeyPublished]
        assert [type(e) for e in _drain(staff)] == [TicketChanged]
        broker.unsubscribe(k1)
        broker.publish(_ticket("b", "k1"))
        assert _drain(k1) == []
        broker.end_all()
        assert k2.overflowed
        assert staff.overflowed
        assert not k1.overflowed

    asyncio.run(run())


def test_keepalive_goes_only_to_streams_quiet_for_the_interval() -> None:
    async def run() -> None:
        broker = Broker()
        quiet = broker.subscribe("k1", lambda e: True, kiosk=True)
        busy = broker.subscribe("s1", lambda e: True)
        waiting = broker.subscribe("s2", lambda e: True)
        quiet.sent_at, busy.sent_at, waiting.sent_at = 100.0, 108.0, 100.0
        waiting.put(DutyChanged("s1", True))  # it has something to write anyway
        broker.keepalive(now=110.0, longest=5.0)
        assert _drain(quiet) == [KEEPALIVE]
        assert _drain(busy) == []  # wrote 2 s ago
        assert _drain(waiting) == [DutyChanged("s1", True)]
        assert not any(s.overflowed for s in (quiet, busy, waiting))

    asyncio.run(run())


def test_streams_that_opened_together_keep_alive_at_different_times() -> None:
    """After a hub's restart every device's stream opens within seconds: their
    keep-alives must not come in one tick of the loop ever after, and none may
    leave its stream silent longer than allowed."""

    async def run() -> None:
        broker = Broker(random.Random(7))  # noqa: S311  (a test's fixed draws)
        subs = [broker.subscribe(f"k{n}", lambda e: True, kiosk=True) for n in range(1000)]
        longest, tick, now = 14.5, 0.5, 0.0
        written: list[int] = []
        while now < 120.0:
            now += tick
            broker.keepalive(now, longest)
            due = [s for s in subs if s.pending]
            for sub in due:  # as each stream writes its keep-alive
                assert now - sub.sent_at <= longest + tick
                sub.pending.clear()
                sub.sent_at = now
            written.append(len(due))
        assert all(now - s.sent_at <= longest + tick for s in subs)
        assert sum(written) > 7000  # about one a stream every 11-15 s
        # Of a thousand, in any one tick: the first ones (drawn when the streams
        # opened) spread over seven ticks, and they drift further apart after.
        assert max(written) <= 200
        assert max(written[len(written) // 2 :]) <= 110

    asyncio.run(run())


def test_a_quiet_event_stream_writes_a_keepalive_each_heartbeat(tmp_path: Path) -> None:
    """The hub's own stream loop with its keep-alive job: a comment, then events again."""
    from kiosk.core.site import DeviceRecord, DeviceRole
    from kiosk.hub.app import Hub
    from kiosk.hub.events import StreamContext
    from kiosk.hub.settings import HubSettings
    from kiosk.operator import sample_site

    hub = Hub(HubSettings(data_dir=tmp_path, heartbeat_seconds=0.2))
    kiosk = DeviceRecord("k1", DeviceRole.KIOSK, b"s" * 32, b"h" * 32, location_id="loc")

    async def run() -> list[bytes]:
        sub = hub.broker.subscribe("k1", lambda e: True, kiosk=True)
        stream = hub.streams.stream(StreamContext(kiosk, sample_site()), sub, [])
        written = [await anext(stream)]  # "synced"
        pending = asyncio.ensure_future(anext(stream))
        finished, _ = await asyncio.wait({pending}, timeout=0)  # its turn: it waits for events
        assert not finished
        await hub.keepalive_once()  # it wrote just now: too soon
        assert sub.pending == []
        # As if it had written nothing for a heartbeat (the stream's own record of
        # its last write): more than its share of the longest silence, so the job
        # wakes it.
        sub.sent_at -= hub.settings.heartbeat_seconds
        await hub.keepalive_once()
        written.append(await asyncio.wait_for(pending, 5))
        hub.broker.publish(EpochKeyPublished(_KEY))
        written.append(await asyncio.wait_for(anext(stream), 5))
        await stream.aclose()
        return written

    try:
        written = asyncio.run(run())
    finally:
        hub.store.engine.dispose()
    assert written[0].startswith(b'data: {"type":"synced"')
    assert written[1] == b": keepalive\n\n"
    assert written[2].startswith(b'data: {"type":"epoch_keys"')


def test_a_stream_takes_its_events_oldest_first_in_writes_of_at_most_so_many() -> None:
    async def run() -> None:
        sub = Subscription("k1", lambda e: True, kiosk=True)
        waiting = asyncio.ensure_future(sub.take(64))
        finished, _ = await asyncio.wait({waiting}, timeout=0)  # its turn of the loop
        assert not finished  # nothing queued: it waits
        for n in range(70):
            assert sub.put(StreamEnded(str(n)))
        assert [_n(e) for e in await waiting] == list(range(64))
        assert [_n(e) for e in await sub.take(64)] == list(range(64, 70))
        assert all(sub.put(StreamEnded(str(n))) for n in range(1000))
        assert not sub.put(StreamEnded("one too many"))  # the broker then cuts the stream off
        assert len(sub.pending) == 1000

    asyncio.run(run())


def _n(event: Queued) -> int:
    assert isinstance(event, StreamEnded)
    return int(event.reason)
