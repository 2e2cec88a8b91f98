"""The low-reach layout: on a portrait window the screens fill only its lower
part, within reach when seated; above them a panel shows where this is and
the emergency number, with nothing to press. Landscape is low already."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.clock import Clock
from kivy.core.window import Window

__all__ = ["ReachLayout"]


class ReachLayout:
    """`fraction`: the screens' share of the window's height in low reach;
    `root`: the app's screen manager once built; `low_reach`: the mode."""

    def __init__(
        self, fraction: float, root: Callable[[], Any], low_reach: Callable[[], bool]
    ) -> None:
        self.fraction = fraction
        self._root = root
        self._low_reach = low_reach
        self._panel: Any = None

    def attach(self) -> None:
        """Put the panel on the window, and place the screens whenever it resizes."""
        from kivy.factory import Factory

        self._panel = Factory.ReachPanel()
        Window.add_widget(self._panel)
        Window.bind(size=lambda *_a: self.place())
        Clock.schedule_once(lambda _dt: self.place(), 0)

    @property
    def active(self) -> bool:
        """Low reach moves controls down on a portrait screen; landscape is low already."""
        return self._low_reach() and Window.height > Window.width

    def place(self) -> None:
        manager = self._root()
        if manager is None or self._panel is None:
            return
        share = self.fraction if self.active else 1.0
        manager.size_hint = (1, share)
        manager.pos_hint = {"x": 0, "y": 0}
        self._panel.size_hint = (1, 1 - share)
        self._panel.pos_hint = {"x": 0, "top": 1}
        self._panel.opacity = 1 if share < 1 else 0
        Window.update_childsize([manager, self._panel])
