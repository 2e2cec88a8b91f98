"""Mixed Arabic, Latin and digits come out of the shaper in bidi order.

HarfBuzz is the shaper behind Kivy's SDL2 text provider. We shape the string
the app hands a right-to-left label, with the locale's own font, script and
direction as the label sets them, and read the glyphs left to right: the
codes and numbers must appear as the Unicode bidi algorithm orders them.
"""

from __future__ import annotations

import unicodedata

import pytest
import uharfbuzz as hb
from bidi import get_display

from kiosk.i18n import locale_info
from kiosk.i18n.bidi_text import for_rtl_label, isolate

CASES = [
    ("ar", "رمز طلبكم A7K"),
    ("ar", "للطوارئ: اتصلوا بالرقم 112"),
    ("ar", "الرصيف 3 ثم الرصيف 12"),
    ("ar", "موقع هذا الجهاز (" + isolate("Platform 3, north stairs") + ")."),
    ("fa", "شماره درخواست شما: T9K"),
    ("ur", "ایمرجنسی: 112 پر کال کریں"),
    ("he", "חירום: חייגו 112, קוד A7K"),
]


def _ltr(text: str) -> str:
    """Only the characters whose order is at stake: letters of LTR scripts and digits."""
    return "".join(ch for ch in text if unicodedata.bidirectional(ch) in {"L", "EN", "AN"})


def _shaped_left_to_right(code: str, prepared: str) -> str:
    info = locale_info(code)
    with open(info.font_regular, "rb") as f:
        font = hb.Font(hb.Face(f.read()))
    buffer = hb.Buffer()
    buffer.add_codepoints([ord(ch) for ch in prepared])
    buffer.direction = info.direction
    buffer.script = info.script
    buffer.language = code
    hb.shape(font, buffer, {})
    seen: set[int] = set()
    order = []
    for glyph in buffer.glyph_infos:  # HarfBuzz returns glyphs in visual order
        if glyph.cluster not in seen:
            seen.add(glyph.cluster)
            order.append(prepared[glyph.cluster])
    return "".join(order)


@pytest.mark.parametrize(("code", "text"), CASES)
def test_codes_and_numbers_appear_in_bidi_order(code: str, text: str) -> None:
    prepared = for_rtl_label(text)
    shown = _shaped_left_to_right(code, prepared)
    assert _ltr(shown) == _ltr(get_display(text, base_dir="R"))


def test_without_the_preparation_a_single_rtl_run_reverses_codes() -> None:
    """Why the preparation exists: the raw string comes out as "K7A" and "211"."""
    shown = _ltr(_shaped_left_to_right("ar", "رمز A7K رقم 112"))
    assert shown == "211K7A"
