"""Every offered language is complete, keeps its placeholders and plural forms,
is current with the code, and is drawable glyph for glyph by its one font."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from kiosk.i18n import DEFAULT_LOCALE, SUPPORTED_LOCALES
from kiosk.i18n.report import build_report
from kiosk.resources import LOCALES_DIR

REPO = Path(__file__).resolve().parent.parent
TRANSLATED = [code for code in SUPPORTED_LOCALES if code != DEFAULT_LOCALE]


def _read(path: Path, code: str | None = None) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=code)


def test_every_language_is_complete_and_drawable() -> None:
    gaps = {r.code: r.to_json() for r in build_report() if not r.complete}
    assert gaps == {}


def test_the_report_finds_planted_gaps(tmp_path: Path) -> None:
    """The checker itself is checked: each kind of gap is reported."""
    locales = tmp_path / "locales"
    shutil.copytree(LOCALES_DIR, locales)
    po = locales / "de" / "LC_MESSAGES" / "kiosk.po"
    catalog = _read(po, "de")
    catalog["Cancel"].string = ""  # untranslated
    catalog["Emergency: call {number}"].string = "Notruf: {nummer}"  # placeholder renamed
    catalog["Done"].string = "Fertig ☃"  # a snowman no font here can draw
    catalog.add(("one request", "{n} requests"), ("eine Anfrage", ""))  # a form left empty
    with po.open("wb") as f:
        write_po(f, catalog)
    # A header claiming three plural forms where CLDR knows two for German.
    text = po.read_text().replace("nplurals=2; plural=(n != 1);", "nplurals=3; plural=(n > 2);")
    po.write_text(text)
    template = _read(locales / "kiosk.pot")
    template.add(("one request", "{n} requests"))
    with (locales / "kiosk.pot").open("wb") as f:
        write_po(f, template)

    report = {r.code: r for r in build_report(locales)}["de"]
    assert not report.complete
    assert report.translated == report.messages - 2  # "Cancel" and the half-done plural
    assert report.placeholder_mismatches == ["Emergency: call {number}"]
    assert report.plural_errors == ["Plural-Forms header has 3 forms, CLDR has 2"]
    assert report.missing_glyphs["KioskLatin-Regular.ttf"] == ["☃"]


@pytest.mark.parametrize("code", TRANSLATED)
def test_catalog_header_states_its_review_status(code: str) -> None:
    # A comment line, because `pybabel update` keeps comments but drops unknown headers.
    header = (LOCALES_DIR / code / "LC_MESSAGES" / "kiosk.po").read_text()
    assert re.search(r"^# Review status: (draft|reviewed)", header, re.MULTILINE)


def test_template_is_current_with_the_code(tmp_path: Path) -> None:
    fresh = tmp_path / "kiosk.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-k", "N_", "-k", "_", "-k", "f", "-c", "Translators:", "--no-location",
         "--sort-output", "--omit-header", "-o", str(fresh), "."],
        cwd=REPO, check=True, capture_output=True,
    )  # fmt: skip

    def ids(catalog: Catalog) -> set[str]:
        return {str(m.id) for m in catalog if m.id}

    assert ids(_read(fresh)) == ids(_read(LOCALES_DIR / "kiosk.pot")), (
        "run the extract in babel.cfg"
    )


def test_languages_page_is_generated_from_the_list() -> None:
    from kiosk.i18n.languages_doc import languages_markdown

    page = (REPO / "docs" / "languages.md").read_text()
    assert page == languages_markdown(), "run: python -m kiosk.i18n.languages_doc"


def test_report_command_exits_non_zero_on_gaps_and_prints_json() -> None:
    import json

    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "i18n", "report", "--json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:]
    rows = json.loads(result.stdout)
    assert [r["code"] for r in rows] == list(SUPPORTED_LOCALES)
    assert all(r["translated_share"] == 1.0 for r in rows)
