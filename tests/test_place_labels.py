"""A kiosk's place named per language in the site file, and the kiosk's
handover time: checked with their lines, carried in the signed manifest,
written back in the canonical form. No hub needed."""

from __future__ import annotations

import json

import pytest

from kiosk.core.site import Site
from kiosk.crypto.manifest import canonical_json
from kiosk.operator.site_file import SiteFileInvalid, parse_site_text
from kiosk.operator.site_file_canonical import render_site_file
from tests.conftest import REPO

EXAMPLE = (REPO / "packaging" / "examples" / "site.toml").read_text()
_PLAIN = 'label = "Main concourse, by the lifts"'


def _with_label(label: str) -> str:
    assert _PLAIN in EXAMPLE
    return EXAMPLE.replace(_PLAIN, f"label = {label}")


def _problems(text: str) -> list[str]:
    with pytest.raises(SiteFileInvalid) as invalid:
        parse_site_text(text, "bad.toml")
    return str(invalid.value).splitlines()


def _label_line(text: str) -> int:
    return text[: text.index("label = {")].count("\n") + 1


def test_a_label_table_names_the_place_in_each_language() -> None:
    text = _with_label('{ fr = "Hall, près des ascenseurs", en = "Main hall, by the lifts" }')
    place = parse_site_text(text).locations[1]
    assert place.labels == (("en", "Main hall, by the lifts"), ("fr", "Hall, près des ascenseurs"))
    assert place.label == "Main hall, by the lifts"  # the station's default language
    assert place.label_in("fr", "en") == "Hall, près des ascenseurs"
    assert place.label_in("ja", "en") == "Main hall, by the lifts"  # then the default
    assert place.label_in("ja", "de") == "Main hall, by the lifts"  # then any


def test_without_the_default_language_the_label_is_one_of_the_table() -> None:
    place = parse_site_text(_with_label('{ de = "Haupthalle" }')).locations[1]
    assert place.label == "Haupthalle"
    assert place.label_in("en", "en") == "Haupthalle"


def test_a_plain_label_stays_as_it_was() -> None:
    place = parse_site_text(EXAMPLE).locations[1]
    assert place.labels == ()
    assert place.label_in("fr", "en") == "Main concourse, by the lifts"


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ('{ xx = "Quai 3" }', "label: xx: 'xx' is not a language the kiosk ships"),
        ('{ en = "Hall", fr = "" }', "label: fr: must not be empty"),
        ('{ en = "' + "x" * 121 + '" }', "label: en: must be one line of at most 120"),
        ("{ en = 3 }", "label: en: must be text in quotes, not a whole number"),
        ("{}", "label: must name at least one language"),
    ],
)
def test_a_bad_label_table_is_named_with_its_line(label: str, message: str) -> None:
    text = _with_label(label)
    problems = _problems(text)
    expected = f"bad.toml:{_label_line(text)}: "
    assert any(p.startswith(expected) and message in p for p in problems), problems


def test_label_tables_survive_the_signed_document_and_the_canonical_form() -> None:
    text = _with_label('{ en = "Main hall", ar = "القاعة الرئيسية", zh_Hans = "大厅" }')
    site = parse_site_text(text)
    # Signed as canonical JSON, read back by kiosks and consoles.
    again = Site.from_document(json.loads(canonical_json(site.to_document())))
    assert again.locations == site.locations
    rendered = render_site_file(site)
    assert 'label = { ar = "القاعة الرئيسية", en = "Main hall", zh_Hans = "大厅" }' in rendered
    assert parse_site_text(rendered).locations == site.locations
    assert render_site_file(parse_site_text(rendered)) == rendered


def test_a_manifest_without_labels_reads_as_before() -> None:
    doc = parse_site_text(EXAMPLE).to_document()
    assert all("labels" not in x for x in doc["locations"])  # old manifests keep their bytes
    del doc["limits"]["handover_seconds"]  # signed before the setting existed
    site = Site.from_document(doc)
    assert site.locations[1].labels == ()
    assert site.limits.handover_seconds == 120


def test_handover_seconds_is_read_and_bounded() -> None:
    text = EXAMPLE.replace("handover_seconds = 120", "handover_seconds = 45")
    assert parse_site_text(text).limits.handover_seconds == 45
    problems = _problems(EXAMPLE.replace("handover_seconds = 120", "handover_seconds = 5"))
    assert any(
        "limits.handover_seconds: 5 is out of range; allowed: 30 to 1800 seconds" in p
        for p in problems
    ), problems
