"""The keypad's focus frame: a thick two-band outline around the focused control.

Drawn outside the control, over everything (a dialog too), in two bands of
`BAND` each: the inner band in the ink that stands out most from the
control's own colour, the outer band in the ink that stands out most from the
ground the control sits on. Whatever the palette (kiosk/uikit/theme.py), and
wherever the control is (a blue button on a white screen, a light toggle, the
speaker on the red emergency bar, a black button in high contrast with its
yellow border), the frame keeps 3:1 or more against both (WCAG 2.2 2.4.13,
1.4.11); the inks are checked against every palette pair in the tests.
"""

from __future__ import annotations

from typing import Any

from kivy.core.window import Window
from kivy.graphics import Color, Rectangle
from kivy.metrics import dp
from kivy.uix.widget import Widget

from kiosk.uikit.theme import BLACK, RGBA, WHITE, YELLOW, contrast_ratio

__all__ = ["BAND", "INKS", "FocusFrame", "ink_against"]

INKS: tuple[RGBA, ...] = (BLACK, WHITE, YELLOW)
BAND = 3.0  # dp, each of the two bands


def ink_against(colour: Any) -> RGBA:
    """Of the frame's inks, the one with the most contrast to `colour`."""
    rgba = _opaque(colour)
    return max(INKS, key=lambda ink: contrast_ratio(ink, rgba))


def _opaque(colour: Any) -> RGBA:
    r, g, b, *rest = (float(c) for c in colour)
    return (r, g, b, 1.0) if not rest or rest[0] > 0 else (1.0, 1.0, 1.0, 1.0)


def surface_under(widget: Any) -> RGBA:
    """The colour a control is drawn on: its nearest parent's `surface_color`."""
    parent = widget.parent
    while parent is not None and parent is not parent.parent:
        if getattr(parent, "surface_color", None) is not None:
            return _opaque(parent.surface_color)
        parent = parent.parent
    return WHITE


class FocusFrame(Widget):  # type: ignore[misc]
    """Placed on the window; `show(control)` frames it, `hide()` removes the frame."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(size_hint=(None, None), size=(0, 0), **kwargs)
        self.target: Any = None
        self.inks: tuple[RGBA, RGBA] = (BLACK, WHITE)  # inner band, outer band
        self._drawn: tuple[Any, ...] = ()

    def show(self, control: Any) -> None:
        self.target = control
        self.update()

    def hide(self) -> None:
        self.target = None
        self._drawn = ()
        self.canvas.clear()

    def update(self, *_args: Any) -> None:
        """Follow the control (a list scrolls, a layout changes, the palette switches)."""
        control = self.target
        if control is None:
            return
        x, y = control.to_window(control.x, control.y)
        # Kept on the window: a control at its edge (the speaker) is framed just inside.
        edge = 2 * dp(BAND)
        x0, y0 = max(x, edge), max(y, edge)
        x1 = min(x + control.width, Window.width - edge)
        y1 = min(y + control.height, Window.height - edge)
        rect = (round(x0), round(y0), round(x1 - x0), round(y1 - y0))
        inner = ink_against(getattr(control, "background_color", WHITE))
        outer = ink_against(surface_under(control))
        drawn = (rect, inner, outer)
        if drawn == self._drawn:
            return
        self._drawn, self.inks = drawn, (inner, outer)
        band = dp(BAND)
        self.canvas.clear()
        with self.canvas:
            Color(rgba=outer)
            _ring(rect, band, 2 * band)
            Color(rgba=inner)
            _ring(rect, 0, band)

    def rings(self) -> dict[str, Any]:
        """Where the bands are drawn and in which inks (for tests)."""
        if not self._drawn:
            return {}
        rect, inner, outer = self._drawn
        return {"rect": list(rect), "band": dp(BAND), "inner": list(inner), "outer": list(outer)}


def _ring(rect: tuple[int, int, int, int], gap: float, width: float) -> None:
    """A band from `gap` to `width` outside `rect`, as four rectangles."""
    x, y, w, h = rect
    x0, y0, x1, y1 = x - width, y - width, x + w + width, y + h + width
    band = width - gap
    Rectangle(pos=(x0, y0), size=(x1 - x0, band))  # below
    Rectangle(pos=(x0, y1 - band), size=(x1 - x0, band))  # above
    Rectangle(pos=(x0, y0), size=(band, y1 - y0))  # start
    Rectangle(pos=(x1 - band, y0), size=(band, y1 - y0))  # end
