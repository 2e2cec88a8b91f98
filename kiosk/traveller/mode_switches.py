"""How wide the start screen must be for its three mode switches to sit side by
side with no word of their labels broken, in any offered language.

The switches' labels change language with the attract title every few
seconds; the row's layout must not change with them (the language list would
jump under a finger), so the width asked for is that of the widest word in
all offered languages at once. Narrower than that, the switches stack.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from kivy.core.text import Label as CoreLabel

from kiosk.i18n import locale_info
from kiosk.uikit.translator import tr

__all__ = ["widest_word_px"]


def widest_word_px(languages: Iterable[str], messages: Iterable[str], font_px: float) -> float:
    """The widest word of `messages` in any of `languages`, drawn at `font_px`.

    Text without spaces (Chinese, Japanese, Thai) counts as one word: Kivy
    breaks lines only at spaces, and elsewhere mid-word."""
    widest = 0.0
    for code in languages:
        info = locale_info(code)
        for message in messages:
            for word in tr.in_language(code, message).split():
                width = _word_px(word, info.font_bold, info.script, info.direction, font_px)
                widest = max(widest, width)
    return widest


@cache
def _word_px(word: str, font: str, script: str, direction: str, font_px: float) -> float:
    label = CoreLabel(
        text=word,
        font_name=font,
        font_size=font_px,
        font_script_name=script,
        font_direction=direction,
    )
    label.refresh()
    return float(label.texture.size[0])
