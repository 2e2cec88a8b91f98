"""Labels that draw their text only when someone can see it.

Choosing a language changes every label of every screen at once, and Kivy
re-renders each label in the next frame, shown or not: 80-odd labels, each
shaped and measured word by word, for a kiosk whose traveller sees one screen
(benchmarks/kiosk_latency.py: 100-150 ms from touching a language to the next
screen, more in Arabic and Hindi). A label here on a screen that is not shown
waits, and draws when its screen is about to be shown (`on_pre_enter`, before
that screen's first frame). Labels elsewhere (the shown screen, a dialog)
draw as every Kivy label does. The waiting ones are then drawn in the frames
that follow, a few milliseconds' worth a frame, while the traveller reads: the
next screen is usually ready before it is asked for, and no frame is held up
long enough for a touch to wait.
"""

from __future__ import annotations

import time
import weakref
from collections import deque
from collections.abc import Callable
from typing import Any

from kivy.clock import Clock
from kivy.factory import Factory
from kivy.properties import BooleanProperty
from kivy.uix.button import Button
from kivy.uix.label import Label
from kivy.uix.screenmanager import Screen
from kivy.uix.togglebutton import ToggleButton

__all__ = ["OffScreenButton", "OffScreenLabel", "OffScreenToggle"]


def _hidden_screen(widget: Any) -> Any:
    """The screen `widget` is on if that screen is in a screen manager but not
    shown (a manager holds only the screens shown as its children); else None."""
    node = widget.parent
    while node is not None and node is not node.parent:
        if isinstance(node, Screen):
            return node if node.manager is not None and node.parent is None else None
        node = node.parent
    return None


# Drawing waiting labels in idle frames: at most this long a frame (a label takes
# 0.1-2 ms, more for a long text shaped for the first time). 0 turns it off, so
# that a test sees what a screen's first frame draws by itself.
idle_budget_s = 0.006
_waiting: deque[weakref.ref[_DrawnWhenShown]] = deque()


def _draw_some(_dt: float) -> None:
    deadline = time.perf_counter() + idle_budget_s
    while _waiting and time.perf_counter() < deadline:
        label = _waiting.popleft()()
        if label is not None and label._waiting_for is not None:
            label.draw_now()
    if _waiting:
        _draw_later()


# Once a frame however often it is asked for, from the next: the shown screen's first.
_draw_soon = Clock.create_trigger(_draw_some, 0)


def _draw_later() -> None:
    if idle_budget_s > 0:
        _draw_soon()


class _DrawnWhenShown:
    """Mixed into a Label class. Kivy has already given the core label the new
    text and options when `texture_update` runs; only the drawing waits."""

    _waiting_for: Any = None  # the hidden screen whose showing draws this label
    _stale = False  # what it holds has not been drawn
    _trigger_texture: Callable[[], None]  # Label's: draw in the next frame

    def texture_update(self, *largs: Any) -> None:
        screen = _hidden_screen(self)
        if screen is None:
            self.draw_now()
            return
        self._stale = True
        if self._waiting_for is not screen:
            self._stop_waiting()
            self._waiting_for = screen
            screen.fbind("on_pre_enter", self._screen_shown)
            _waiting.append(weakref.ref(self))
            _draw_later()

    def draw_now(self) -> None:
        """Draw the text it holds, shown or not."""
        self._stop_waiting()
        self._stale = False
        super().texture_update()  # type: ignore[misc]

    def on_parent(self, _widget: Any, parent: Any) -> None:
        # Kivy draws a label again only when what it holds changes, not when it
        # moves: one still to draw looks again where it is now. One removed waits
        # for no screen (which would keep it alive, and draw it for nothing).
        if self._stale:
            self._stop_waiting()
            if parent is not None:
                self._trigger_texture()

    def _screen_shown(self, *_args: Any) -> None:
        self._stop_waiting()
        self.texture_update()  # a label moved off that screen meanwhile waits again

    def _stop_waiting(self) -> None:
        if self._waiting_for is not None:
            self._waiting_for.funbind("on_pre_enter", self._screen_shown)
            self._waiting_for = None


class OffScreenLabel(_DrawnWhenShown, Label):  # type: ignore[misc]
    pass


class OffScreenButton(_DrawnWhenShown, Button):  # type: ignore[misc]
    pass


class OffScreenToggle(_DrawnWhenShown, ToggleButton):  # type: ignore[misc]
    # A finger is on it but a scrolling list has not yet handed it the touch
    # (scroll_column.py): its frame shows that, its state stays what was chosen.
    touched = BooleanProperty(False)


for _cls in (OffScreenLabel, OffScreenButton, OffScreenToggle):
    Factory.register(_cls.__name__, cls=_cls)
