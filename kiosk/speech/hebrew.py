"""Pointed Hebrew (full niqqud, as in locales/he/LC_MESSAGES/speech.po) as
espeak-ng 1.51 can read it.

Its Hebrew rules read vowel points, but spell a word out in English ("Hebrew
dagesh", "Hebrew shin dot") when it meets a mark where they expect none. Measured
with `espeak-ng -v he -x`, it reads correctly:
- a dagesh only in bet, kaf and pe (b, k, p rather than v, kh, f), and only when
  it comes before the vowel point (Unicode's canonical order puts it after);
  in a vav it is shuruk ("u"). Elsewhere (doubling) it changes no sound in
  Israeli Hebrew and is dropped;
- shin without its dot (the dot is dropped) and sin written as samekh (the same
  sound);
- holam only on a vav: a consonant's holam becomes vav with holam (לֹא: לוֹא);
- no maqaf: it becomes a space; a doubled consonantal yod is one yod.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["for_espeak"]

_DAGESH, _SHIN_DOT, _SIN_DOT, _HOLAM, _MAQAF = "\u05bc", "\u05c1", "\u05c2", "\u05b9", "\u05be"
_HARD = frozenset("בכךפף")
# A Hebrew letter and the points on it.
_POINTED = re.compile("([\u05d0-\u05ea])([\u0591-\u05c7]+)")


def _letter(match: re.Match[str]) -> str:
    letter, marks = match.group(1), match.group(2)
    if _SIN_DOT in marks:
        letter = "ס"
    kept = [m for m in marks if m not in (_SHIN_DOT, _SIN_DOT, _DAGESH)]
    if _DAGESH in marks and (letter in _HARD or letter == "ו"):
        kept.insert(0, _DAGESH)  # before the vowel, where espeak-ng looks for it
    if _HOLAM in kept and letter != "ו":
        kept.remove(_HOLAM)
        return letter + "".join(kept) + "ו" + _HOLAM
    return letter + "".join(kept)


def for_espeak(text: str) -> str:
    """`text` unchanged where it has no Hebrew points."""
    if not any("\u0591" <= c <= "\u05c7" for c in text):
        return text
    text = unicodedata.normalize("NFD", text).replace(_MAQAF, " ")
    # A doubled consonantal yod (ktiv male, חַיְּיגוּ) is one yod to the ear.
    return _POINTED.sub(_letter, text).replace("י\u05b0י", "י")
