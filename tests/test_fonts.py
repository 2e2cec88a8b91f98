"""What the shipped fonts carry beyond their glyphs (packaging/fonts/build_fonts.py)."""

from __future__ import annotations

import pytest
from fontTools.ttLib import TTFont

from kiosk.i18n.locales import locale_info


@pytest.mark.parametrize("style", ["font_regular", "font_bold"])
def test_freetype_is_kept_from_auto_hinting_the_nastaliq_font(style: str) -> None:
    # FreeType auto-hints a TrueType font with no instructions, and the auto-hinter's
    # set-up walks every GSUB lookup (Nastaliq has 183) again for each size SDL_ttf
    # opens: 26-40 ms a size, a traveller's first Urdu screen about 240 ms later.
    font = TTFont(getattr(locale_info("ur"), style))
    assert "prep" in font
    (only,) = font["prep"].program.getAssembly()  # one instruction, which changes nothing
    assert only.startswith("SVTCA[0]")
