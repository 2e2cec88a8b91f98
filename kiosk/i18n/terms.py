"""The term base: one word per key concept and one register per language.

`locales/terms.toml` lists the concepts, each with a regex that finds it in an
English msgid. `locales/<lang>/terms.toml` gives, per language:

    [register]
    traveller = "formal (vous)"        # the register on the traveller's screens
    staff = "formal (vous)"            # ... and on the staff console
    traveller_avoid = ['\\btu\\b']     # markers of the other register (regexes)
    [terms]
    request = ["demande"]              # accepted forms/stems, case-insensitive substrings
    [exceptions]
    "Some msgid" = "why the term is not used here"

`check_catalog` finds every string whose English names a concept but whose
translation uses none of the language's forms, and every traveller-side
string (kiosk/i18n/string_use.py) with a marker of the avoided register.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog

from kiosk.resources import LOCALES_DIR

__all__ = [
    "LanguageTerms",
    "TermProblem",
    "check_catalog",
    "load_concepts",
    "load_language_terms",
    "missing_concepts",
]


@dataclass(frozen=True, slots=True)
class LanguageTerms:
    code: str
    traveller_register: str
    staff_register: str
    traveller_avoid: tuple[re.Pattern[str], ...]
    terms: Mapping[str, tuple[str, ...]]
    exceptions: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TermProblem:
    kind: str  # "term" or "register"
    msgid: str
    what: str  # the concept, or the register marker's pattern
    translation: str

    def __str__(self) -> str:
        if self.kind == "term":
            return f"{self.msgid!r}: no form of {self.what!r} in {self.translation!r}"
        return f"{self.msgid!r}: traveller text has {self.what!r}: {self.translation!r}"


def load_concepts(locales_dir: Path = LOCALES_DIR) -> dict[str, re.Pattern[str]]:
    with (locales_dir / "terms.toml").open("rb") as f:
        doc = tomllib.load(f)
    return {name: re.compile(rx, re.IGNORECASE) for name, rx in doc["concepts"].items()}


def load_language_terms(code: str, locales_dir: Path = LOCALES_DIR) -> LanguageTerms | None:
    """The language's term base, or None when it has no terms.toml yet."""
    path = locales_dir / code / "terms.toml"
    if not path.exists():
        return None
    with path.open("rb") as f:
        doc = tomllib.load(f)
    register = doc.get("register", {})
    return LanguageTerms(
        code=code,
        traveller_register=str(register.get("traveller", "")),
        staff_register=str(register.get("staff", "")),
        traveller_avoid=tuple(
            re.compile(rx, re.IGNORECASE) for rx in register.get("traveller_avoid", [])
        ),
        terms={k: tuple(str(v) for v in vs) for k, vs in doc.get("terms", {}).items()},
        exceptions={str(k): str(v) for k, v in doc.get("exceptions", {}).items()},
    )


def missing_concepts(terms: LanguageTerms, concepts: Iterable[str]) -> list[str]:
    return [c for c in concepts if not terms.terms.get(c)]


def _parts(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, tuple | list) else [str(value or "")]


def check_catalog(
    catalog: Catalog,
    concepts: Mapping[str, re.Pattern[str]],
    terms: LanguageTerms,
    traveller_ids: frozenset[str],
) -> list[TermProblem]:
    """Every term and register problem of one catalog against its term base."""
    problems: list[TermProblem] = []
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        english = _parts(message.id)
        msgid = english[0]
        translations = [s for s in _parts(message.string) if s]
        if not translations:
            continue
        if msgid not in terms.exceptions:
            for concept, pattern in concepts.items():
                if not any(pattern.search(e) for e in english):
                    continue
                forms = [f.casefold() for f in terms.terms.get(concept, ())]
                for text in translations:
                    if not any(f in text.casefold() for f in forms):
                        problems.append(TermProblem("term", msgid, concept, text))
        if msgid in traveller_ids:
            for marker in terms.traveller_avoid:
                for text in translations:
                    if marker.search(text):
                        problems.append(TermProblem("register", msgid, marker.pattern, text))
    return problems
