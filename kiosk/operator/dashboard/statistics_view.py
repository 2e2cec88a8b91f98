"""The statistics page's tables, from the hub's exact counters.

Every count goes through kiosk.core.statistics.shown_count here, before any
table, chart or CSV file sees it: 1 to 4 become "fewer than 5", so no later
step can let a small number slip out (a bar's height included).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, tzinfo
from typing import Any

from kiosk.core.categories import Category
from kiosk.core.site import Site
from kiosk.core.statistics import OUTCOMES, TIME_BUCKETS, day_key, shown_count, week_key
from kiosk.i18n.texts import CATEGORY_TEXTS

__all__ = [
    "DAYS",
    "KIND_TITLES",
    "WEEKS",
    "Shown",
    "StatTable",
    "StatisticsView",
    "assemble_statistics",
    "exact_counts",
    "key_label",
]

DAYS = 14  # requests per station: the last two weeks, day by day
WEEKS = 8  # everything else: the last eight ISO weeks

Shown = str | int  # a count as it may be shown: a number, 0, or "fewer than 5"

# kind: (title, what a row is, what a period is)
KIND_TITLES: dict[str, tuple[str, str, str]] = {
    "requests": ("Requests per station per day", "Station", "Day"),
    "category": ("Requests per category per week", "Category", "Week"),
    "outcome": ("How requests ended, per week", "Outcome", "Week"),
    "accept_time": ("Time until a request was accepted, per week", "Minutes", "Week"),
    "resolve_time": ("Time until a request was closed, per week", "Minutes", "Week"),
    "escalation": ("Deepest escalation step alerted, per week", "Step", "Week"),
    "fallback": ("Requests whose kiosk showed the fallback, per week", "Fallback", "Week"),
}

_OUTCOME_LABELS = {
    "resolved": "Resolved by staff",
    "withdrawn": "Withdrawn by the traveller",
    "expired": "Expired at the time limit",
    "not_found": "Closed: traveller not found",
}


@dataclass(frozen=True)
class StatTable:
    kind: str
    title: str
    row_header: str
    period_header: str
    periods: tuple[str, ...]
    rows: tuple[tuple[str, tuple[Shown, ...]], ...]  # (label, one shown count per period)


@dataclass(frozen=True)
class StatisticsView:
    enabled: bool
    keep_days: int
    tables: tuple[StatTable, ...]


def key_label(kind: str, key: str) -> str:
    """What a counter's key is called on the page and in CSV files (English)."""
    if kind == "category":
        try:
            return f"{CATEGORY_TEXTS[Category(key)]} ({key})"
        except ValueError:
            return key
    if kind == "outcome":
        return _OUTCOME_LABELS.get(key, key)
    if kind in ("accept_time", "resolve_time"):
        return f"{key} min"
    if kind == "escalation":
        return "step 1 only" if key == "1" else f"up to step {key}"
    if kind == "fallback":
        return "fallback shown" if key == "shown" else key
    return key


def exact_counts(report: dict[str, Any]) -> dict[str, dict[tuple[str, str], int]]:
    """The hub's counters by kind and (period, key), summed where it sent one twice.
    Exact: nothing may show these without shown_count."""
    counts: dict[str, dict[tuple[str, str], int]] = {kind: {} for kind in KIND_TITLES}
    for c in report.get("counters", []):
        kind = str(c["kind"])
        if kind in counts:
            cell = (str(c["period"]), str(c["key"]))
            counts[kind][cell] = counts[kind].get(cell, 0) + int(c["count"])
    return counts


def _periods(kind: str, now: float, tz: tzinfo) -> tuple[str, ...]:
    if kind == "requests":
        return tuple(day_key(now - 86400 * back, tz) for back in range(DAYS - 1, -1, -1))
    weeks: list[str] = []
    back = 0
    while len(weeks) < WEEKS:  # step by days: ISO weeks have no arithmetic of their own
        week = week_key(now - 86400 * back, tz)
        if week not in weeks:
            weeks.append(week)
        back += 1
    return tuple(reversed(weeks))


def _keys(kind: str, site: Site, seen: Iterable[str]) -> list[str]:
    """Every row the table always has (a zero is information), then any the hub adds."""
    fixed: list[str]
    if kind == "requests":
        fixed = sorted({x.station for x in site.locations})
    elif kind == "category":
        fixed = [c.value for c in Category]
    elif kind == "outcome":
        fixed = list(OUTCOMES)
    elif kind in ("accept_time", "resolve_time"):
        fixed = list(TIME_BUCKETS)
    elif kind == "escalation":
        deepest = max((len(r.steps) for r in site.routes), default=1)
        fixed = [str(n) for n in range(1, deepest + 1)]
    else:
        fixed = ["shown"]
    extra = sorted(set(seen) - set(fixed))
    return fixed + extra


def assemble_statistics(
    site: Site, report: dict[str, Any], now: float, tz: tzinfo = UTC
) -> StatisticsView:
    """`report`: the hub's GET /v1/admin/statistics answer (exact counts)."""
    counts = exact_counts(report)
    tables = []
    for kind, (title, row_header, period_header) in KIND_TITLES.items():
        periods = _periods(kind, now, tz)
        cells = counts[kind]
        rows = tuple(
            (
                key_label(kind, key),
                tuple(shown_count(cells.get((p, key), 0)) for p in periods),
            )
            for key in _keys(kind, site, (k for _, k in cells))
        )
        tables.append(StatTable(kind, title, row_header, period_header, periods, rows))
    return StatisticsView(
        bool(report.get("enabled")), int(report.get("keep_days", 0)), tuple(tables)
    )
