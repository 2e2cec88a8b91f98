"""CSV files of the statistics, one per table, with the same small-count rule:
every kept counter of one kind (all periods the hub still keeps, not only those
on the page), each count as shown_count gives it."""

from __future__ import annotations

import csv
import io
from typing import Any

from kiosk.core.statistics import shown_count
from kiosk.operator.dashboard.statistics_view import KIND_TITLES, exact_counts, key_label

__all__ = ["csv_filename", "statistics_csv"]

# A cell a spreadsheet would run as a formula (CSV injection): a station name is
# the operator's own text, but a file handed on should not compute anything.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str | int) -> str | int:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_filename(kind: str) -> str:
    return f"kiosk-statistics-{kind.replace('_', '-')}.csv"


def statistics_csv(report: dict[str, Any], kind: str) -> str:
    """`kind` must be one of KIND_TITLES (the server answers 404 otherwise)."""
    _, row_header, period_header = KIND_TITLES[kind]
    cells = exact_counts(report)[kind]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([period_header.lower(), row_header.lower(), "count"])
    rows = sorted((period, key_label(kind, key), count) for (period, key), count in cells.items())
    for period, label, count in rows:
        writer.writerow([_cell(period), _cell(label), _cell(shown_count(count))])
    return out.getvalue()
