"""Every catalog keeps its language's one word per key concept, and the
traveller's screens keep one register (locales/terms.toml and
locales/<lang>/terms.toml, checked by kiosk/i18n/terms.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from kiosk.i18n import DEFAULT_LOCALE, SUPPORTED_LOCALES
from kiosk.i18n.string_use import string_uses, traveller_side
from kiosk.i18n.terms import (
    check_catalog,
    load_concepts,
    load_language_terms,
    missing_concepts,
)
from kiosk.resources import LOCALES_DIR

TRANSLATED = [code for code in SUPPORTED_LOCALES if code != DEFAULT_LOCALE]
CONCEPTS = (
    "request", "staff", "kiosk", "console", "help_point", "urgent", "resolve", "accept",
    "hand_over", "on_duty", "off_duty",
)  # fmt: skip


def _read(path: Path, code: str) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=code)


def test_the_concepts_are_the_issues_and_each_finds_its_english() -> None:
    concepts = load_concepts()
    assert tuple(concepts) == CONCEPTS
    samples = {
        "request": "Your request has been sent",
        "staff": "Staff maintenance",
        "kiosk": "Please wait by the kiosk",
        "console": "update this console",
        "help_point": "Please go to the help point",
        "urgent": "Staff will treat this as urgent.",
        "resolve": "Resolved",
        "accept": "Accept: on my way",
        "hand_over": "Handed over to your group",
        "on_duty": "Go on duty",
        "off_duty": "Off duty: no alerts.",
    }
    for concept, english in samples.items():
        assert concepts[concept].search(english), concept
    assert not concepts["resolve"].search("resolution")
    assert not concepts["on_duty"].search("Go off duty")


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_language_has_a_term_base(code: str) -> None:
    terms = load_language_terms(code)
    assert terms is not None, f"locales/{code}/terms.toml is missing"
    assert terms.traveller_register
    assert terms.staff_register
    assert missing_concepts(terms, CONCEPTS) == []


@pytest.mark.parametrize("code", TRANSLATED)
def test_catalog_keeps_its_terms_and_register(code: str) -> None:
    terms = load_language_terms(code)
    if terms is None:
        pytest.skip(f"no locales/{code}/terms.toml yet (test_every_language_has_a_term_base)")
    catalog = _read(LOCALES_DIR / code / "LC_MESSAGES" / "kiosk.po", code)
    problems = check_catalog(catalog, load_concepts(), terms, traveller_side())
    assert [str(p) for p in problems] == []


def test_strings_are_sided_by_where_the_code_uses_them() -> None:
    uses = string_uses()
    side = traveller_side()
    # only on the kiosk
    assert "I understand, continue" in side
    assert "traveller:consent" in uses["I understand, continue"].screens
    # only on the console, also when defined in a shared module (STATE_TEXTS)
    assert "Resolve" not in side
    assert "Resolved" not in side
    assert "Urgent" not in side
    # on both sides: the stricter, traveller's
    assert "Cancel" in side
    assert "I feel unwell" in side
    # a staff reply shown on the kiosk through core.phrases.reply_text
    assert "An ambulance has been called" in side
    assert "traveller:waiting" in uses["An ambulance has been called"].screens


def test_the_checker_finds_planted_errors(tmp_path: Path) -> None:
    (tmp_path / "terms.toml").write_text(
        "[concepts]\nrequest = '\\brequests?\\b'\nresolve = '\\bresolve[ds]?\\b'\n"
    )
    (tmp_path / "xx").mkdir()
    (tmp_path / "xx" / "terms.toml").write_text(
        "[register]\ntraveller = 'formal'\nstaff = 'formal'\n"
        "traveller_avoid = ['\\btu\\b']\n"
        "[terms]\nrequest = ['demande']\nresolve = ['résolu']\n"
        "[exceptions]\n'Cancel the request' = 'the verb carries it'\n"
    )
    catalog = Catalog(locale="fr")
    catalog.add("Your request has been sent", "Votre demande est envoyée")  # right
    catalog.add("Resolved", "Modifié")  # a wrong term ("edited")
    catalog.add("Your request code:", "Tu gardes ce code de requête :")  # wrong term, informal
    catalog.add("Resolve", "Tu as résolu")  # informal, but a staff string: allowed
    catalog.add("Cancel the request", "Annuler")  # an exception
    terms = load_language_terms("xx", tmp_path)
    assert terms is not None
    traveller = frozenset(
        {"Your request has been sent", "Your request code:", "Cancel the request"}
    )
    problems = check_catalog(catalog, load_concepts(tmp_path), terms, traveller)
    assert sorted((p.kind, p.msgid, p.what) for p in problems) == [
        ("register", "Your request code:", "\\btu\\b"),
        ("term", "Resolved", "resolve"),
        ("term", "Your request code:", "request"),
    ]
    assert load_language_terms("yy", tmp_path) is None
