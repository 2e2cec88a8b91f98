"""Time as a value passed in: the hub's timers ask a clock, so tests can set it."""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["Clock", "system_clock"]

# Seconds since the epoch, as time.time(): when tickets were made, when steps come.
Clock = Callable[[], float]


def system_clock() -> float:
    return time.time()
