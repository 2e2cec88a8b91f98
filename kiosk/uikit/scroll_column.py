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

__all__ = ["FitScrollView", "ScrollColumn"]


class FitScrollView(ScrollView):  # type: ignore[misc]
    """A vertical ScrollView that scrolls only when its content is taller than it.

    A ScrollView holds every touch back (Kivy's scroll_timeout, 250 ms) to tell a
    scroll from a press, so a button in it showed it was pressed only then. Where
    the content fits there is nothing to scroll, and the touch goes to the button
    at once."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.do_scroll_x = False
        self.bind(height=self._scroll_if_needed)

    def add_widget(self, widget: Any, *args: Any, **kwargs: Any) -> None:
        super().add_widget(widget, *args, **kwargs)
        widget.bind(height=self._scroll_if_needed)
        self._scroll_if_needed()

    def _scroll_if_needed(self, *_args: Any) -> None:
        content = self.children[0] if self.children else None
        self.do_scroll_y = content is not None and content.height > self.height
        if not self.do_scroll_y:
            # The top in view: Kivy springs a list back only while it may scroll.
            self.scroll_y = 1


class ScrollColumn(FitScrollView):
    """A FitScrollView around a vertical column that the .kv children go into."""

    spacing = NumericProperty(0)  # between the children, as in a BoxLayout

    def __init__(self, **kwargs: Any) -> None:
        self.column = BoxLayout(orientation="vertical", size_hint_y=None)
        super().__init__(**kwargs)
        self.bind(spacing=self.column.setter("spacing"))
        self.column.spacing = self.spacing
        self.bar_width = dp(10)
        self.scroll_type = ["bars", "content"]
        self.column.bind(minimum_height=self.column.setter("height"))
        super().add_widget(self.column)

    def _scroll_if_needed(self, *_args: Any) -> None:
        super()._scroll_if_needed()
        # Room for the scroll bar, drawn over the right edge while it can scroll:
        # the ends of lines (the starts, right to left) went under it.
        self.column.padding = [0, 0, self.bar_width + dp(6) if self.do_scroll_y else 0, 0]

    def add_widget(self, widget: Any, *args: Any, **kwargs: Any) -> None:
        if widget is self.column:
            super().add_widget(widget, *args, **kwargs)
        else:
            self.column.add_widget(widget, *args, **kwargs)

    def remove_widget(self, widget: Any, *args: Any, **kwargs: Any) -> None:
        if widget is self.column:
            super().remove_widget(widget, *args, **kwargs)
        else:
            self.column.remove_widget(widget, *args, **kwargs)


Factory.register("FitScrollView", cls=FitScrollView)
Factory.register("ScrollColumn", cls=ScrollColumn)
