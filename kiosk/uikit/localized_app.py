"""A Kivy App whose labels follow the current language: font, script, direction."""

from __future__ import annotations

from pathlib import Path

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import BooleanProperty, StringProperty

from kiosk.i18n import locale_info
from kiosk.uikit import mirror_row  # noqa: F401 - registers MirrorRow for the kv files
from kiosk.uikit.translator import tr

__all__ = ["LocalizedApp", "load_kv"]

_WIDGETS_KV = Path(__file__).with_name("widgets.kv")


def load_kv(*paths: Path) -> None:
    for path in (_WIDGETS_KV, *paths):
        Builder.load_file(str(path))


class LocalizedApp(App):  # type: ignore[misc]
    language = StringProperty("en")
    font_regular = StringProperty("")
    font_bold = StringProperty("")
    font_script = StringProperty("Latn")
    text_direction = StringProperty("ltr")
    is_rtl = BooleanProperty(False)

    def apply_language(self, code: str) -> None:
        info = locale_info(code)
        tr.switch(code)
        # Fonts and direction first, so labels re-render once with all of them.
        self.font_regular = info.font_regular
        self.font_bold = info.font_bold
        self.font_script = info.script
        self.text_direction = info.direction
        self.is_rtl = info.is_rtl
        self.language = code
