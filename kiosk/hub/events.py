"""In-process fan-out of ticket events to connected devices (server-sent events).

Why SSE: pushes go one way (hub → device) while actions are ordinary signed
POSTs, so a plain HTTPS stream is enough. It passes proxies and load
balancers unchanged, needs no extra protocol in `requests`, and a reconnect
is just a new GET that starts with a snapshot of the open tickets.

Published events are the types of kiosk/core/events.py; each carries its
Audience, which decides who receives it (each stream asks it, streams.py).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from kiosk.core.events import KEEPALIVE, HubEvent, Queued, StreamEnded
from kiosk.core.site import DeviceRecord, Site

__all__ = ["KEEPALIVE", "MAX_STREAMS_PER_DEVICE", "Broker", "StreamContext", "Subscription"]

_QUEUE_LIMIT = 1000
# A stream's keep-alive comes after a silence of this share of the longest
# allowed, drawn at random when it opens and at each keep-alive: streams that
# opened together (every device after a hub's restart) then drift apart. Given the
# same silence, ten thousand kiosks' streams wrote their keep-alives in one
# tick of the loop, which stalled every event behind them for seconds.
_QUIET_SHARES = (0.75, 1.0)
# Two, so that a device reconnecting while the hub has not yet noticed its old
# connection is gone is never turned away; a third closes the oldest (a refusal
# would lock out a device whose dead stream the hub still holds, for as long as
# TCP takes to give up). A stolen key gains no more than two streams either way.
MAX_STREAMS_PER_DEVICE = 2


@dataclass(eq=False, slots=True)
class StreamContext:
    """What a stream's filter judges by: its device's record and the site. A new
    manifest that keeps the record as it was replaces the site (routes, groups
    and places as they are now); one that changes the record ends the stream."""

    device: DeviceRecord
    site: Site


@dataclass(eq=False, slots=True)
class Subscription:
    """One open event stream: what the broker has queued for it, and a way to wait.

    A list and one future rather than an asyncio.Queue: a queue holds four deques
    and an Event, about 3.5 kB a stream before anything is queued, and a hub holds
    a stream per device (tracemalloc, 1,050 streams: 4 MB)."""

    device_id: str
    wants: Callable[[HubEvent], bool]
    overflowed: bool = False
    # A kiosk's stream wants only events whose audience names it or every
    # kiosk; the broker looks those up instead of asking
    # a thousand kiosks' filters about every event.
    kiosk: bool = False
    # When its stream last wrote anything (time.monotonic), set by the stream.
    sent_at: float = 0.0
    # Of the longest silence allowed, how much this stream keeps before its next
    # keep-alive (Broker.keepalive).
    quiet_share: float = 1.0
    pending: list[Queued] = field(default_factory=list)
    context: StreamContext | None = None
    _waiter: asyncio.Future[None] | None = field(default=None, init=False, repr=False)

    def put(self, event: Queued) -> bool:
        """Queue `event`; False when the stream has fallen `_QUEUE_LIMIT` behind."""
        if len(self.pending) >= _QUEUE_LIMIT:
            return False
        self.pending.append(event)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        return True

    async def take(self, most: int) -> list[Queued]:
        """The oldest `most` queued events, at least one: waits while there are none."""
        while not self.pending:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        if len(self.pending) <= most:
            taken, self.pending = self.pending, []
            return taken
        taken = self.pending[:most]
        del self.pending[:most]
        return taken


class Broker:
    def __init__(self, chance: random.Random | None = None) -> None:
        """`chance`: draws each stream's quiet share (tests pass a seeded one)."""
        self._chance = chance or random.Random()  # noqa: S311  (spreads load; not a secret)
        self._staff: set[Subscription] = set()
        self._kiosks: dict[str, set[Subscription]] = {}
        self._by_device: dict[str, list[Subscription]] = {}  # oldest first
        self._live: frozenset[str] | None = None  # live_consoles, until a stream comes or goes

    @property
    def _subs(self) -> list[Subscription]:
        return [*self._staff, *(s for same in self._kiosks.values() for s in same)]

    def subscribe(
        self,
        device_id: str,
        wants: Callable[[HubEvent], bool],
        *,
        kiosk: bool = False,
        context: StreamContext | None = None,
    ) -> Subscription:
        """A new stream for `device_id`; its oldest open one ends if it had
        MAX_STREAMS_PER_DEVICE already."""
        sub = Subscription(device_id, wants, kiosk=kiosk, context=context)
        sub.quiet_share = self._chance.uniform(*_QUIET_SHARES)
        self._live = None
        same = self._by_device.setdefault(device_id, [])
        while len(same) >= MAX_STREAMS_PER_DEVICE:
            _end(same.pop(0), "replaced")  # its stream unsubscribes when it wakes
        same.append(sub)
        if kiosk:
            self._kiosks.setdefault(device_id, set()).add(sub)
        else:
            self._staff.add(sub)
        return sub

    @property
    def live_consoles(self) -> frozenset[str]:
        """Staff devices with an event stream open here right now (kiosk/hub/reach.py):
        a console killed or closed drops out as soon as its connection ends."""
        live = self._live
        if live is None:
            live = self._live = frozenset(
                d for d, subs in self._by_device.items() if subs and not subs[0].kiosk
            )
        return live

    def streaming(self) -> list[str]:
        """Devices with an event stream open here: alive (kiosk/hub/presence.py)."""
        return list(self._by_device)

    def streams_of(self, device_id: str) -> int:
        """How many of this device's streams are open and not being ended."""
        return len(self._by_device.get(device_id, ()))

    def unsubscribe(self, sub: Subscription) -> None:
        self._live = None
        streams = self._by_device.get(sub.device_id)
        if streams is not None and sub in streams:
            streams.remove(sub)
            if not streams:
                del self._by_device[sub.device_id]
        if not sub.kiosk:
            self._staff.discard(sub)
            return
        same = self._kiosks.get(sub.device_id)
        if same is not None:
            same.discard(sub)
            if not same:
                del self._kiosks[sub.device_id]

    def _candidates(self, event: HubEvent) -> list[Subscription]:
        audience = event.audience
        if audience.all_kiosks:
            return self._subs
        if audience.kiosk_id is None:
            return list(self._staff)
        return [*self._staff, *self._kiosks.get(audience.kiosk_id, ())]

    def publish(self, event: HubEvent) -> None:
        for sub in self._candidates(event):
            if not sub.wants(event):
                continue
            if not sub.put(event):
                # A device that stopped reading is cut off; it resyncs from a
                # snapshot on reconnect rather than from a gap in the stream.
                sub.overflowed = True

    def keepalive(self, now: float, longest: float) -> None:
        """Ask every stream that has written nothing for its share of `longest`
        seconds to send a keep-alive; called often (Hub.keepalive_once), so
        that each stream's comes when due, not all together. One timer for the
        hub instead of a timeout on each stream's every wait: that made a task
        and a timer per event and per stream, and their garbage (kiosk bench,
        1,000 kiosks; docs/benchmarks.md)."""
        draw = self._chance.uniform
        for sub in self._subs:
            if now - sub.sent_at >= longest * sub.quiet_share and not sub.pending:
                sub.put(KEEPALIVE)
                # Drawn again for the next: with one share for good, the streams
                # of one tick stayed together, a few hundred a tick at 1,000.
                sub.quiet_share = draw(*_QUIET_SHARES)

    def revoke(self, device_ids: set[str]) -> None:
        """End the streams of devices that were revoked."""
        for sub in self._subs:
            if sub.device_id in device_ids:
                self._end(sub, "revoked")

    def follow_manifest(self, site: Site) -> None:
        """A new manifest: end every stream whose device it no longer lists, or
        lists with another record (new keys, another group, role or place); the
        others filter by the new site from their next event on."""
        for sub in self._subs:
            record = site.device(sub.device_id)
            context = sub.context
            if record is None or (context is not None and record != context.device):
                self._end(sub, "revoked" if record is None else "changed")
            elif context is not None:
                context.site = site

    def _end(self, sub: Subscription, reason: str) -> None:
        self._live = None
        same = self._by_device.get(sub.device_id)
        if same is not None and sub in same:
            same.remove(sub)  # no longer counted against the device's streams
            if not same:
                del self._by_device[sub.device_id]
        _end(sub, reason)

    def end_all(self) -> None:
        """Wake every stream so it sees the hub is closing and ends."""
        for sub in self._subs:
            self._end(sub, "closing")


def _end(sub: Subscription, reason: str) -> None:
    sub.overflowed = True  # the stream loop stops at its next wake-up...
    sub.put(StreamEnded(reason))  # ...which this causes at once (a full one is awake)
