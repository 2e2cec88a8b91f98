"""The statistics page's body: per table, its charts, the table itself (the
same figures), and a link to its CSV file."""

from __future__ import annotations

from datetime import date
from html import escape

from kiosk.core.statistics import FEWER_THAN_SMALL
from kiosk.operator.dashboard.charts import bar_chart
from kiosk.operator.dashboard.statistics_view import StatisticsView, StatTable

__all__ = ["statistics_body"]

_HISTOGRAMS = ("accept_time", "resolve_time")
_HISTOGRAM_WEEKS = 4  # charts for the last four weeks; the table has all eight

_RULE = f'counts from 1 to 4 are shown as "{FEWER_THAN_SMALL}"'


_DAY_FORMATS = {"chart": "%a\n%d %b", "column": "%a %d %b", "full": "%a %d %b %Y"}


def _period(table: StatTable, period: str, form: str = "full") -> str:
    """A day or week as a chart label, a column head or in full (a caption)."""
    if table.kind != "requests":
        return period.split("-")[-1] if form == "chart" else period
    try:
        return date.fromisoformat(period).strftime(_DAY_FORMATS[form])
    except ValueError:
        return period


def _span(table: StatTable) -> str:
    first, last = table.periods[0], table.periods[-1]
    return f"{_period(table, first)} to {_period(table, last)}"


def _charts(table: StatTable) -> str:
    charts: list[tuple[str, str]] = []  # (visible caption, svg)
    hatch_note = f'bars for "{FEWER_THAN_SMALL}" are hatched and drawn up to 5'
    if table.kind in _HISTOGRAMS:
        weeks = range(len(table.periods) - _HISTOGRAM_WEEKS, len(table.periods))
        for n in weeks:
            week = table.periods[n]
            title = f"{table.title}: week {week}"
            desc = f"One bar per time band, in minutes; {hatch_note}."
            labels = [label.replace(" min", "\nmin") for label, _ in table.rows]
            values = [cells[n] for _, cells in table.rows]
            chart = bar_chart(f"c-{table.kind}-{n}", title, desc, labels, values)
            charts.append((f"Week {week}", chart))
    else:
        labels = [_period(table, p, "chart") for p in table.periods]
        for n, (label, cells) in enumerate(table.rows):
            title = f"{label}: {table.title.lower()}"
            desc = f"One bar per {table.period_header.lower()}, {_span(table)}; {hatch_note}."
            charts.append(
                (label, bar_chart(f"c-{table.kind}-{n}", title, desc, labels, list(cells)))
            )
    figures = "".join(
        f'<figure class="chart-box"><figcaption>{escape(caption)}</figcaption>{chart}</figure>'
        for caption, chart in charts
    )
    return f'<div class="charts">{figures}</div>'


def _table(table: StatTable) -> str:
    columns = (_period(table, p, "column") for p in table.periods)
    head = "".join(f'<th scope="col">{escape(c)}</th>' for c in columns)
    body = "".join(
        f'<tr><th scope="row">{escape(label)}</th>'
        + "".join(
            f'<td class="{"small" if isinstance(c, str) else "n"}">{escape(str(c))}</td>'
            for c in cells
        )
        + "</tr>"
        for label, cells in table.rows
    )
    return (
        f'<div class="scroll" role="region" tabindex="0" aria-label="{escape(table.title)}, table">'
        f"<table><caption>{escape(table.title)}, {escape(_span(table))} ({_RULE})</caption>"
        f'<thead><tr><th scope="col">{escape(table.row_header)}</th>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def _section(table: StatTable) -> str:
    return (
        f'<section id="stat-{table.kind}" aria-labelledby="h-{table.kind}">'
        f'<h2 id="h-{table.kind}">{escape(table.title)}</h2>'
        f"{_charts(table)}{_table(table)}"
        f'<p><a href="/statistics/{table.kind}.csv" download>Download as CSV</a>'
        " (every period the hub still keeps, same rule for small counts)</p></section>"
    )


def statistics_body(view: StatisticsView) -> str:
    if not view.enabled:
        return (
            '<p class="notice">Statistics are switched off in the site file: the hub '
            "counts nothing about requests, so there is nothing to show here.</p>"
        )
    contents = "".join(
        f'<li><a href="#stat-{t.kind}">{escape(t.title)}</a></li>' for t in view.tables
    )
    intro = (
        "<p>The hub counts a request only when it closes, under a station and a day or "
        "under a category, outcome or time band and a week: no request id, no exact "
        f"time, no kiosk. To identify nobody, {_RULE}. The hub keeps the counters for "
        f"{view.keep_days} days.</p>"
    )
    return (
        intro
        + f'<nav aria-label="Tables"><ul class="contents">{contents}</ul></nav>'
        + "".join(_section(t) for t in view.tables)
    )
