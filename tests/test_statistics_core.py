"""The shared statistics helpers: buckets, period keys and small counts."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from kiosk.core.statistics import (
    ACCEPT_BUCKETS,
    FEWER_THAN_SMALL,
    KINDS,
    OUTCOMES,
    SMALL_COUNT,
    TIME_BUCKETS,
    WEEKLY_KINDS,
    day_key,
    minutes_bucket,
    shown_count,
    week_key,
)


def _at(year: int, month: int, day: int, hour: int, minute: int = 0) -> float:
    return datetime(year, month, day, hour, minute, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("seconds", "bucket"),
    [
        (-3.0, "0-1"),
        (0.0, "0-1"),
        (59.9, "0-1"),
        (60.0, "1-2"),
        (119.9, "1-2"),
        (120.0, "2-5"),
        (299.0, "2-5"),
        (300.0, "5-10"),
        (600.0, "10-20"),
        (1199.0, "10-20"),
        (1200.0, "20-60"),
        (3599.0, "20-60"),
        (3600.0, "60+"),
        (86400.0 * 3, "60+"),
    ],
)
def test_minutes_bucket_takes_its_lower_bound(seconds: float, bucket: str) -> None:
    assert minutes_bucket(seconds) == bucket


def test_bucket_names_are_the_contract() -> None:
    assert TIME_BUCKETS == ("0-1", "1-2", "2-5", "5-10", "10-20", "20-60", "60+")
    assert ACCEPT_BUCKETS == TIME_BUCKETS
    assert OUTCOMES == ("resolved", "withdrawn", "expired", "not_found")
    assert set(KINDS) - WEEKLY_KINDS == {"requests"}


def test_day_key_is_the_local_calendar_day() -> None:
    paris = ZoneInfo("Europe/Paris")
    late = _at(2026, 12, 7, 23, 30)  # 00:30 on the 8th in Paris
    assert day_key(late, UTC) == "2026-12-07"
    assert day_key(late, paris) == "2026-12-08"


def test_day_key_across_a_daylight_saving_change() -> None:
    paris = ZoneInfo("Europe/Paris")
    # 2026-03-29 02:00 local time jumps to 03:00; 22:30 UTC is 00:30 next day.
    assert day_key(_at(2026, 3, 29, 21, 59), paris) == "2026-03-29"
    assert day_key(_at(2026, 3, 29, 22, 0), paris) == "2026-03-30"


def test_week_key_uses_the_iso_year() -> None:
    assert week_key(_at(2026, 12, 7, 12), UTC) == "2026-W50"
    # 2027-01-01 is a Friday: ISO week 53 of 2026.
    assert week_key(_at(2027, 1, 1, 12), UTC) == "2026-W53"
    # 2025-12-29 is a Monday: ISO week 1 of 2026.
    assert week_key(_at(2025, 12, 29, 12), UTC) == "2026-W01"


def test_week_key_in_a_time_zone() -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    sunday_night_utc = _at(2026, 12, 6, 20)  # Monday 05:00 in Tokyo
    assert week_key(sunday_night_utc, UTC) == "2026-W49"
    assert week_key(sunday_night_utc, tokyo) == "2026-W50"


def test_small_counts_are_never_shown() -> None:
    assert SMALL_COUNT == 5
    assert shown_count(0) == 0
    for small in range(1, SMALL_COUNT):
        assert shown_count(small) == FEWER_THAN_SMALL == "fewer than 5"
    assert shown_count(5) == 5
    assert shown_count(1234) == 1234
