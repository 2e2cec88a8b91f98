"""One way for tests to wait on real processes: poll a condition, never a fixed time."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

POLL_SECONDS = 0.05


def wait_until(
    probe: Callable[[], T | None], what: str, timeout: float = 30.0, every: float = POLL_SECONDS
) -> T:
    """`probe()`'s first truthy answer; fails naming `what` after `timeout` seconds.

    `every`: how often to ask, for a probe that costs something (a call to a hub
    that counts its calls, a subprocess); the answer still comes as soon as it holds.
    """
    deadline = time.monotonic() + timeout
    while True:
        answer = probe()
        if answer:
            return answer
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(every)  # the one poll interval (a probe is a condition, not a delay)
