"""`[statistics]` in the site file: read, checked with its line, written back,
and carried in the signed manifest (older manifests load with the defaults)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from kiosk.core.site import Site, SiteStatistics
from kiosk.operator.site_changes import describe_changes
from kiosk.operator.site_file import SiteFileInvalid, parse_site_text
from kiosk.operator.site_file_canonical import render_site_file

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = (REPO / "packaging" / "examples" / "site.toml").read_text()
_DEFAULT = '[statistics]\nenabled = true\nkeep_days = 400\ntimezone = "UTC"\n'


def _with(table: str) -> str:
    assert _DEFAULT in EXAMPLE
    return EXAMPLE.replace(_DEFAULT, table)


def test_the_example_keeps_statistics_on_for_400_days_in_utc() -> None:
    assert parse_site_text(EXAMPLE).statistics == SiteStatistics(True, 400, "UTC")


def test_left_out_the_defaults_hold() -> None:
    assert parse_site_text(_with("")).statistics == SiteStatistics()


def test_switched_off_with_a_time_zone_and_written_back() -> None:
    text = _with('[statistics]\nenabled = false\nkeep_days = 30\ntimezone = "Europe/Paris"\n')
    site = parse_site_text(text)
    assert site.statistics == SiteStatistics(False, 30, "Europe/Paris")
    assert render_site_file(site) == text


@pytest.mark.parametrize(
    ("table", "bad_line", "message"),
    [
        ("keep_days = 29\n", "keep_days = 29", "29 is out of range; allowed: 30 to 3660 days"),
        ('keep_days = "a year"\n', "keep_days", "must be a whole number of days"),
        ("enabled = 1\n", "enabled = 1", "must be true or false"),
        ('timezone = "Europe/Atlantis"\n', "timezone", "is not a time zone name"),
        ('timezone = "../etc/passwd"\n', "timezone", "is not a time zone name"),
        ("colour = 1\n", "colour", "unknown key 'colour'; allowed here: enabled"),
    ],
)
def test_a_bad_statistics_key_is_reported_at_its_line(
    table: str, bad_line: str, message: str
) -> None:
    text = _with("[statistics]\n" + table)
    with pytest.raises(SiteFileInvalid) as raised:
        parse_site_text(text, "bad.toml")
    line = text[: text.index(bad_line, text.index("[statistics]"))].count("\n") + 1
    assert any(
        p.startswith(f"bad.toml:{line}: statistics.") and message in p
        for p in str(raised.value).splitlines()
    ), str(raised.value)


def test_the_manifest_carries_it_and_older_manifests_load_with_defaults() -> None:
    site = dataclasses.replace(
        parse_site_text(EXAMPLE), statistics=SiteStatistics(False, 90, "Asia/Tokyo")
    )
    doc = site.to_document()
    assert doc["statistics"] == {"enabled": False, "keep_days": 90, "timezone": "Asia/Tokyo"}
    assert Site.from_document(doc).statistics == site.statistics
    del doc["statistics"]  # signed before statistics existed
    assert Site.from_document(doc).statistics == SiteStatistics()


def test_a_changed_switch_is_a_change_to_apply() -> None:
    current = parse_site_text(EXAMPLE)
    changes = describe_changes(current, parse_site_text(_with("[statistics]\nenabled = false\n")))
    assert any("statistics.enabled" in line for line in changes), changes
