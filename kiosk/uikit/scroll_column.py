"""A vertical column that scrolls when its content is taller than the room it has,
and only then.

Children written under it in .kv go into the inner column, so a screen's text
never gets clipped at large text sizes: it scrolls instead (WCAG 1.4.4, 1.4.10).

Where it scrolls, a touch shows at once on the button under the finger: Kivy's
ScrollView holds a touch back for 250 ms to tell a scroll from a press (Kivy
2.3.1's scrollview.py, whose touch bookkeeping this reads; pinned in
pyproject.toml). A tap shorter than that reaches the button at the lift, as in
Kivy.
"""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.metrics import dp
from kivy.properties import NumericProperty
from kivy.uix.behaviors import ButtonBehavior, ToggleButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.scrollview import ScrollView

__all__ = ["FitScrollView", "ScrollColumn"]


class FitScrollView(ScrollView):  # type: ignore[misc]
    """A vertical ScrollView that scrolls only when its content is taller than it.

    A ScrollView holds every touch back (Kivy's scroll_timeout, 250 ms) to tell a
    scroll from a press, so a button in it showed it was pressed only then. Where
    the content fits there is nothing to scroll, and the touch goes to the button
    at once. Where it does not, the button under the finger is shown pressed at
    once (a toggle by its frame: its state is whether it is chosen) until the
    touch turns out to be a scroll or the button takes it."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.do_scroll_x = False
        self.bind(height=self._scroll_if_needed)
        self._shown_pressed: Any = None  # the button shown pressed before Kivy hands it the touch
        self._shown_for: Any = None  # ... and the touch it is shown for

    # -- a press shown at once --------------------------------------------------
    def on_touch_down(self, touch: Any) -> bool:
        taken = bool(super().on_touch_down(touch))
        mode = touch.ud.get(self._get_uid())
        in_bar = touch.ud.get("in_bar_x") or touch.ud.get("in_bar_y")
        if taken and self._touch is touch and mode and not mode["user_stopped"] and not in_bar:
            self._show_pressed(touch, _button_at(self, *self.to_local(*touch.pos)))
        return taken

    def on_touch_move(self, touch: Any) -> bool:
        moved = bool(super().on_touch_move(touch))
        mode = touch.ud.get(self._get_uid())
        if touch is self._shown_for and mode and mode["mode"] == "scroll":
            self._show_pressed(None, None)  # a scroll after all
        return moved

    def on_touch_up(self, touch: Any) -> bool:
        if touch is self._shown_for:
            self._show_pressed(None, None)  # the button took the touch, or nothing did
        return bool(super().on_touch_up(touch))

    def _show_pressed(self, touch: Any, button: Any) -> None:
        """Show `button` pressed for `touch` (None: stop showing the last one)."""
        shown, shown_for = self._shown_pressed, self._shown_for
        if shown is not None:
            if isinstance(shown, ToggleButtonBehavior):
                shown.touched = False
            elif not any(w is shown for w in _grabbed_by(shown_for)):
                shown.state = "normal"  # unless it took the touch: then it is pressed indeed
        self._shown_pressed = self._shown_for = None
        if button is None:
            return
        if isinstance(button, ToggleButtonBehavior):
            # Its state is whether it is chosen: its frame shows the touch instead.
            if not hasattr(button, "touched"):
                return
            button.touched = True
        else:
            button.state = "down"
        self._shown_pressed, self._shown_for = button, touch

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


def _button_at(widget: Any, x: float, y: float) -> Any:
    """The enabled button under (x, y), in `widget`'s own coordinates, or None."""
    for child in widget.children:
        if not child.collide_point(x, y):
            continue
        if isinstance(child, ButtonBehavior):
            return None if child.disabled else child
        found = _button_at(child, *child.to_local(x, y))
        if found is not None:
            return found
    return None


def _grabbed_by(touch: Any) -> list[Any]:
    return [w for w in (ref() for ref in touch.grab_list) if w is not None]


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
