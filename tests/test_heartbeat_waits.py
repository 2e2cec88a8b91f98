"""When a device beats: once at start, then at a random phase, then every interval,
so devices that start together do not beat together for good."""

from __future__ import annotations

import itertools
import random

from kiosk.client.heartbeat import HEARTBEAT_SECONDS, beat_waits


def test_first_wait_is_a_random_part_of_the_interval_then_the_interval() -> None:
    waits = list(itertools.islice(beat_waits(10.0, random.Random(7)), 6))  # noqa: S311
    assert 0.0 <= waits[0] <= 10.0
    assert waits[1:] == [10.0] * 5  # never longer: offline detection counts on it


def test_a_thousand_devices_started_together_beat_evenly_spread() -> None:
    chance = random.Random(1)  # noqa: S311  (seeded: the same spread every run)
    phases = [next(beat_waits(HEARTBEAT_SECONDS, chance)) for _ in range(1000)]
    tenth = HEARTBEAT_SECONDS / 10
    per_tenth = [0] * 10
    for phase in phases:
        per_tenth[min(int(phase / tenth), 9)] += 1
    # About a hundred in each tenth of the interval, not a thousand in one.
    assert max(per_tenth) < 2 * 100
    assert min(per_tenth) > 0.5 * 100
