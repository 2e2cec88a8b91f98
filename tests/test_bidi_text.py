"""Latin codes and digits inside right-to-left lines appear in bidi order.

Kivy's SDL2 provider lays out a line as one RTL run: the glyph for the first
character ends up rightmost. So what a reader sees, left to right, is the
string we hand Kivy reversed; that must equal the Unicode bidi algorithm's
visual order (python-bidi), while Arabic stays in logical order for shaping.
"""

from __future__ import annotations

import pytest
from bidi import get_display

from kiosk.i18n.bidi_text import for_rtl_label, isolate

CASES = [
    "للطوارئ: اتصلوا بالرقم 112",
    "رمز طلبكم A7K",
    "الرصيف 3 ثم الرصيف 12",
    "שלום A7K עולם 42",
    "مرحبا",
]


@pytest.mark.parametrize("text", CASES)
def test_what_the_reader_sees_is_the_bidi_visual_order(text: str) -> None:
    shown_left_to_right = for_rtl_label(text)[::-1]
    assert shown_left_to_right == get_display(text, base_dir="R")


def test_arabic_words_stay_in_logical_order_for_shaping() -> None:
    prepared = for_rtl_label("للطوارئ: اتصلوا بالرقم 112")
    assert prepared.startswith("للطوارئ: اتصلوا بالرقم")
    assert prepared.endswith("211")  # reversed here, so the RTL layout shows 112


def test_an_isolated_place_name_reads_left_to_right_and_does_not_wrap() -> None:
    text = "موقع هذا الجهاز (" + isolate("Platform 3, north stairs") + ")."
    shown = for_rtl_label(text)[::-1]
    assert "Platform\u00a03,\u00a0north\u00a0stairs" in shown
    assert not set(shown) & {"\u2068", "\u2069"}  # no invisible marks left to draw as boxes


def test_pure_arabic_is_untouched() -> None:
    assert for_rtl_label("مرحبا بكم") == "مرحبا بكم"
