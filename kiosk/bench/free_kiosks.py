"""Which simulated kiosk the bench's next traveller walks up to."""

from __future__ import annotations

import threading

from kiosk.core.rate_limit import Bucket, RateLimiter

__all__ = ["FreeKiosks"]


class FreeKiosks:
    """Kiosks with nobody waiting at them, within the hub's allowance of new tickets.

    The allowance matters with few kiosks and staff slow to close: the free kiosks
    would otherwise be asked for more tickets than travellers can send, and the run
    would measure the hub's 429 answers instead of its speed. Thread-safe: the
    sender picks while the shards' readers release.
    """

    def __init__(self, kiosk_ids: list[str], allowance: Bucket) -> None:
        self._ids = list(kiosk_ids)
        self._busy: set[str] = set()
        self._allowance = RateLimiter(allowance)
        self._lock = threading.Lock()

    def take(self, cursor: int, now: float) -> int | None:
        """The index of the first usable kiosk from `cursor` on, now busy and its
        allowance spent; None when there is none."""
        with self._lock:
            for n in range(len(self._ids)):
                index = (cursor + n) % len(self._ids)
                kiosk_id = self._ids[index]
                if kiosk_id not in self._busy and self._allowance.take(kiosk_id, now) == 0:
                    self._busy.add(kiosk_id)
                    return index
        return None

    def release(self, kiosk_id: str) -> None:
        """The traveller's request is over: the kiosk may take another."""
        with self._lock:
            self._busy.discard(kiosk_id)
