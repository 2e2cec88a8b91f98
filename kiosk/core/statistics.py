"""The counters the hub keeps about closed requests, and how they are shown.

Every counter is a number under a coarse key (a station and a day, or a
category, outcome or time bucket and an ISO week): no request id, no exact
time, no kiosk. The hub keeps the exact numbers; whoever shows them replaces
1 to 4 by "fewer than 5" (`shown_count`), so a rare event cannot be pinned on
one traveller.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Final

__all__ = [
    "ACCEPT_BUCKETS",
    "DAILY_KINDS",
    "FEWER_THAN_SMALL",
    "KINDS",
    "OUTCOMES",
    "SMALL_COUNT",
    "TIME_BUCKETS",
    "WEEKLY_KINDS",
    "day_key",
    "minutes_bucket",
    "shown_count",
    "week_key",
]

# What is counted. `requests` is per station per day; all others per ISO week.
KINDS: Final = (
    "requests",
    "category",
    "outcome",
    "accept_time",
    "resolve_time",
    "escalation",
    "fallback",
)
DAILY_KINDS: Final = frozenset({"requests"})
WEEKLY_KINDS: Final = frozenset(KINDS) - DAILY_KINDS

# How a request closed: "withdrawn" is the traveller's cancel.
OUTCOMES: Final = ("resolved", "withdrawn", "expired", "not_found")

# Minutes from creation; each bucket holds its lower bound ("1-2": 1 <= m < 2).
TIME_BUCKETS: Final = ("0-1", "1-2", "2-5", "5-10", "10-20", "20-60", "60+")
ACCEPT_BUCKETS: Final = TIME_BUCKETS
_UPPER_MINUTES: Final = (1, 2, 5, 10, 20, 60)

# Counts from 1 to SMALL_COUNT - 1 are never shown as such.
SMALL_COUNT: Final = 5
FEWER_THAN_SMALL: Final = f"fewer than {SMALL_COUNT}"


def minutes_bucket(seconds: float) -> str:
    """The bucket of a duration in seconds (negative durations count as 0)."""
    minutes = max(seconds, 0.0) / 60.0
    for name, upper in zip(TIME_BUCKETS, _UPPER_MINUTES, strict=False):
        if minutes < upper:
            return name
    return TIME_BUCKETS[-1]


def _local(at: float, tz: tzinfo) -> datetime:
    return datetime.fromtimestamp(at, UTC).astimezone(tz)


def day_key(at: float, tz: tzinfo) -> str:
    """The calendar day of `at` (epoch seconds) in `tz`: "2026-12-07"."""
    return _local(at, tz).strftime("%Y-%m-%d")


def week_key(at: float, tz: tzinfo) -> str:
    """The ISO week of `at` in `tz`: "2026-W49" (the ISO year, so the last
    days of December can belong to week 1 of the next year)."""
    year, week, _ = _local(at, tz).isocalendar()
    return f"{year:04d}-W{week:02d}"


def shown_count(count: int) -> str | int:
    """What may be shown for an exact count: "fewer than 5" for 1 to 4, the
    number otherwise (0 stays 0: there is nobody to hide)."""
    if 0 < count < SMALL_COUNT:
        return FEWER_THAN_SMALL
    return count
