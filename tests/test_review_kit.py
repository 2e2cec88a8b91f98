"""`kiosk i18n review`: one page per language with every string, the
must-review marks, the translation's direction, and nothing unescaped."""

from __future__ import annotations

import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from kiosk.i18n.must_review import MUST_REVIEW
from kiosk.i18n.review_kit import find_screenshot, write_review_kit
from kiosk.resources import LOCALES_DIR


class _Page(HTMLParser):
    """The texts of the page by class, the translations' attributes, tags seen."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.english: list[str] = []
        self.translations: list[tuple[dict[str, str | None], str]] = []
        self.marked = 0
        self.images: list[str] = []
        self._open: tuple[str, dict[str, str | None]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        found = dict(attrs)
        cls = found.get("class") or ""
        if "must-review" in cls.split():
            self.marked += 1
        if tag == "img":
            self.images.append(found.get("src") or "")
        if tag == "p" and cls in ("english", "translation"):
            self._open = (cls, found)

    def handle_data(self, data: str) -> None:
        if self._open is None:
            return
        cls, attrs = self._open
        if cls == "english":
            self.english.append(data)
        else:
            self.translations.append((attrs, data))
        self._open = None


def _read(path: Path, code: str | None = None) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=code)


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def test_pages_for_an_ltr_and_an_rtl_language(tmp_path: Path) -> None:
    locales = tmp_path / "locales"
    shutil.copytree(LOCALES_DIR, locales, ignore=shutil.ignore_patterns("*.mo"))
    po = locales / "ar" / "LC_MESSAGES" / "kiosk.po"
    catalog = _read(po, "ar")
    catalog["Cancel"].string = '<script>alert("x")</script> & إلغاء'
    with po.open("wb") as f:
        write_po(f, catalog)
    shots = tmp_path / "shots"
    shots.mkdir()
    (shots / "ar-2-consent.png").write_bytes(b"\x89PNG fake")

    written = write_review_kit("de", tmp_path / "kit", (shots,), locales)
    written += write_review_kit("ar", tmp_path / "kit", (shots,), locales)
    assert [p.name for p in written] == ["de.html", "ar.html"]
    template = _read(locales / "kiosk.pot")
    msgids = sorted(str(m.id) for m in template if m.id)
    for path, code, direction in ((written[0], "de", "ltr"), (written[1], "ar", "rtl")):
        page = _parse(path)
        assert sorted(page.english) == msgids
        assert page.marked == len(MUST_REVIEW)
        assert {(a["lang"], a["dir"]) for a, _ in page.translations} == {(code, direction)}
        assert "script" not in page.tags
    arabic = _parse(written[1])
    assert '<script>alert("x")</script> & إلغاء' in [text for _, text in arabic.translations]
    assert "&lt;script&gt;" in written[1].read_text(encoding="utf-8")
    assert "img/shots-ar-2-consent.png" in arabic.images  # the consent strings' screen
    assert (tmp_path / "kit" / "img" / "shots-ar-2-consent.png").exists()


def test_screenshots_are_found_by_the_harness_names() -> None:
    shots = [
        Path("docs/screens/languages/ja-consent.png"),
        Path("docs/screenshots/en-5-waiting.png"),
        Path("docs/screenshots/lang-ur-category.png"),
        Path("docs/screenshots/staff-ar-1-new.png"),
        Path("docs/screenshots/staff-en-6-hand-over.png"),
        Path("docs/screens/modes/1080x1920/en-low_reach-more-time.png"),
    ]
    assert find_screenshot(shots, "ja", "traveller:consent") == shots[0]
    assert find_screenshot(shots, "en", "traveller:waiting") == shots[1]
    assert find_screenshot(shots, "ur", "traveller:category") == shots[2]
    assert find_screenshot(shots, "ar", "staff:inbox") == shots[3]
    assert find_screenshot(shots, "en", "staff:handover_dialog") == shots[4]
    assert find_screenshot(shots, "ja", "traveller:waiting") is None  # not in another language


def test_review_command_writes_every_language(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "i18n", "review", "xx", "-o", str(tmp_path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert "allowed: all" in result.stderr
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "i18n", "review", "he", "-o", str(tmp_path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert result.stdout.strip() == str(tmp_path / "he.html")
