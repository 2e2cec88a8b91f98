"""The site file on its own: every mistake named with its file, line and key;
the canonical form; the key-line finder. No hub needed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.core.site import Site
from kiosk.operator import sample_site
from kiosk.operator.site_file import Problem, SiteFileInvalid, parse_site_text
from kiosk.operator.site_file_canonical import render_site_file
from kiosk.operator.toml_lines import key_lines
from tests.conftest import REPO

EXAMPLE = REPO / "packaging" / "examples" / "site.toml"

Mutation = tuple[str, str] | Callable[[str], str]


def _line(text: str, marker: str | tuple[str, int]) -> int:
    needle, occurrence = (marker, 0) if isinstance(marker, str) else marker
    at = -1
    for _ in range(occurrence + 1):
        at = text.index(needle, at + 1)
    return text.count("\n", 0, at) + 1


def _mutate(text: str, mutation: Mutation) -> str:
    if callable(mutation):
        return mutation(text)
    old, new = mutation
    assert old in text, old
    return text.replace(old, new, 1)


def _problems(text: str) -> list[str]:
    with pytest.raises(SiteFileInvalid) as invalid:
        parse_site_text(text, "bad.toml")
    return str(invalid.value).splitlines()


def test_the_example_is_valid_and_canonical() -> None:
    text = EXAMPLE.read_text()
    site = parse_site_text(text, str(EXAMPLE))
    assert render_site_file(site) == text
    assert [x.id for x in site.locations] == ["riverside-p3-north", "riverside-concourse-lifts"]
    assert len(site.groups) == 2
    urgent = site.route_for("riverside-p3-north", "medical_now", "urgent")
    assert urgent is not None
    assert urgent.id == "riverside-urgent-medical"
    assert urgent.steps[1].after_seconds < site.routes[1].steps[1].after_seconds
    normal = site.route_for("riverside-p3-north", "unwell", "normal")
    assert normal is not None
    assert normal.id == "riverside-all"


def test_the_sample_site_renders_to_a_file_that_reads_back_the_same() -> None:
    text = render_site_file(sample_site())
    again = parse_site_text(text)
    assert render_site_file(again) == text
    assert again.locations == sample_site().locations
    assert again.routes == sample_site().routes


def test_manifests_from_before_the_site_file_still_load_and_export() -> None:
    doc = sample_site().to_document()
    for key in ("stations", "areas", "limits"):
        del doc[key]
    for x in doc["locations"]:
        for key in ("station_id", "area", "orientation", "screen_inches", "screen_dpi"):
            del x[key]
    for r in doc["routes"]:
        del r["urgencies"]
    old = Site.from_document(doc)
    assert old.route_for("central-p3", "lost") is not None
    text = render_site_file(old)  # stations are derived from the station names
    assert parse_site_text(text).locations[0].label == "Platform 3, north stairs"


BAD_FILES: list[tuple[str, Mutation, str | tuple[str, int], str]] = [
    (
        "unknown key",
        ('orientation = "portrait"', 'orientation = "portrait"\ncolour = "blue"'),
        'colour = "blue"',
        "station[riverside].area[riverside-platforms].kiosk[riverside-p3-north].colour: "
        "unknown key 'colour'; allowed here: id, label, orientation, screen_inches, screen_dpi",
    ),
    (
        "unknown table",
        lambda t: t + "\n[extras]\nx = 1\n",
        "[extras]",
        "extras: unknown key 'extras'; "
        "allowed here: site, limits, retention, languages, statistics, station, group",
    ),
    (
        "duplicate kiosk id",
        ('id = "riverside-concourse-lifts"\n', 'id = "riverside-p3-north" # again\n'),
        "# again",
        "duplicate id 'riverside-p3-north': line 65 already has it; every kiosk needs its own id",
    ),
    (
        "duplicate group id",
        ('id = "riverside-control"\n', 'id = "riverside-platform"\n'),
        ('id = "riverside-platform"', 1),
        "every staff group needs its own id",
    ),
    (
        "route to a missing group",
        (
            'group = "riverside-control", after_seconds = 20',
            'group = "night-staff", after_seconds = 20',
        ),
        "night-staff",
        "route[riverside-urgent-medical].steps[#2].group: 'night-staff' is not a staff group "
        "of this file; allowed: riverside-platform, riverside-control",
    ),
    (
        "route to a missing kiosk",
        (
            'kiosks = ["riverside-p3-north", "riverside-concourse-lifts"]\ncategories = []',
            'kiosks = ["riverside-p3-south"]\ncategories = []',
        ),
        "riverside-p3-south",
        "route[riverside-all].kiosks[#1]: 'riverside-p3-south' is not a kiosk of this file",
    ),
    (
        "a language we do not ship",
        ('"uk", "ar"', '"uk", "tlh", "ar"'),
        '"tlh"',
        "station[riverside].languages[#7]: 'tlh' is not a language the kiosk ships; "
        "allowed: en, bg, cs",
    ),
    (
        "default language not offered",
        ('default_language = "en"', 'default_language = "ja"'),
        'default_language = "ja"',
        "'ja' is not among this station's languages; allowed: en, de, fr, es, pl, uk, ar, zh_Hans",
    ),
    (
        "limit out of range",
        ("more_time_seconds = 30", "more_time_seconds = 5"),
        "more_time_seconds = 5",
        "limits.more_time_seconds: 5 is out of range; allowed: 20 to 300 seconds",
    ),
    (
        "retention out of range",
        ("enrolment_code_hours = 24", "enrolment_code_hours = 1000"),
        "enrolment_code_hours = 1000",
        "1000 is out of range; allowed: 1 to 336 hours",
    ),
    (
        "number given as text",
        ("screen_dpi = 69", 'screen_dpi = "69"'),
        'screen_dpi = "69"',
        "screen_dpi: must be a whole number of dots per inch, not text",
    ),
    (
        "text given as a number",
        ('name = "Riverside control room"', "name = 7"),
        "name = 7",
        "group[riverside-control].name: must be text in quotes, not a whole number",
    ),
    (
        "list given as text",
        ('urgencies = ["urgent"]', 'urgencies = "urgent"'),
        'urgencies = "urgent"',
        "urgencies: must be a list in [ ], not text",
    ),
    (
        "unknown category",
        ('categories = ["medical_now", "unwell"]', 'categories = ["medical_now", "heart"]'),
        '"heart"',
        "'heart' is not a category; allowed: unwell, medical_now, assistance, lost",
    ),
    (
        "bad orientation",
        ('orientation = "landscape"', 'orientation = "sideways"'),
        'orientation = "sideways"',
        "'sideways' is not an orientation; allowed: portrait, landscape",
    ),
    (
        "steps out of order",
        (
            'riverside-platform", after_seconds = 0 },\n'
            '  { group = "riverside-control", after_seconds = 120 }',
            'riverside-platform", after_seconds = 0 },\n'
            '  { group = "riverside-control", after_seconds = 0 },\n'
            '  { group = "riverside-platform", after_seconds = 10 }',
        ),
        ("after_seconds = 10 }", 0),
        "'riverside-platform' is already an earlier step of this route",
    ),
    (
        "first step not at once",
        (
            'after_seconds = 0 },\n  { group = "riverside-control", after_seconds = 120',
            'after_seconds = 60 },\n  { group = "riverside-control", after_seconds = 120',
        ),
        "after_seconds = 60",
        "the first step must be 0: someone is alerted at once",
    ),
    (
        "step after expiry",
        lambda t: t.replace(
            "request_expiry_seconds = 7200", "request_expiry_seconds = 300"
        ).replace("after_seconds = 120", "after_seconds = 400"),
        "after_seconds = 400",
        "route[riverside-all].steps[#2].after_seconds: 400 is not before requests expire "
        "(request_expiry_seconds = 300)",
    ),
    (
        "bad id",
        ('id = "riverside-concourse"\n', 'id = "Main Concourse"\n'),
        'id = "Main Concourse"',
        "'Main Concourse' is not a valid id; allowed: 2-63 lowercase letters, digits and dashes",
    ),
    (
        "bad phone number",
        ('help_phone = "+44 20 7946 0321"', 'help_phone = "call the office"'),
        "call the office",
        "'call the office' is not a phone number; allowed: digits and spaces",
    ),
    (
        "missing required key",
        ('label = "Main concourse, by the lifts"\n', ""),
        ("[[station.area.kiosk]]", 1),
        "kiosk[riverside-concourse-lifts].label: missing; this key is required",
    ),
    (
        "a kiosk no route serves",
        lambda t: t[: t.index('[[route]]\nid = "riverside-all"')],
        'id = "riverside-p3-north"',
        "no route serves these requests from kiosk 'riverside-p3-north': unwell (normal), "
        "assistance (normal)",
    ),
    (
        "not TOML at all",
        ("screen_inches = 43.0", "screen_inches = 43.0.1"),
        "screen_inches = 43.0.1",
        "(syntax): not valid TOML",
    ),
    (
        "an array left open on the last line",
        lambda t: t + 'languages_extra = ["de", "fr",\n',
        'languages_extra = ["de", "fr",',
        "(syntax): not valid TOML: Invalid value (at end of document)",
    ),
]


@pytest.mark.parametrize(
    ("mutation", "marker", "message"),
    [case[1:] for case in BAD_FILES],
    ids=[case[0] for case in BAD_FILES],
)
def test_a_bad_site_file_names_line_key_and_what_is_allowed(
    mutation: Mutation, marker: str | tuple[str, int], message: str
) -> None:
    text = _mutate(EXAMPLE.read_text(), mutation)
    problems = _problems(text)
    expected = f"bad.toml:{_line(text, marker)}: "
    assert any(p.startswith(expected) and message in p for p in problems), (expected, problems)


def test_every_problem_is_reported_at_once_in_line_order() -> None:
    text = EXAMPLE.read_text()
    for mutation in (
        ("more_time_seconds = 30", "more_time_seconds = 5"),
        ('"uk", "ar"', '"uk", "tlh", "ar"'),
        ('group = "riverside-control", after_seconds = 20', 'group = "nobody", after_seconds = 20'),
    ):
        text = _mutate(text, mutation)
    problems = _problems(text)
    assert len(problems) == 3
    lines = [int(p.split(":")[1]) for p in problems]
    assert lines == sorted(lines)


def test_key_lines_follow_nested_arrays_of_tables_and_inline_tables() -> None:
    text = (
        "# comment\n"
        "[site]\n"
        'name = "a # not a comment"\n'
        '"quoted key" = """\nmany\nlines\n"""\n'
        "[[station]]\n"
        'id = "s1"\n'
        "[[station.area]]\n"
        'id = "a1"\n'
        "[[station]]\n"
        "[[station.area]]\n"
        "[[station.area]]\n"
        'id = "a3"\n'
        "list = [\n  1,\n  { k = 2 },\n]\n"
        "dotted.key = 3\n"
    )
    lines = key_lines(text)
    assert lines[("site", "name")] == 3
    assert lines[("site", "quoted key")] == 4
    assert lines[("station", 0, "id")] == 9
    assert lines[("station", 0, "area", 0, "id")] == 11
    assert lines[("station", 1)] == 12
    assert lines[("station", 1, "area", 1, "id")] == 15
    assert lines[("station", 1, "area", 1, "list", 1, "k")] == 18
    assert lines[("station", 1, "area", 1, "dotted", "key")] == 20


def test_station_settings_and_limits_reach_their_users(tmp_path: Path) -> None:
    from kiosk.hub.app import Hub
    from kiosk.hub.settings import HubSettings

    text = EXAMPLE.read_text().replace(
        'emergency_number = "112"\nhelp_point', 'emergency_number = "999"\nhelp_point'
    )
    site = parse_site_text(text)
    assert site.emergency_number == "112"
    assert site.emergency_number_at("riverside-p3-north") == "999"  # what the kiosk shows
    assert site.station_of("riverside-p3-north") is not None
    for flag, expected in ((None, 7200), (60, 60)):  # --ticket-ttl overrides the file
        hub = Hub(HubSettings(data_dir=tmp_path, ticket_ttl_seconds=flag))
        try:
            assert hub.ticket_ttl(site) == expected
        finally:
            hub.store.engine.dispose()


def _key_paths(node: object, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    found: list[tuple[str | int, ...]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            found += [(*path, key), *_key_paths(value, (*path, key))]
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _key_paths(value, (*path, i))
    return found


@pytest.mark.parametrize("source", ["example", "sample"])
def test_every_key_of_a_canonical_file_is_found_on_its_own_line(source: str) -> None:
    import tomllib

    text = EXAMPLE.read_text() if source == "example" else render_site_file(sample_site())
    lines = key_lines(text)
    rows = text.splitlines()
    for path in _key_paths(tomllib.loads(text)):
        key = path[-1]
        assert path in lines, path
        if isinstance(key, str):
            assert key in rows[lines[path] - 1], (path, lines[path])


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_any_edit_of_the_example_gives_a_site_or_located_problems(data: st.DataObject) -> None:
    """Lines dropped, repeated, swapped or retyped: never a traceback, never a line
    number outside the file."""
    rows = EXAMPLE.read_text().splitlines()
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(rows) - 1))
        action = data.draw(st.sampled_from(["drop", "repeat", "swap", "retype"]))
        if action == "drop":
            del rows[i]
        elif action == "repeat":
            rows.insert(i, rows[i])
        elif action == "swap":
            j = data.draw(st.integers(0, len(rows) - 1))
            rows[i], rows[j] = rows[j], rows[i]
        else:
            rows[i] = data.draw(st.sampled_from(['x = "y"', "[[route]]", "id = 5", "[limits]"]))
        if not rows:
            rows = [""]
    text = "\n".join(rows) + "\n"
    problems: list[Problem] = []
    try:
        parse_site_text(text, "edited.toml")
    except SiteFileInvalid as invalid:
        problems = invalid.problems or [Problem(0, "", "no problem listed")]
    assert all(1 <= p.line <= len(rows) + 1 for p in problems), problems


def test_a_kiosk_offers_its_stations_languages_default_first() -> None:
    site = parse_site_text(
        EXAMPLE.read_text().replace('default_language = "en"', 'default_language = "uk"')
    )
    assert site.languages_at("riverside-p3-north") == (
        "uk",
        "en",
        "de",
        "fr",
        "es",
        "pl",
        "ar",
        "zh_Hans",
    )
    assert sample_site().languages_at("central-p3") == ()  # no list: the kiosk's own choice
    assert site.languages_at("nowhere") == ()
