"""In-process fan-out of ticket events to connected devices (server-sent events).

Why SSE: pushes go one way (hub → device) while actions are ordinary signed
POSTs, so a plain HTTPS stream is enough. It passes proxies and load
balancers unchanged, needs no extra protocol in `requests`, and a reconnect
is just a new GET that starts with a snapshot of the open tickets.

Published events are dicts: `type` ("ticket" or "duty") and, for tickets,
the public `ticket` view, its `kiosk_id` and perhaps `sealed` copies. Keys
that narrow who receives one (read by each stream's filter in app.py):
`escalate_group` (one more group), `to_device` (only it, e.g. a reminder),
`not_device` (all but it), `staff_only` / `kiosk_only`; and `alert` with an
optional `alert_group`, which asks consoles to alert again (reminder,
reescalated, handed_over).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["KEEPALIVE", "Broker", "Subscription"]

_QUEUE_LIMIT = 1000
# Queued for a stream that has been quiet: it writes an SSE comment.
KEEPALIVE: dict[str, Any] = {"type": "keepalive"}


@dataclass(eq=False)
class Subscription:
    device_id: str
    wants: Callable[[dict[str, Any]], bool]
    queue: asyncio.Queue[dict[str, Any]] = field(
        default_factory=lambda: asyncio.Queue(_QUEUE_LIMIT)
    )
    overflowed: bool = False
    # A kiosk's stream wants only events naming it (`kiosk_id`) or meant for
    # every kiosk (`all_kiosks`); the broker looks those up instead of asking
    # a thousand kiosks' filters about every event.
    kiosk: bool = False
    # When its stream last wrote anything (time.monotonic), set by the stream.
    sent_at: float = 0.0


class Broker:
    def __init__(self) -> None:
        self._staff: set[Subscription] = set()
        self._kiosks: dict[str, set[Subscription]] = {}

    @property
    def _subs(self) -> list[Subscription]:
        return [*self._staff, *(s for same in self._kiosks.values() for s in same)]

    def subscribe(
        self, device_id: str, wants: Callable[[dict[str, Any]], bool], *, kiosk: bool = False
    ) -> Subscription:
        sub = Subscription(device_id, wants, kiosk=kiosk)
        if kiosk:
            self._kiosks.setdefault(device_id, set()).add(sub)
        else:
            self._staff.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        if not sub.kiosk:
            self._staff.discard(sub)
            return
        same = self._kiosks.get(sub.device_id)
        if same is not None:
            same.discard(sub)
            if not same:
                del self._kiosks[sub.device_id]

    def _candidates(self, event: dict[str, Any]) -> list[Subscription]:
        if event.get("all_kiosks"):
            return self._subs
        return [*self._staff, *self._kiosks.get(str(event.get("kiosk_id")), ())]

    def publish(self, event: dict[str, Any]) -> None:
        for sub in self._candidates(event):
            if not sub.wants(event):
                continue
            try:
                sub.queue.put_nowait(event)
            except asyncio.QueueFull:
                # A device that stopped reading is cut off; it resyncs from a
                # snapshot on reconnect rather than from a gap in the stream.
                sub.overflowed = True

    def keepalive(self, now: float, idle: float) -> None:
        """Ask every stream that has written nothing for `idle` seconds to send a
        keep-alive. One timer for the hub instead of a timeout on each stream's
        every wait: that made a task and a timer per event and per stream, and
        their garbage (kiosk bench, 1,000 kiosks; docs/benchmarks.md)."""
        for sub in self._subs:
            if now - sub.sent_at >= idle and sub.queue.empty():
                sub.queue.put_nowait(KEEPALIVE)

    def revoke(self, device_ids: set[str]) -> None:
        """End the streams of devices that were revoked."""
        for sub in self._subs:
            if sub.device_id in device_ids:
                _end(sub, "revoked")

    def end_all(self) -> None:
        """Wake every stream so it sees the hub is closing and ends."""
        for sub in self._subs:
            _end(sub, "closing")


def _end(sub: Subscription, reason: str) -> None:
    sub.overflowed = True  # the stream loop stops at its next wake-up...
    with contextlib.suppress(asyncio.QueueFull):
        sub.queue.put_nowait({"type": reason})  # ...which this causes at once
