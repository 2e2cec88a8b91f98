"""A horizontal row that mirrors for right-to-left languages.

Kivy 2.3's BoxLayout has no right-to-left orientation, so the row reverses
its children when `rtl` changes: "Back" sits where a reader of the language
expects it.
"""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.properties import BooleanProperty
from kivy.uix.boxlayout import BoxLayout

__all__ = ["MirrorRow"]


class MirrorRow(BoxLayout):  # type: ignore[misc]
    rtl = BooleanProperty(False)

    def __init__(self, **kwargs: Any) -> None:
        self._mirrored = False
        super().__init__(**kwargs)

    def on_rtl(self, _instance: Any, rtl: bool) -> None:
        if rtl == self._mirrored:
            return
        self._mirrored = rtl
        children = list(self.children)
        self.clear_widgets()
        for child in children:  # self.children is in reverse order: re-adding flips it
            self.add_widget(child)


Factory.register("MirrorRow", cls=MirrorRow)
