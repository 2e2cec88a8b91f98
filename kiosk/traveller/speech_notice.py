"""The speaker button in a language the kiosk cannot read aloud (no engine reads
it correctly, or its engine is missing): say so on screen, in that language,
over the screen, instead of silence or speech in the wrong language."""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.metrics import dp, sp

from kiosk.i18n import N_, locale_info
from kiosk.traveller.speech import Speaker
from kiosk.uikit.offscreen_text import OffScreenLabel
from kiosk.uikit.reachable_modal import ReachableModal
from kiosk.uikit.translator import tr

__all__ = ["NOT_SPOKEN", "say_or_show"]

# Translators: shown (not spoken) when the speaker is pressed in a language the kiosk cannot read.
NOT_SPOKEN = N_("Spoken instructions are not available in this language.")
_SHOWN_SECONDS = 8.0


def say_or_show(app: Any, speaker: Speaker, text: str, locale: str) -> bool:
    """Read `text` aloud in `locale`, or show why it cannot be."""
    if speaker.say(text, locale):
        return True
    show_not_spoken(app, locale)
    return False


def show_not_spoken(app: Any, locale: str) -> ReachableModal:
    info = locale_info(locale)
    notice = ReachableModal(
        size_hint=(0.9, None),
        height=dp(120),
        background="",
        background_color=app.palette.background,
        overlay_color=(0, 0, 0, 0.3),
    )
    label = OffScreenLabel(
        text=tr.in_language(locale, NOT_SPOKEN),
        font_name=info.font_regular,
        font_script_name=info.script,
        font_direction=info.direction,
        font_size=sp(26),
        halign="right" if info.is_rtl else "left",
        valign="middle",
        color=app.palette.text,
        padding=(dp(24), dp(16)),
    )
    label.bind(width=lambda w, width: setattr(w, "text_size", (width, None)))
    label.bind(texture_size=lambda _w, size: setattr(notice, "height", size[1] + dp(8)))
    notice.add_widget(label)
    notice.open()
    Clock.schedule_once(lambda _dt: notice.dismiss(), _SHOWN_SECONDS)
    return notice
