"""Every offered language is complete, keeps its placeholders, is current with
the code, and is covered glyph for glyph by the one font its labels use."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from babel.dates import format_timedelta
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from fontTools.ttLib import TTFont

from kiosk.core.ticket import _CODE_ALPHABET, _CODE_DIGITS
from kiosk.i18n import DEFAULT_LOCALE, SUPPORTED_LOCALES, locale_info
from kiosk.resources import LOCALES_DIR

REPO = Path(__file__).resolve().parent.parent
TRANSLATED = [code for code in SUPPORTED_LOCALES if code != DEFAULT_LOCALE]
_PLACEHOLDER = re.compile(r"\{\w+\}")


def _read(path: Path, code: str | None = None) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=code)


def _catalog(code: str) -> Catalog:
    return _read(LOCALES_DIR / code / "LC_MESSAGES" / "kiosk.po", code)


def _template() -> Catalog:
    return _read(LOCALES_DIR / "kiosk.pot")


def _texts(message_part: object) -> list[str]:
    return list(message_part) if isinstance(message_part, tuple | list) else [str(message_part)]


@pytest.mark.parametrize("code", TRANSLATED)
def test_catalog_is_complete_and_keeps_placeholders(code: str) -> None:
    catalog = _catalog(code)
    template = _template()
    missing = [m.id for m in template if m.id and m.id not in catalog]
    assert missing == [], f"{code}: not in the catalog: {missing}"
    for message in catalog:
        if not message.id:
            continue
        assert all(_texts(message.string)), f"{code}: untranslated {message.id!r}"
        assert not message.fuzzy, f"{code}: fuzzy {message.id!r}"
        wanted = set(_PLACEHOLDER.findall(_texts(message.id)[0]))
        for text in _texts(message.string):
            assert set(_PLACEHOLDER.findall(text)) == wanted, f"{code}: {message.id!r}"


@pytest.mark.parametrize("code", TRANSLATED)
def test_catalog_header_states_its_review_status(code: str) -> None:
    # A comment line, because `pybabel update` keeps comments but drops unknown headers.
    header = (LOCALES_DIR / code / "LC_MESSAGES" / "kiosk.po").read_text()
    assert re.search(r"^# Review status: (draft|reviewed)", header, re.MULTILINE)


def test_template_is_current_with_the_code(tmp_path: Path) -> None:
    fresh = tmp_path / "kiosk.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "N_",
            "-k",
            "_",
            "-k",
            "f",
            "-c",
            "Translators:",
            "--no-location",
            "--sort-output",
            "--omit-header",
            "-o",
            str(fresh),
            ".",
        ],
        cwd=REPO,
        check=True,
        capture_output=True,
    )

    def ids(catalog: Catalog) -> set[str]:
        return {str(m.id) for m in catalog if m.id}

    assert ids(_read(fresh)) == ids(_template()), "run the extract command in babel.cfg"


@pytest.mark.parametrize("code", SUPPORTED_LOCALES)
def test_the_locale_font_covers_everything_it_shows(code: str) -> None:
    info = locale_info(code)
    shown = set(info.endonym) | set(_CODE_ALPHABET + _CODE_DIGITS + "0123456789 .,:;!?()«»“”–—·…")
    for minutes in range(1, 61):  # "about 5 minutes", formatted by Babel for the locale
        shown |= set(
            format_timedelta(
                timedelta(minutes=minutes), granularity="minute", threshold=10, locale=code
            )
        )
    if code != DEFAULT_LOCALE:
        for message in _catalog(code):
            for text in _texts(message.string):
                shown |= set(_PLACEHOLDER.sub("", text))
    else:
        for message in _template():
            shown |= set(_texts(message.id)[0])
    shown.add("\u00a0")  # no-break spaces join words of Latin names in RTL text
    shown.discard("\n")
    for path in (info.font_regular, info.font_bold):
        cmap = TTFont(path).getBestCmap()
        missing = sorted(c for c in shown if ord(c) not in cmap)
        assert missing == [], f"{code}: {Path(path).name} lacks {missing}"


def test_languages_page_is_generated_from_the_list() -> None:
    from kiosk.i18n.languages_doc import languages_markdown

    page = (REPO / "docs" / "languages.md").read_text()
    assert page == languages_markdown(), (
        "run: python -m kiosk.i18n.languages_doc > docs/languages.md"
    )
