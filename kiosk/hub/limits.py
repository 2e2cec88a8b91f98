"""Per-device allowances: a device over one is told to slow down (429)."""

from __future__ import annotations

import time
from typing import NoReturn

from kiosk.core.rate_limit import RateLimiter
from kiosk.hub.api_errors import ApiError
from kiosk.hub.logs import log_event

__all__ = ["limit", "slow_down"]


def limit(limiter: RateLimiter, device_id: str) -> None:
    wait = limiter.take(device_id, time.monotonic())
    if wait > 0:
        slow_down(device_id, wait)


def slow_down(device_id: str, wait: float) -> NoReturn:
    log_event("device.slowed", device=device_id)
    raise ApiError(
        429,
        "slow_down",
        f"too many requests from this device; retry in {wait:.0f} s",
        retry_after=wait,
    )
