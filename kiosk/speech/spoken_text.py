"""The text an engine is given for what the screen shows, where they differ.

Hebrew is shown without vowel points, as Hebrew signs are, but espeak-ng reads
unpointed Hebrew by guessing the vowels. `locales/he/LC_MESSAGES/speech.po`
holds each Hebrew string with full niqqud (msgid: the English msgid, as in
kiosk.po); the speaker reads that twin of every line it recognises, and the
shown line where it has none.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from babel.messages.pofile import read_po

from kiosk.resources import LOCALES_DIR

__all__ = ["SPEECH_DOMAIN", "speech_text", "twins"]

SPEECH_DOMAIN = "speech"
_FIELD = re.compile(r"\{(\w+)\}")


def _strings(path: Path, locale: str) -> dict[str, tuple[str, ...]]:
    with path.open("rb") as f:
        catalog = read_po(f, locale=locale)
    found: dict[str, tuple[str, ...]] = {}
    for message in catalog:
        if not message.id or not message.string:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        text = message.string
        found[key] = (text,) if isinstance(text, str) else tuple(text)
    return found


@functools.cache
def twins(locale: str, locales_dir: Path = LOCALES_DIR) -> dict[str, str]:
    """Shown string (with its {placeholders}) -> the string to speak."""
    folder = locales_dir / locale / "LC_MESSAGES"
    speech = folder / f"{SPEECH_DOMAIN}.po"
    if not speech.exists():
        return {}
    shown = _strings(folder / "kiosk.po", locale)
    pairs: dict[str, str] = {}
    for msgid, spoken in _strings(speech, locale).items():
        for text, said in zip(shown.get(msgid, ()), spoken, strict=False):
            if said:
                pairs[text] = said
    return pairs


@functools.cache
def _patterns(locale: str) -> tuple[tuple[re.Pattern[str], str], ...]:
    """A pattern for each shown string with placeholders, to recognise it filled in."""
    found = []
    for text, said in twins(locale).items():
        if _FIELD.search(text):
            parts = _FIELD.split(text)  # literal, name, literal, name, ...
            regex = "".join(
                re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts)
            )
            try:
                found.append((re.compile(regex, re.DOTALL), said))
            except re.error:  # a placeholder twice in one string: read it as shown
                continue
    return tuple(found)


def _line(locale: str, line: str) -> str | None:
    said = twins(locale).get(line)
    if said is not None:
        return said
    for pattern, template in _patterns(locale):
        match = pattern.fullmatch(line)
        if match:
            return template.format(**match.groupdict())
    # A switch's name followed by "(on)": two strings on one line.
    head, _, tail = line.rpartition(" ")
    if head and tail:
        first, second = _line(locale, head), twins(locale).get(tail)
        if first is not None and second is not None:
            return f"{first} {second}"
    return None


def speech_text(locale: str, shown: str) -> str:
    """What to give the engine for `shown` (lines of screen text) in `locale`."""
    if not twins(locale):
        return shown
    lines = shown.split("\n")
    return "\n".join(_line(locale, line.strip()) or line for line in lines)
