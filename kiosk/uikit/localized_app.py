"""A Kivy App whose labels follow the current language: font, script, direction."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty

from kiosk.i18n import N_, load_translations, locale_info
from kiosk.uikit import (  # noqa: F401 - kv widgets
    mirror_row,
    offscreen_text,
    reachable_modal,
    scroll_column,
)
from kiosk.uikit.theme import NORMAL
from kiosk.uikit.translator import tr

__all__ = ["LocalizedApp", "load_kv"]

_WIDGETS_KV = Path(__file__).with_name("widgets.kv")
# Translators: spoken (not shown) after the name of a switch that is on, e.g. "High contrast (on)".
_SWITCH_ON = N_("(on)")


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
    has_speech = BooleanProperty(False)  # a speech engine is installed: show the speaker
    # What widgets.kv binds to: the colour theme and the smallest touch target (px).
    palette = ObjectProperty(NORMAL, rebind=True)  # rebind: kv follows a new palette
    min_target = NumericProperty(44)
    # Speech volume, as a step of `volume_steps` (the speaker bar shows it).
    volume_level = NumericProperty(0)
    volume_steps = NumericProperty(1)

    def read_aloud(self) -> None:
        """Apps that speak override this."""

    def change_volume(self, steps: int) -> None:
        """Apps that speak override this."""

    def screen_texts(self, locale: str | None = None) -> str:
        """The current screen's visible text in reading order, for speech; a
        switch that is on is followed by "(on)" in `locale` (EN 301 549 5.6.1)."""
        from kivy.uix.label import Label
        from kivy.uix.togglebutton import ToggleButton

        def walk(widget: Any) -> list[Any]:
            found = [widget]
            for child in widget.children:
                found.extend(walk(child))
            return found

        labels = [
            w
            for w in walk(self.root.current_screen)
            if isinstance(w, Label) and w.text.strip() and w.opacity > 0 and w.height > 0
        ]
        # Top to bottom, then in the reading direction of the line.
        labels.sort(
            key=lambda w: (-round(w.to_window(w.x, w.top)[1]), -w.x if self.is_rtl else w.x)
        )
        on = load_translations(locale or self.language).gettext(_SWITCH_ON)

        def spoken(w: Any) -> str:
            text = tr.logical(w.text)
            return f"{text} {on}" if isinstance(w, ToggleButton) and w.state == "down" else text

        return "\n".join(spoken(w) for w in labels)

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
