"""`kiosk i18n report`: is every offered language complete and drawable?

For each locale: the share of template messages translated, placeholder
mismatches, plural-form errors (count of forms against the locale's CLDR
plural rule), and characters its font cannot draw (Kivy has no fallback, so
each would be a box). CI runs it and fails on any gap. It also shows how many of the must-review
strings a native speaker has signed off (kiosk/i18n/signoff.py): information
for the operator, not a gap. And which engine reads it aloud, how well, or
null where it is not spoken (kiosk/speech/voices.py): information too.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

from babel.dates import format_timedelta
from babel.messages.catalog import Catalog
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po
from fontTools.ttLib import TTFont

from kiosk.i18n.locales import DEFAULT_LOCALE, SUPPORTED_LOCALES, locale_info
from kiosk.i18n.signoff import ReviewStatus, review_status
from kiosk.resources import LOCALES_DIR
from kiosk.speech.voices import SpeechVoice, voice

__all__ = ["LocaleReport", "build_report", "report_has_gaps"]

_PLACEHOLDER = re.compile(r"\{\w+\}")
# Shown in every locale besides its catalog: codes, digits, the punctuation of
# labels, and the no-break space that joins Latin names inside RTL text.
_ALWAYS_SHOWN = "ACDEFHJKLMNPRTUVWXY0123456789 .,:;!?()«»“”–—·…\u00a0"


@dataclass
class LocaleReport:
    code: str
    messages: int
    translated: int
    placeholder_mismatches: list[str] = field(default_factory=list)
    plural_errors: list[str] = field(default_factory=list)
    missing_glyphs: dict[str, list[str]] = field(default_factory=dict)
    review: ReviewStatus = field(default_factory=lambda: review_status(None))
    speech: SpeechVoice | None = None  # None: not spoken; the kiosk says so on screen

    @property
    def translated_share(self) -> float:
        return self.translated / self.messages if self.messages else 1.0

    @property
    def complete(self) -> bool:
        return (
            self.translated == self.messages
            and not self.placeholder_mismatches
            and not self.plural_errors
            and not any(self.missing_glyphs.values())
        )

    def to_json(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["translated_share"] = round(self.translated_share, 4)
        doc["complete"] = self.complete
        doc["review"] = self.review.to_json()
        return doc


def _read(path: Path, code: str | None = None) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=code)


def _parts(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, tuple | list) else [str(value or "")]


@cache
def _cmap(path: str) -> frozenset[int]:
    with TTFont(path, lazy=True) as font:
        return frozenset(font.getBestCmap())


def _locale_report(code: str, template: Catalog, locales_dir: Path) -> LocaleReport:
    info = locale_info(code)
    shown = set(info.endonym) | set(_ALWAYS_SHOWN)
    for minutes in range(1, 61):  # durations, as the kiosk formats them
        duration = format_timedelta(
            timedelta(minutes=minutes), granularity="minute", threshold=10, locale=code
        )
        shown |= set(duration)
    ids = [m.id for m in template if m.id]
    report = LocaleReport(code=code, messages=len(ids), translated=0, speech=voice(code))
    if code == DEFAULT_LOCALE:
        report.translated = len(ids)  # the source language: msgids are its text
        for message_id in ids:
            shown |= set("".join(_parts(message_id)))
    else:
        catalog = _read(locales_dir / code / "LC_MESSAGES" / "kiosk.po", code)
        report.review = review_status(catalog)
        nplurals = get_plural(code).num_plurals  # CLDR's count of plural forms
        if catalog.num_plurals != nplurals:
            report.plural_errors.append(
                f"Plural-Forms header has {catalog.num_plurals} forms, CLDR has {nplurals}"
            )
        for message_id in ids:
            message = catalog.get(message_id)
            strings = _parts(message.string) if message is not None else []
            if message is None or message.fuzzy or not all(strings):
                continue
            report.translated += 1
            key = _parts(message_id)[0]
            wanted = set(_PLACEHOLDER.findall(key))
            if any(set(_PLACEHOLDER.findall(s)) != wanted for s in strings):
                report.placeholder_mismatches.append(key)
            if isinstance(message_id, tuple | list) and len(strings) != nplurals:
                report.plural_errors.append(f"{key}: {len(strings)} forms, {nplurals} expected")
            for text in strings:
                shown |= set(_PLACEHOLDER.sub("", text))
    shown.discard("\n")
    for path in (info.font_regular, info.font_bold):
        cmap = _cmap(path)
        report.missing_glyphs[Path(path).name] = sorted(c for c in shown if ord(c) not in cmap)
    return report


def build_report(locales_dir: Path = LOCALES_DIR) -> list[LocaleReport]:
    template = _read(locales_dir / "kiosk.pot")
    return [_locale_report(code, template, locales_dir) for code in SUPPORTED_LOCALES]


def report_has_gaps(reports: list[LocaleReport]) -> bool:
    return not all(r.complete for r in reports)
