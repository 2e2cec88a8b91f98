"""Token buckets per device: a flood from one faulty or abused device is slowed
down without touching any other device's first request.

Pure and clock-injected, so the rules are tested without sleeping.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Bucket", "RateLimiter"]


@dataclass(frozen=True, slots=True)
class Bucket:
    capacity: float  # how many calls may come at once
    per_second: float  # how fast the allowance refills


class RateLimiter:
    """One bucket per key; keys that have refilled are forgotten, so memory stays
    proportional to the devices that are calling right now."""

    def __init__(self, bucket: Bucket, *, max_keys: int = 100_000) -> None:
        self.bucket = bucket
        self._level: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)
        self._max_keys = max_keys

    def take(self, key: str, now: float) -> float:
        """0.0 if `key` may go ahead (and spends a token); else seconds until it may."""
        tokens, at = self._level.get(key, (self.bucket.capacity, now))
        tokens = min(self.bucket.capacity, tokens + (now - at) * self.bucket.per_second)
        if tokens < 1.0:
            self._level[key] = (tokens, now)
            return (1.0 - tokens) / self.bucket.per_second
        self._level[key] = (tokens - 1.0, now)
        if len(self._level) > self._max_keys:
            self._forget_full(now)
        return 0.0

    def give_back(self, key: str) -> None:
        """Return the token of a call that turned out to be free (a retry)."""
        tokens, at = self._level.get(key, (self.bucket.capacity, 0.0))
        self._level[key] = (min(self.bucket.capacity, tokens + 1.0), at)

    def __len__(self) -> int:
        return len(self._level)

    def _forget_full(self, now: float) -> None:
        full = self.bucket.capacity
        self._level = {
            k: (t, at)
            for k, (t, at) in self._level.items()
            if t + (now - at) * self.bucket.per_second < full
        }
        if len(self._level) > self._max_keys // 2:
            # Still too many keys draining at once (a caller with endless names,
            # such as addresses): the oldest half is forgotten, so memory stays
            # bounded; whoever is forgotten starts with a full bucket again.
            self._level = dict(list(self._level.items())[-(self._max_keys // 2) :])
