"""The colour themes meet WCAG's contrast ratios, computed from the very colours
widgets.kv draws with (kiosk/uikit/theme.py), and touch targets are 20 mm."""

from __future__ import annotations

import pytest

from kiosk.uikit.theme import HIGH_CONTRAST, NORMAL, TEXT_PAIRS, contrast_ratio, min_target_px


def test_the_contrast_formula_matches_wcag() -> None:
    white, black = (1.0, 1.0, 1.0, 1.0), (0.0, 0.0, 0.0, 1.0)
    assert contrast_ratio(white, black) == pytest.approx(21.0)
    assert contrast_ratio(white, white) == pytest.approx(1.0)
    # #767676 on white is the classic 4.54:1.
    grey = (0x76 / 255, 0x76 / 255, 0x76 / 255, 1.0)
    assert contrast_ratio(grey, white) == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize(("palette", "minimum"), [(NORMAL, 4.5), (HIGH_CONTRAST, 7.0)])
def test_every_text_on_its_ground_has_enough_contrast(palette: object, minimum: float) -> None:
    low = {
        f"{fg} on {bg}": round(contrast_ratio(getattr(palette, fg), getattr(palette, bg)), 2)
        for fg, bg in TEXT_PAIRS
        if contrast_ratio(getattr(palette, fg), getattr(palette, bg)) < minimum
    }
    assert low == {}


def test_high_contrast_buttons_stand_out_from_the_screen_and_a_press_shows() -> None:
    hc = HIGH_CONTRAST
    # The button's frame against the screen (WCAG 1.4.11 asks 3:1; we keep 7:1).
    assert contrast_ratio(hc.border, hc.background) >= 7
    assert hc.border_width >= 2
    # Pressed inverts: the pressed ground differs strongly from the resting one.
    for rest, down in ((hc.button, hc.button_down), (hc.quiet, hc.quiet_down)):
        assert contrast_ratio(rest, down) >= 7


def test_touch_targets_are_20_mm_on_the_panel_and_never_below_44_px() -> None:
    # 21.5" 1080x1920: 102 dpi, so 20 mm is about 80 px.
    assert min_target_px(102) == pytest.approx(80.3, abs=0.1)
    assert min_target_px(30) == 44  # a very coarse panel still gets WCAG 2.5.5's 44 px
