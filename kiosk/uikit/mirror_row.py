"""A horizontal row that mirrors for right-to-left languages, and one that
stacks its children when it is too narrow for them side by side.

Kivy 2.3's BoxLayout has no right-to-left orientation, so the row reverses
its children when `rtl` changes: "Back" sits where a reader of the language
expects it. A stacked row reads top to bottom in every language, so it is
never mirrored.
"""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.properties import BooleanProperty, NumericProperty
from kivy.uix.boxlayout import BoxLayout

__all__ = ["MirrorRow", "StackingRow"]


class MirrorRow(BoxLayout):  # type: ignore[misc]
    rtl = BooleanProperty(False)

    def __init__(self, **kwargs: Any) -> None:
        self._mirrored = False
        super().__init__(**kwargs)
        self.bind(orientation=self._arrange)

    def on_rtl(self, *_args: Any) -> None:
        self._arrange()

    def _arrange(self, *_args: Any) -> None:
        mirrored = self.rtl and self.orientation == "horizontal"
        if mirrored == self._mirrored:
            return
        self._mirrored = mirrored
        children = list(self.children)
        self.clear_widgets()
        for child in children:  # self.children is in reverse order: re-adding flips it
            self.add_widget(child)


class StackingRow(MirrorRow):
    """Side by side when at least `stack_below` px wide, else one under the other
    (a phone held upright): each child then gets the full width, so no word is
    broken and every button stays a large target."""

    stack_below = NumericProperty(0)

    def on_size(self, *_args: Any) -> None:
        self._choose()

    def on_stack_below(self, *_args: Any) -> None:
        self._choose()

    def _choose(self) -> None:
        self.orientation = "vertical" if self.width < self.stack_below else "horizontal"


Factory.register("MirrorRow", cls=MirrorRow)
Factory.register("StackingRow", cls=StackingRow)
