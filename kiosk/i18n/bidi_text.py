"""Mixed-direction text for Kivy's SDL2 provider.

Kivy hands each line to HarfBuzz as one run with one direction. In a
right-to-left line that reverses embedded left-to-right runs too: "112" would
show as "211" and "A7K" as "K7A". We therefore give Kivy, for RTL text, the
reverse of the Unicode bidi algorithm's visual order (python-bidi): Arabic
and Hebrew come back to logical order (so HarfBuzz still joins and shapes
them), while LTR runs come out pre-reversed, and HarfBuzz's RTL layout turns
them the right way round. Mirrored brackets inside RTL runs are left to
HarfBuzz, which mirrors every bracket of an RTL buffer.
"""

from __future__ import annotations

import unicodedata

from bidi import get_display

__all__ = ["for_rtl_label", "isolate", "needs_bidi"]

_LTR_CLASSES = frozenset({"L", "EN", "AN"})
_FSI, _PDI = "\u2068", "\u2069"
# Format characters the bidi algorithm reads but fonts have no glyph for.
_INVISIBLE = str.maketrans(
    "", "", "\u2066\u2067\u2068\u2069\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
)


def needs_bidi(text: str) -> bool:
    return any(unicodedata.bidirectional(ch) in _LTR_CLASSES for ch in text)


def isolate(value: str) -> str:
    """A value placed into right-to-left text ("Platform 3", a station name).

    The isolate keeps it one run in its own direction; no-break spaces keep
    Kivy from wrapping inside it, which would put its words in the wrong order.
    """
    if not needs_bidi(value):
        return value
    return _FSI + value.replace(" ", "\u00a0") + _PDI


def for_rtl_label(text: str) -> str:
    """The string to give a Kivy label with font_direction="rtl"."""
    if not needs_bidi(text):
        return text.translate(_INVISIBLE)
    visual = (get_display(line, base_dir="R")[::-1] for line in text.split("\n"))
    return "\n".join(line.translate(_INVISIBLE) for line in visual)
