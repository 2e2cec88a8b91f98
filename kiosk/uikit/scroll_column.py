"""A vertical column that scrolls when its content is taller than the room it has,
and only then.

Children written under it in .kv go into the inner column, so a screen's text
never gets clipped at large text sizes: it scrolls instead (WCAG 1.4.4, 1.4.10).
"""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.metrics import dp
from kivy.properties import NumericProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.scrollview import ScrollView

__all__ = ["ScrollColumn"]


class ScrollColumn(ScrollView):  # type: ignore[misc]
    spacing = NumericProperty(0)  # between the children, as in a BoxLayout

    def __init__(self, **kwargs: Any) -> None:
        self.column = BoxLayout(orientation="vertical", size_hint_y=None)
        super().__init__(**kwargs)
        self.bind(spacing=self.column.setter("spacing"))
        self.column.spacing = self.spacing
        self.do_scroll_x = False
        self.bar_width = dp(10)
        self.scroll_type = ["bars", "content"]
        self.column.bind(minimum_height=self.column.setter("height"))
        self.bind(height=self._scroll_if_needed)
        self.column.bind(height=self._scroll_if_needed)
        super().add_widget(self.column)

    def _scroll_if_needed(self, *_args: Any) -> None:
        """A ScrollView holds every touch back (Kivy's scroll_timeout, 250 ms) to
        tell a scroll from a press: a button in it showed it was pressed only then.
        Where the content fits there is nothing to scroll, and the touch goes to
        the button at once."""
        self.do_scroll_y = self.column.height > self.height
        if not self.do_scroll_y:
            self.scroll_y = 1  # the top in view, as when it last had room

    def add_widget(self, widget: Any, *args: Any, **kwargs: Any) -> None:
        self.column.add_widget(widget, *args, **kwargs)

    def remove_widget(self, widget: Any, *args: Any, **kwargs: Any) -> None:
        if widget is self.column:
            super().remove_widget(widget, *args, **kwargs)
        else:
            self.column.remove_widget(widget, *args, **kwargs)


Factory.register("ScrollColumn", cls=ScrollColumn)
