"""The bench's travellers use free kiosks only, within the hub's allowance."""

from __future__ import annotations

from kiosk.bench.free_kiosks import FreeKiosks
from kiosk.core.rate_limit import Bucket


def test_a_kiosk_in_use_is_skipped_until_released() -> None:
    free = FreeKiosks(["a", "b"], Bucket(capacity=5, per_second=0.1))
    assert free.take(0, 0.0) == 0
    assert free.take(0, 0.0) == 1  # "a" has a traveller waiting
    assert free.take(0, 0.0) is None
    free.release("a")
    assert free.take(1, 0.0) == 0  # from the cursor on, wrapping round


def test_a_kiosk_at_its_allowance_waits_for_it_to_refill() -> None:
    free = FreeKiosks(["a"], Bucket(capacity=2, per_second=0.1))
    for _ in range(2):
        assert free.take(0, 0.0) == 0
        free.release("a")
    assert free.take(0, 0.0) is None  # free, but the hub would answer 429
    assert free.take(0, 9.0) is None
    assert free.take(0, 10.0) == 0  # one new ticket per 10 s
