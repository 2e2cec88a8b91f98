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

__all__ = ["for_rtl_label", "needs_bidi"]

_LTR_CLASSES = frozenset({"L", "EN", "AN"})


def needs_bidi(text: str) -> bool:
    return any(unicodedata.bidirectional(ch) in _LTR_CLASSES for ch in text)


def for_rtl_label(text: str) -> str:
    """The string to give a Kivy label with font_direction="rtl"."""
    if not needs_bidi(text):
        return text
    return "\n".join(get_display(line, base_dir="R")[::-1] for line in text.split("\n"))
