"""The operator dashboard's pages, charts and CSV files, rendered from inputs
shaped as the hub's admin API sends them (no hub, no browser: those are in
tests/test_dashboard_browser.py)."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET

from kiosk.core.categories import Category
from kiosk.core.statistics import FEWER_THAN_SMALL
from kiosk.i18n.texts import CATEGORY_TEXTS, URGENCY_TEXTS
from kiosk.operator.dashboard.charts import bar_chart
from kiosk.operator.dashboard.csv_export import statistics_csv
from kiosk.operator.dashboard.live import assemble_live
from kiosk.operator.dashboard.live_html import live_section, live_summary
from kiosk.operator.dashboard.statistics_html import statistics_body
from kiosk.operator.dashboard.statistics_view import assemble_statistics
from tests.dashboard_fakes import NOW, counter, device, group, site, ticket


def _live(**changes: object) -> dict[str, object]:
    live: dict[str, object] = {
        "now": NOW,
        "tickets": [
            ticket("central-p3", 133.4, step=2, steps=2, fallback=True),
            ticket("north-p1", 13.0, accepted=True, steps=1),
        ],
        "groups": [
            group("central-control", 1, 0, 0, False),
            group("central-staff", 2, 1, 1, True),
            group("north-staff", 1, 1, 0, True),  # reached by an alert relay
        ],
        "relays": [],
    }
    return {**live, **changes}


def _devices() -> list[dict[str, object]]:
    return [
        device("kiosk-p3", location="central-p3", seconds_since=4.0),
        device("kiosk-hall", location="central-hall", seconds_since=19.0),
        device(
            "kiosk-north",
            location="north-p1",
            state="offline",
            seconds_since=340.0,
            manifest_expired=True,
        ),
        device("staff-anna", group="central-staff"),
        device("ctl-1", group="central-control", state="never seen"),
    ]


def test_the_live_view_says_each_state_in_words() -> None:
    view = assemble_live(site(), _devices(), _live(), NOW)
    html = live_section(view)
    central, _north = view.stations
    assert [k.state for k in central.kiosks] == ["online", "silent"]  # 19 s: a beat missed
    assert central.kiosks[0].fallback  # its place has a request whose kiosk shows it
    assert "silent for 19 s" in html
    assert "offline, last seen 5 min 40 s ago" in html
    assert "manifest expired" in html
    assert "never seen" in html
    assert "step 2 of 2" in html
    assert "waiting for someone to accept" in html
    assert "2 min 13 s" in html
    assert "accepted" in html
    assert "✗ NOT reached" in html  # the control room: nobody on duty
    # A console's stream counts as much as its heartbeats: the column says when it was seen.
    assert '<th scope="col">Last seen</th>' in html
    assert live_summary(view) == (
        "2 open requests (1 waiting for someone to accept); 3 of 5 devices not online; "
        "1 group not reached."
    )


def test_the_live_view_shows_nothing_of_what_a_request_is_about() -> None:
    """A hub that sent more than the contract (an id, a category, an urgency)
    still gets none of it onto the page."""
    every_word = [c.value for c in Category] + list(CATEGORY_TEXTS.values())
    every_word += [*list(URGENCY_TEXTS.values()), "urgent"]
    leaky = ticket(
        "central-p3",
        50,
        id="t-7f3a9c",
        category="unsafe",
        urgency="urgent",
        kiosk_id="kiosk-p3-secret",
    )
    html = live_section(assemble_live(site(), _devices(), _live(tickets=[leaky]), NOW))
    assert "step 1 of 2" in html
    assert "t-7f3a9c" not in html
    assert "kiosk-p3-secret" not in html
    for word in every_word:
        assert not re.search(rf"\b{re.escape(word)}\b", html, re.IGNORECASE), word


def _report(*counters: dict[str, object], enabled: bool = True) -> dict[str, object]:
    return {"enabled": enabled, "keep_days": 400, "counters": list(counters)}


def test_small_counts_are_fewer_than_5_in_tables_charts_and_csv() -> None:
    report = _report(
        counter("requests", "2026-12-08", "Central Station", 3),
        counter("requests", "2026-12-08", "North Station", 1),
        counter("requests", "2026-12-07", "Central Station", 12),
        counter("category", "2026-W50", "unsafe", 4),
        counter("category", "2026-W50", "lost", 5),
        counter("outcome", "2026-W50", "resolved", 2),
        counter("outcome", "2026-W50", "resolved", 2),  # two hubs' rows: 4 in all
    )
    view = assemble_statistics(site(), report, NOW)
    tables = {t.kind: t for t in view.tables}
    requests = dict(tables["requests"].rows)
    assert requests["Central Station"][-2:] == (12, FEWER_THAN_SMALL)
    assert requests["North Station"][-1] == FEWER_THAN_SMALL
    categories = dict(tables["category"].rows)
    assert categories["I feel unsafe (unsafe)"][-1] == FEWER_THAN_SMALL
    assert categories["I am lost (lost)"][-1] == 5
    assert dict(tables["outcome"].rows)["Resolved by staff"][-1] == FEWER_THAN_SMALL
    # Whatever reaches the page is 0, 5 and more, or the words: never 1 to 4.
    for table in view.tables:
        for _, cells in table.rows:
            assert all(c == FEWER_THAN_SMALL or c == 0 or c >= 5 for c in cells)  # type: ignore[operator]
    html = statistics_body(view)
    assert f'<td class="small">{FEWER_THAN_SMALL}</td>' in html
    rows = list(csv.reader(io.StringIO(statistics_csv(report, "requests"))))
    assert rows == [
        ["day", "station", "count"],
        ["2026-12-07", "Central Station", "12"],
        ["2026-12-08", "Central Station", FEWER_THAN_SMALL],
        ["2026-12-08", "North Station", FEWER_THAN_SMALL],
    ]
    outcome = list(csv.reader(io.StringIO(statistics_csv(report, "outcome"))))
    assert outcome[1] == ["2026-W50", "Resolved by staff", FEWER_THAN_SMALL]


def test_a_bar_of_fewer_than_5_is_the_same_whatever_the_count() -> None:
    one, four = (bar_chart("c", "t", "d", ["x"], [v]) for v in (FEWER_THAN_SMALL,) * 2)
    assert one == four
    assert "fewer" in one
    assert "url(#c-hatch)" in one


def test_every_chart_is_well_formed_with_a_title_and_a_description() -> None:
    report = _report(counter("accept_time", "2026-W50", "1-2", 7))
    html = statistics_body(assemble_statistics(site(), report, NOW))
    svgs = re.findall(r"<svg .*?</svg>", html)
    assert len(svgs) >= 20
    for svg in svgs:
        root = ET.fromstring(svg)  # noqa: S314 - our own output
        ns = "{http://www.w3.org/2000/svg}"
        assert root.get("role") == "img"
        title, desc = root.find(f"{ns}title"), root.find(f"{ns}desc")
        assert title is not None
        assert title.text
        assert desc is not None
        assert desc.text
        assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert "style=" not in html  # the content security policy allows no inline style
    assert html.count("<table>") == 7
    assert html.count('scope="row"') > 20
    assert html.count(".csv") == 7


def test_statistics_switched_off_say_so() -> None:
    html = statistics_body(assemble_statistics(site(), _report(enabled=False), NOW))
    assert "switched off in the site file" in html
    assert "<table" not in html
    assert "<svg" not in html


def test_a_csv_cell_never_becomes_a_spreadsheet_formula() -> None:
    report = _report(counter("requests", "2026-12-08", '=HYPERLINK("x")', 9))
    text = statistics_csv(report, "requests")
    assert "'=HYPERLINK" in text


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    dark, light = sorted((_luminance(a), _luminance(b)))
    return (light + 0.05) / (dark + 0.05)


def test_every_text_colour_has_a_contrast_of_4_5_to_1_in_every_scheme() -> None:
    """WCAG 1.4.3, from the style sheet's own colour sets (light, dark, more contrast)."""
    from kiosk.operator.dashboard.server import _STATIC

    css = (_STATIC / "dashboard.css").read_text()
    schemes = re.findall(r":root \{(.*?)\}", css, re.DOTALL)
    assert len(schemes) == 3
    for scheme in schemes:
        colours = dict(re.findall(r"--([a-z-]+): (#[0-9a-f]{6});", scheme))
        for ground in ("ground", "head"):
            for text in ("text", "muted", "link", "ok", "warn", "bad"):
                assert _contrast(colours[text], colours[ground]) >= 4.5, (text, ground)
        assert _contrast(colours.get("band-text", "#ffffff"), colours["band"]) >= 4.5
