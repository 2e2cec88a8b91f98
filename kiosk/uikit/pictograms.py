"""Pictograms for the help categories, drawn as vector shapes in the style of
ISO 7001 public information symbols and ISO 7010 safety signs (our own drawings,
not copies of the standards' artwork): a tile that reads at any size and in
every theme, beside the category's words, which stay the accessible name.

    first aid (ISO 7010 E003 style): white cross on green, for "medical help now"
    warning (ISO 7010 W001 style): black exclamation mark in a yellow triangle
"""

from __future__ import annotations

import math
from typing import Any

from kivy.graphics import Color, Ellipse, Line, Mesh, Rectangle, RoundedRectangle, Triangle
from kivy.properties import StringProperty
from kivy.uix.widget import Widget

__all__ = ["KINDS", "Pictogram"]

_WHITE = (1, 1, 1, 1)
_BLACK = (0, 0, 0, 1)
_SAFE_GREEN = (0.0, 0.55, 0.30, 1)  # ISO 7010 safe condition green, darkened for contrast
_WARNING_YELLOW = (0.98, 0.78, 0.0, 1)
_HEART_RED = (0.75, 0.05, 0.10, 1)

KINDS = (
    "unwell",
    "medical_now",
    "assistance",
    "lost",
    "unsafe",
    "lost_property",
    "other",
)


