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

__all__ = ["Broker", "Subscription"]

_QUEUE_LIMIT = 1000


@dataclass(eq=False)
class Subscription:
    device_id: str
    wants: Callable[[dict[str, Any]], bool]
    queue: asyncio.Queue[dict[str, Any]] = field(
        default_factory=lambda: asyncio.Queue(_QUEUE_LIMIT)
    )
    overflowed: bool = False


class Broker:
    def __init__(self) -> None:
        self._subs: set[Subscription] = set()

    def subscribe(self, device_id: str, wants: Callable[[dict[str, Any]], bool]) -> Subscription:
        sub = Subscription(device_id, wants)
        self._subs.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self._subs.discard(sub)

    def publish(self, event: dict[str, Any]) -> None:
        for sub in list(self._subs):
            if not sub.wants(event):
                continue
            try:
                sub.queue.put_nowait(event)
            except asyncio.QueueFull:
                # A device that stopped reading is cut off; it resyncs from a
                # snapshot on reconnect rather than from a gap in the stream.
                sub.overflowed = True

    def revoke(self, device_ids: set[str]) -> None:
        """End the streams of devices that were revoked."""
        for sub in list(self._subs):
            if sub.device_id in device_ids:
                _end(sub, "revoked")

    def end_all(self) -> None:
        """Wake every stream so it sees the hub is closing and ends."""
        for sub in list(self._subs):
            _end(sub, "closing")


def _end(sub: Subscription, reason: str) -> None:
    sub.overflowed = True  # the stream loop stops at its next wake-up...
    with contextlib.suppress(asyncio.QueueFull):
        sub.queue.put_nowait({"type": reason})  # ...which this causes at once
