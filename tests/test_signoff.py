"""A reviewer's sign-off per string (kiosk/i18n/signoff.py): it survives
`pybabel update`, goes stale when the text changes, is counted per language
by `kiosk i18n report`, and can limit the languages a kiosk offers."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from kiosk.core.site import Site
from kiosk.i18n import SUPPORTED_LOCALES
from kiosk.i18n.must_review import MUST_REVIEW, REASONS
from kiosk.i18n.report import build_report
from kiosk.i18n.signoff import (
    DRAFT,
    SIGNED_OFF,
    SOURCE,
    offered_languages,
    review_status,
    sign_off_comment,
    sign_off_of,
    signed_off_languages,
)
from kiosk.operator.site_file import SiteFileInvalid, parse_site_text
from kiosk.operator.site_file_canonical import render_site_file
from kiosk.resources import LOCALES_DIR


def _read(path: Path, code: str | None = None) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=code)


def _write(path: Path, catalog: Catalog) -> None:
    with path.open("wb") as f:
        write_po(f, catalog)


def test_every_must_review_msgid_is_in_the_template() -> None:
    template = _read(LOCALES_DIR / "kiosk.pot")
    assert [m for m in MUST_REVIEW if m not in template] == []
    assert set(MUST_REVIEW.values()) == set(REASONS)


def test_a_sign_off_survives_pybabel_update_and_goes_stale_when_the_text_changes(
    tmp_path: Path,
) -> None:
    template = Catalog()
    for msgid in ("Resolved", "Cancel the request", "Send for help"):
        template.add(msgid)
    _write(tmp_path / "kiosk.pot", template)
    catalog = Catalog(locale="fr")
    for msgid, text in (
        ("Resolved", "Résolue"),
        ("Cancel the request", "Annuler la demande"),
        ("Send for help", "X"),
    ):
        catalog.add(msgid, text)
    for msgid in ("Resolved", "Cancel the request", "Send for help"):
        message = catalog[msgid]
        message.user_comments.append(sign_off_comment(message, "Anne Reviewer", "2026-03-02"))
    catalog["Send for help"].string = "Envoyer la demande d’aide"  # edited after the review
    po = tmp_path / "fr" / "LC_MESSAGES" / "kiosk.po"
    po.parent.mkdir(parents=True)
    _write(po, catalog)
    template = Catalog()  # one English text changes; the others stay
    for msgid in ("Resolved", "Cancel the requests", "Send for help"):
        template.add(msgid)
    _write(tmp_path / "kiosk.pot", template)
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "update", "-i",
         str(tmp_path / "kiosk.pot"), "-d", str(tmp_path), "-D", "kiosk"],
        check=True, capture_output=True,
    )  # fmt: skip

    updated = _read(po, "fr")
    resolved = sign_off_of(updated["Resolved"])
    assert resolved is not None
    assert (resolved.reviewer, resolved.day, resolved.current) == (
        "Anne Reviewer",
        "2026-03-02",
        True,
    )
    carried = updated["Cancel the requests"]  # fuzzy-matched, the comment carried over
    assert carried.fuzzy
    assert sign_off_of(carried) is not None
    assert not sign_off_of(carried).current  # type: ignore[union-attr]
    assert not sign_off_of(updated["Send for help"]).current  # type: ignore[union-attr]
    status = review_status(updated, ["Resolved", "Send for help"])
    assert (status.must_review, status.signed_off, status.status) == (2, 1, DRAFT)


def test_report_counts_sign_offs_and_still_exits_zero(tmp_path: Path) -> None:
    locales = tmp_path / "locales"
    shutil.copytree(LOCALES_DIR, locales, ignore=shutil.ignore_patterns("*.mo"))
    po = locales / "de" / "LC_MESSAGES" / "kiosk.po"
    catalog = _read(po, "de")
    for msgid in MUST_REVIEW:
        message = catalog[msgid]
        message.user_comments.append(sign_off_comment(message, "Max Muster", "2026-03-02"))
    _write(po, catalog)
    reports = {r.code: r for r in build_report(locales)}
    assert reports["de"].review.to_json()["signed_off"] == len(MUST_REVIEW)
    assert reports["de"].review.status == SIGNED_OFF
    assert reports["en"].review.status == SOURCE
    assert reports["de"].complete  # sign-offs are not part of completeness
    assert signed_off_languages(["en", "de", "fr"], locales) == {"en", "de"}

    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "i18n", "report", "--json"],
        capture_output=True, text=True, check=False,
        env={"KIOSK_LOCALES_DIR": str(locales), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    rows = {r["code"]: r for r in json.loads(result.stdout)}
    assert rows["de"]["review"] == {
        "must_review": len(MUST_REVIEW),
        "signed_off": len(MUST_REVIEW),
        "signed_off_all_strings": len(MUST_REVIEW),
        "status": SIGNED_OFF,
    }
    assert rows["fr"]["review"]["status"] == DRAFT
    assert list(rows) == list(SUPPORTED_LOCALES)


def test_kiosk_offers_only_signed_off_languages_when_the_site_requires_it() -> None:
    shipped = ("en", "de", "fr", "ar")
    # not required: the station's list, or every shipped language
    assert offered_languages(("fr", "de"), shipped) == ("fr", "de")
    assert offered_languages((), shipped) == shipped
    assert offered_languages(("fr", "xx"), shipped) == ("fr",)  # only what this kiosk ships
    # required: only signed-off ones, English (the source) always counts as signed off
    assert offered_languages(("fr", "de", "en"), shipped, frozenset({"de"})) == ("de", "en")
    assert offered_languages((), shipped, frozenset({"ar"})) == ("en", "ar")
    assert offered_languages(("fr",), shipped, frozenset()) == ("en",)  # nothing left: English


def test_site_file_can_require_signed_off_languages() -> None:
    example = (Path(__file__).parent.parent / "packaging" / "examples" / "site.toml").read_text()
    assert "require_signed_off = false" in example
    assert not parse_site_text(example).require_signed_off_languages
    text = example.replace("require_signed_off = false", "require_signed_off = true")
    site = parse_site_text(text)
    assert site.require_signed_off_languages
    assert render_site_file(site) == text  # export writes it back
    document = site.to_document()
    assert document["languages"] == {"require_signed_off": True}
    assert Site.from_document(document).require_signed_off_languages
    del document["languages"]  # a manifest signed before the option: not required
    assert not Site.from_document(document).require_signed_off_languages
    with pytest.raises(
        SiteFileInvalid, match=r"languages.require_signed_off: must be true or false"
    ):
        parse_site_text(example.replace("require_signed_off = false", 'require_signed_off = "yes"'))