class Pictogram(Widget):  # type: ignore[misc]
    """A square symbol for one category; redrawn whenever its size or kind changes."""

    kind = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.bind(pos=self._draw, size=self._draw, kind=self._draw)
        self._draw()

    def _draw(self, *_args: Any) -> None:
        self.canvas.clear()
        side = min(self.width, self.height)
        if side <= 0 or not self.kind:
            return
        x0 = self.center_x - side / 2
        y0 = self.center_y - side / 2

        def p(u: float, v: float) -> tuple[float, float]:
            """A point of the unit square (0..1, origin bottom left) on screen."""
            return x0 + u * side, y0 + v * side

        stroke = max(1.5, side * 0.07)
        draw = getattr(self, f"_draw_{self.kind}", None)
        with self.canvas:
            if self.kind == "medical_now":
                Color(*_SAFE_GREEN)
            else:
                Color(*_WHITE)
            RoundedRectangle(pos=(x0, y0), size=(side, side), radius=[side * 0.12])
            Color(*_BLACK)
            Line(rounded_rectangle=(x0, y0, side, side, side * 0.12), width=max(1.0, side * 0.02))
            if draw is not None:
                draw(p, side, stroke)

    # Each drawing works in the unit square through p(); strokes scale with the tile.
    def _draw_medical_now(self, p: Any, side: float, _stroke: float) -> None:
        Color(*_WHITE)
        x, y = p(0.38, 0.16)
        Rectangle(pos=(x, y), size=(0.24 * side, 0.68 * side))
        x, y = p(0.16, 0.38)
        Rectangle(pos=(x, y), size=(0.68 * side, 0.24 * side))

    def _draw_unwell(self, p: Any, side: float, stroke: float) -> None:
        # A heart with a pulse line across it: how one feels, not an emergency.
        Color(*_HEART_RED)
        for u in (0.31, 0.69):
            _disc(p(u, 0.62), 0.2 * side)
        Triangle(points=[*p(0.115, 0.57), *p(0.885, 0.57), *p(0.5, 0.14)])
        Color(*_WHITE)
        Line(
            points=[*p(0.1, 0.5), *p(0.35, 0.5), *p(0.43, 0.66), *p(0.52, 0.32),
                    *p(0.6, 0.5), *p(0.9, 0.5)],
            width=stroke * 0.6,
            joint="round",
            cap="round",
        )  # fmt: skip

    def _draw_assistance(self, p: Any, side: float, stroke: float) -> None:
        # Accessibility (ISO 7001 PI PF 006 style): a person in a wheelchair.
        Color(*_BLACK)
        _disc(p(0.42, 0.82), 0.09 * side)  # the head
        Line(points=[*p(0.42, 0.68), *p(0.42, 0.45), *p(0.68, 0.45), *p(0.78, 0.2)],
             width=stroke, joint="round", cap="round")  # fmt: skip
        Line(points=[*p(0.42, 0.6), *p(0.62, 0.6)], width=stroke * 0.8, cap="round")
        cx, cy = p(0.4, 0.32)
        Line(circle=(cx, cy, 0.22 * side, 200, 470), width=stroke * 0.8, cap="round")

    def _draw_lost(self, p: Any, side: float, stroke: float) -> None:
        # Directions: a signpost with two arrows.
        Color(*_BLACK)
        Line(points=[*p(0.5, 0.1), *p(0.5, 0.88)], width=stroke, cap="round")
        Mesh(vertices=_quad(p, [(0.5, 0.78), (0.78, 0.78), (0.9, 0.68), (0.78, 0.58), (0.5, 0.58)]),
             indices=[0, 1, 2, 0, 2, 3, 0, 3, 4], mode="triangles")  # fmt: skip
        Mesh(vertices=_quad(p, [(0.5, 0.5), (0.22, 0.5), (0.1, 0.4), (0.22, 0.3), (0.5, 0.3)]),
             indices=[0, 1, 2, 0, 2, 3, 0, 3, 4], mode="triangles")  # fmt: skip

    def _draw_unsafe(self, p: Any, side: float, stroke: float) -> None:
        # General warning (ISO 7010 W001 style).
        Color(*_BLACK)
        Triangle(points=[*p(0.06, 0.12), *p(0.94, 0.12), *p(0.5, 0.9)])
        Color(*_WARNING_YELLOW)
        Triangle(points=[*p(0.17, 0.18), *p(0.83, 0.18), *p(0.5, 0.78)])
        Color(*_BLACK)
        Line(points=[*p(0.5, 0.62), *p(0.5, 0.38)], width=stroke * 0.9, cap="round")
        _disc(p(0.5, 0.27), 0.05 * side)

    def _draw_lost_property(self, p: Any, side: float, stroke: float) -> None:
        # Lost property (ISO 7001 PI PF 018 style): an umbrella and a question mark.
        Color(*_BLACK)
        cx, cy = p(0.38, 0.56)
        r = 0.28 * side
        Mesh(vertices=_fan(cx, cy, r), indices=list(range(18)), mode="triangle_fan")
        Line(points=[*p(0.38, 0.56), *p(0.38, 0.2)], width=stroke * 0.8, cap="round")
        Line(circle=(*p(0.31, 0.2), 0.07 * side, 90, 270), width=stroke * 0.8, cap="round")
        Line(circle=(*p(0.78, 0.62), 0.1 * side, -90, 150), width=stroke * 0.8, cap="round")
        Line(points=[*p(0.78, 0.52), *p(0.78, 0.4)], width=stroke * 0.8, cap="round")
        _disc(p(0.78, 0.28), 0.045 * side)

    def _draw_other(self, p: Any, side: float, stroke: float) -> None:
        # Something else: a speech bubble.
        Color(*_BLACK)
        x, y = p(0.12, 0.32)
        RoundedRectangle(pos=(x, y), size=(0.76 * side, 0.5 * side), radius=[0.12 * side])
        Triangle(points=[*p(0.26, 0.34), *p(0.44, 0.34), *p(0.2, 0.14)])
        Color(*_WHITE)
        for u in (0.32, 0.5, 0.68):
            _disc(p(u, 0.57), 0.055 * side)


def _disc(centre: tuple[float, float], r: float) -> None:
    cx, cy = centre
    Ellipse(pos=(cx - r, cy - r), size=(2 * r, 2 * r))


def _quad(p: Any, points: list[tuple[float, float]]) -> list[float]:
    out: list[float] = []
    for u, v in points:
        x, y = p(u, v)
        out += [x, y, 0, 0]
    return out


def _fan(cx: float, cy: float, r: float) -> list[float]:
    """An upper half disc as a triangle fan (the umbrella's canopy)."""
    out = [cx, cy, 0.0, 0.0]
    for i in range(17):
        a = math.pi * i / 16
        out += [cx + r * math.cos(a), cy + r * math.sin(a), 0.0, 0.0]
    return out
