"""Bar charts drawn on the server as inline SVG: no script, no font download,
no third-party origin.

One series per chart (small multiples instead of colour-coded series), every
bar labelled with its figure, so nothing depends on telling colours apart. A
count shown as "fewer than 5" is a hatched bar drawn up to 5 with that label:
its height says no more than the words do. Colours come from the style sheet
(classes), so high-contrast and forced-colours modes can replace them.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from kiosk.core.statistics import SMALL_COUNT

__all__ = ["bar_chart"]

_SLOT = 44  # px per bar, label included
_PLOT = 110  # px of the tallest bar
_TOP = 34  # room above the tallest bar for its label (two lines for "fewer than 5")
_BOTTOM = 34  # room below the baseline for two lines of bar labels
_SIDE = 8


def _scale_top(values: Sequence[str | int]) -> int:
    numbers = [v if isinstance(v, int) else SMALL_COUNT for v in values]
    return max([SMALL_COUNT, *numbers])


def _label(lines: str, x: float, y: float, css: str) -> str:
    """Text of one or two lines ("\\n" between) centred on x, first line at y."""
    spans = "".join(
        f'<tspan x="{x:.1f}" dy="{0 if i == 0 else 12}">{escape(part)}</tspan>'
        for i, part in enumerate(lines.split("\n"))
    )
    return f'<text class="{css}" x="{x:.1f}" y="{y:.1f}" text-anchor="middle">{spans}</text>'


def _bar(i: int, value: str | int, top: int, hatch: str) -> str:
    x = _SIDE + i * _SLOT + 6
    centre = x + (_SLOT - 12) / 2
    base = _TOP + _PLOT
    if isinstance(value, int):
        height = _PLOT * value / top
        bar = (
            f'<rect class="bar" x="{x}" y="{base - height:.1f}" width="{_SLOT - 12}"'
            f' height="{height:.1f}"/>'
            if value
            else ""
        )
        return bar + _label(str(value), centre, base - height - 5, "value")
    height = _PLOT * SMALL_COUNT / top
    bar = (
        f'<rect class="bar-small" x="{x}" y="{base - height:.1f}" width="{_SLOT - 12}"'
        f' height="{height:.1f}" fill="url(#{hatch})"/>'
    )
    return bar + _label("fewer\nthan 5", centre, base - height - 17, "value small")


def bar_chart(
    chart_id: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    values: Sequence[str | int],
) -> str:
    """An SVG bar chart; `values` are shown counts (kiosk.core.statistics.shown_count),
    `labels` one or two lines each. `chart_id` must be unique on the page."""
    top = _scale_top(values)
    width = 2 * _SIDE + _SLOT * len(values)
    height = _TOP + _PLOT + _BOTTOM
    hatch = f"{chart_id}-hatch"
    base = _TOP + _PLOT
    parts = [
        f'<svg class="chart" role="img" aria-labelledby="{chart_id}-t {chart_id}-d"'
        f' viewBox="0 0 {width} {height}" width="{width}" height="{height}"'
        ' xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(desc)}</desc>',
        f'<defs><pattern id="{hatch}" patternUnits="userSpaceOnUse" width="6" height="6"'
        ' patternTransform="rotate(45)"><rect class="hatch-ground" width="6" height="6"/>'
        '<line class="hatch-line" x1="1" y1="0" x2="1" y2="6"/></pattern></defs>',
    ]
    parts += [_bar(i, v, top, hatch) for i, v in enumerate(values)]
    parts.append(f'<line class="axis" x1="{_SIDE}" y1="{base}" x2="{width - _SIDE}" y2="{base}"/>')
    parts += [
        _label(text, _SIDE + i * _SLOT + _SLOT / 2, base + 14, "tick")
        for i, text in enumerate(labels)
    ]
    parts.append("</svg>")
    return "".join(parts)
