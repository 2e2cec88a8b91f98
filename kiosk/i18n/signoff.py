"""A native-speaker reviewer's sign-off, recorded per string in the catalog.

The sign-off is a translator comment above the entry in
`locales/<lang>/LC_MESSAGES/kiosk.po`:

    # reviewed: Jana Nováková 2026-03-02 5be1c0a7
    #. Translators: consent screen: who receives the request.
    msgid "Who receives it: the station staff on duty here. Nobody else can read it."
    msgstr "..."

`pybabel update` keeps translator comments (and would keep a flag too, but a
flag cannot say who and when). The last word is the fingerprint of what was
reviewed: the first 8 hex digits of SHA-256 over the English and the
translation. When either changes (a new source text, a fuzzy match carried
over by `pybabel update`, a translator's later edit), the fingerprint no
longer matches and the string counts as not signed off until reviewed again.
`kiosk i18n review` prints the exact line to add for every string.

A language is "signed off" when every must-review string
(kiosk/i18n/must_review.py) carries a current sign-off; otherwise it is a
"draft". English, the source, needs none.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from kiosk.i18n.locales import DEFAULT_LOCALE
from kiosk.i18n.must_review import MUST_REVIEW
from kiosk.resources import LOCALES_DIR

__all__ = [
    "DRAFT",
    "SIGNED_OFF",
    "SOURCE",
    "ReviewStatus",
    "SignOff",
    "fingerprint",
    "offered_languages",
    "review_status",
    "sign_off_comment",
    "sign_off_of",
    "signed_off_languages",
    "status_of",
]

SOURCE, SIGNED_OFF, DRAFT = "source", "signed off", "draft"
_SIGN_OFF = re.compile(
    r"^reviewed:\s+(?P<name>\S.*?)\s+(?P<day>\d{4}-\d{2}-\d{2})\s+(?P<fingerprint>[0-9a-f]{8})\s*$"
)


def _parts(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, tuple | list) else [str(value or "")]


def fingerprint(message: Message) -> str:
    """What a sign-off vouches for: the context, the English and the translation."""
    text = "\x04".join(
        [
            message.context or "",
            "\x00".join(_parts(message.id)),
            "\x00".join(_parts(message.string)),
        ]
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def sign_off_comment(message: Message, reviewer: str = "NAME", day: str | None = None) -> str:
    """The translator comment to add (without the leading "# ")."""
    return f"reviewed: {reviewer} {day or date.today().isoformat()} {fingerprint(message)}"


@dataclass(frozen=True, slots=True)
class SignOff:
    reviewer: str
    day: str
    current: bool  # False: the English or the translation changed since


def sign_off_of(message: Message) -> SignOff | None:
    """The message's last sign-off comment, if any."""
    for comment in reversed(message.user_comments):
        found = _SIGN_OFF.match(comment.strip())
        if found:
            current = (
                found["fingerprint"] == fingerprint(message)
                and not message.fuzzy
                and all(_parts(message.string))
            )
            return SignOff(found["name"], found["day"], current)
    return None


@dataclass(frozen=True, slots=True)
class ReviewStatus:
    must_review: int
    signed_off: int  # must-review strings with a current sign-off
    signed_off_all: int  # every string with a current sign-off
    source: bool = False

    @property
    def status(self) -> str:
        if self.source:
            return SOURCE
        return SIGNED_OFF if self.signed_off == self.must_review else DRAFT

    def to_json(self) -> dict[str, Any]:
        return {
            "must_review": self.must_review,
            "signed_off": self.signed_off,
            "signed_off_all_strings": self.signed_off_all,
            "status": self.status,
        }


def review_status(
    catalog: Catalog | None, must_review: Iterable[str] = MUST_REVIEW
) -> ReviewStatus:
    """How many must-review strings of the catalog are signed off; None: the source."""
    wanted = set(must_review)
    if catalog is None:
        return ReviewStatus(len(wanted), len(wanted), 0, source=True)
    current = set()
    for message in catalog:
        signed = sign_off_of(message) if message.id else None
        if signed is not None and signed.current:
            current.add(_parts(message.id)[0])
    return ReviewStatus(len(wanted), len(wanted & current), len(current))


@cache
def _status_of(code: str, locales_dir: Path) -> ReviewStatus:
    if code == DEFAULT_LOCALE:
        return review_status(None)
    po = locales_dir / code / "LC_MESSAGES" / "kiosk.po"
    if not po.exists():
        return ReviewStatus(len(MUST_REVIEW), 0, 0)
    with po.open("rb") as f:
        return review_status(read_po(f, locale=code))


def status_of(code: str, locales_dir: Path = LOCALES_DIR) -> ReviewStatus:
    return _status_of(code, locales_dir)


def signed_off_languages(codes: Iterable[str], locales_dir: Path = LOCALES_DIR) -> frozenset[str]:
    """The languages among `codes` whose must-review strings are all signed off
    (English, the source, always)."""
    return frozenset(c for c in codes if status_of(c, locales_dir).status != DRAFT)


def offered_languages(
    station: tuple[str, ...],
    shipped: tuple[str, ...],
    signed_off: frozenset[str] | None = None,
) -> tuple[str, ...]:
    """The languages a kiosk offers, first shown first.

    `station`: its station's list from the site manifest, default first (empty:
    every shipped language); only what this kiosk ships is offered. With
    `signed_off` (the site requires signed-off languages) the others are left
    out; if none remains, the kiosk offers English, the source.
    """
    offered = tuple(c for c in (station or shipped) if c in shipped)
    if signed_off is not None:
        offered = tuple(c for c in offered if c in signed_off or c == DEFAULT_LOCALE)
        offered = offered or (DEFAULT_LOCALE,)
    return offered
