"""`[statistics]` in the site file: whether the hub keeps its counters of closed
requests, how long, and in which time zone days and weeks begin.

    [statistics]
    enabled = true            # false: the hub counts nothing and deletes its counters
    keep_days = 400           # 30 to 3660: older days and weeks are deleted
    timezone = "Europe/Paris" # an IANA name; "UTC" if left out

What is counted, and why it identifies nobody: docs/privacy.md.
"""

from __future__ import annotations

from typing import Any

from kiosk.core.site_parts import DEFAULT_KEEP_DAYS, KEEP_DAYS_RANGE, SiteStatistics
from kiosk.operator import site_file_checks as checks
from kiosk.operator.site_file_checks import Reader

__all__ = ["read_statistics", "statistics_lines"]

_KEYS = ("enabled", "keep_days", "timezone")


def read_statistics(r: Reader, doc: dict[str, Any]) -> SiteStatistics:
    """The [statistics] table, each key checked; a missing one keeps its default."""
    path = ("statistics",)
    table = r.table(doc, doc.get("statistics", {}), path, _KEYS)
    default = SiteStatistics()
    enabled = r.get(doc, table, path, "enabled", checks.flag, default.enabled)
    lo, hi = KEEP_DAYS_RANGE
    keep_days = r.get(
        doc, table, path, "keep_days", checks.whole(lo, hi, "days"), DEFAULT_KEEP_DAYS
    )
    zone = r.get(doc, table, path, "timezone", checks.time_zone, default.timezone)
    return SiteStatistics(
        enabled=default.enabled if enabled is None else enabled,
        keep_days=DEFAULT_KEEP_DAYS if keep_days is None else keep_days,
        timezone=zone or default.timezone,
    )


def statistics_lines(statistics: SiteStatistics) -> list[str]:
    """The canonical [statistics] table, with its comment."""
    return [
        "",
        "# Statistics that identify nobody (docs/privacy.md): the hub counts closed",
        "# requests per station and day, and per category, outcome and time bucket",
        "# and week, in this time zone. enabled = false keeps none; counters older",
        "# than keep_days (30 to 3660) are deleted.",
        "[statistics]",
        f"enabled = {'true' if statistics.enabled else 'false'}",
        f"keep_days = {statistics.keep_days}",
        f'timezone = "{statistics.timezone}"',
    ]
