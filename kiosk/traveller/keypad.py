"""Keypad and audio mode, in the manner of EZ Access (EN 301 549 5.1.6.1:
operation without vision).

Five keys, from a USB keypad or any keyboard (`KEY_ACTIONS`, the one table to
change for a keypad that sends other keys): up and down move a focus through
every operable control of the screen (or of a dialog open over it) in reading
order, wrapping around; select activates it as a touch would; back goes to the
previous step where the screen has one; help speaks how to use them.

The first key press, or holding the speaker button for `HOLD_SECONDS`, starts
audio mode: from then on the kiosk speaks by itself: each screen as the
speaker button reads it, then the focused control; each control the focus
moves to, with its role and state; each change of the request's status. It is
this traveller's, and ends with the session (`reset`). Outside audio mode,
"Help is coming" is still spoken once when it arrives (besides the chime).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.core.window import Keyboard, Window
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.label import Label
from kivy.uix.modalview import ModalView
from kivy.uix.scrollview import ScrollView

from kiosk.i18n import N_
from kiosk.uikit.translator import tr

__all__ = [
    "BUTTON",
    "HOLD_SECONDS",
    "ICON_NAMES",
    "INSTRUCTIONS",
    "KEY_ACTIONS",
    "NOT_FOR_KEYPAD",
    "SWITCH_OFF",
    "SWITCH_ON",
    "action_for",
    "controls_of",
    "layer_of",
    "reading_order",
    "scroller_of",
    "texts_of",
    "walk",
]

# Kivy's key names (kivy.core.window.Keyboard.keycodes), "shift+" for a held Shift.
KEY_ACTIONS = {
    "up": "up",
    "numpad8": "up",
    "shift+tab": "up",
    "down": "down",
    "numpad2": "down",
    "tab": "down",
    "enter": "select",
    "numpadenter": "select",
    "spacebar": "select",
    "backspace": "back",
    "escape": "back",  # never quits: bootstrap.py turns exit_on_escape off
    "h": "help",
    "f1": "help",
    "numpadmul": "help",
    "shift+/": "help",  # "?" on most layouts
}
HOLD_SECONDS = 1.0  # holding the speaker button this long starts audio mode
_NAMES: dict[int, str] = {}
for _name, _code in Keyboard.keycodes.items():
    _NAMES.setdefault(_code, _name)  # 47 is "/" (Kivy also calls it "?")
# Screens for the technician (text fields): their keys are theirs.
NOT_FOR_KEYPAD = frozenset({"pin", "maintenance"})

# Translators: spoken (not shown) after a button's name when the keypad's focus
# reaches it, e.g. "Send for help, button".
BUTTON = N_("button")
# Translators: spoken (not shown) after the name of a switch that is on when the
# keypad's focus reaches it, e.g. "High contrast, switch, on".
SWITCH_ON = N_("switch, on")
# Translators: spoken (not shown) after the name of a switch that is off when the
# keypad's focus reaches it, e.g. "High contrast, switch, off".
SWITCH_OFF = N_("switch, off")
# Translators: spoken name of the speaker button (it shows only a loudspeaker).
_READ_ALOUD = N_("Read the screen aloud")
# Translators: spoken name of the button beside the speaker that lowers the volume.
_QUIETER = N_("Quieter")
# Translators: spoken name of the button beside the speaker that raises the volume.
_LOUDER = N_("Louder")
# Translators: spoken when the keypad's help key is pressed. The keypad's keys are
# marked with arrows (up, down), a select key, a back key and a help key.
INSTRUCTIONS = N_(
    "Use the up and down keys to move, the select key to choose, "
    "the back key to go back, and the help key to hear this again."
)
ICON_NAMES = {"SpeakButton": _READ_ALOUD, "QuieterButton": _QUIETER, "LouderButton": _LOUDER}


def action_for(key: int, modifiers: list[str]) -> str | None:
    """What a key press means to the kiosk, or None."""
    name = _NAMES.get(key, "")
    if "shift" in modifiers and f"shift+{name}" in KEY_ACTIONS:
        return KEY_ACTIONS[f"shift+{name}"]
    return KEY_ACTIONS.get(name)


def walk(widget: Any) -> list[Any]:
    found = [widget]
    for child in widget.children:
        found.extend(walk(child))
    return found


def _shown(widget: Any) -> bool:
    while widget is not None and widget is not widget.parent and widget is not Window:
        if isinstance(widget, ModalView):
            return True  # a dialog fades in: its own opacity starts at 0
        if widget.opacity == 0 or widget.width <= 0 or widget.height <= 0:
            return False
        widget = widget.parent
    return True


def _rect(widget: Any) -> tuple[float, float, float, float]:
    x, y = widget.to_window(widget.x, widget.y)
    return x, y, x + widget.width, y + widget.height


def scroller_of(widget: Any) -> Any:
    parent = widget.parent
    while parent is not None and parent is not parent.parent:
        if isinstance(parent, ScrollView):
            return parent
        parent = parent.parent
    return None


def _in_rows(items: list[Any], rect: Callable[[Any], Any], rtl: bool) -> list[Any]:
    """Top to bottom, each row from its start side (the right in RTL). A row is
    what sits beside the first of it, whatever their heights."""
    ordered: list[Any] = []
    row: list[Any] = []
    row_bottom = 0.0
    for item in sorted(items, key=lambda i: -rect(i)[3]):
        _x0, y0, _x1, y1 = rect(item)
        if row and (y0 + y1) / 2 < row_bottom:
            ordered += sorted(row, key=lambda i: -rect(i)[2] if rtl else rect(i)[0])
            row = []
        if not row:
            row_bottom = y0
        row.append(item)
    return ordered + sorted(row, key=lambda i: -rect(i)[2] if rtl else rect(i)[0])


def reading_order(controls: list[Any], rtl: bool) -> list[Any]:
    """`controls` as read: a scrolling list in its place, all of it in its own
    order (also what is scrolled out of view)."""
    groups: dict[int, list[Any]] = {}
    units: list[Any] = []
    for control in controls:
        scroller = scroller_of(control)
        if scroller is None:
            units.append(control)
        elif id(scroller) not in groups:
            groups[id(scroller)] = [control]
            units.append(scroller)
        else:
            groups[id(scroller)].append(control)
    ordered: list[Any] = []
    for unit in _in_rows(units, _rect, rtl):
        ordered += (
            _in_rows(groups[id(unit)], _rect, rtl) if isinstance(unit, ScrollView) else [unit]
        )
    return ordered


def layer_of(app: Any) -> Any:
    """What keys reach: an open dialog (it blocks the screen), else the screen."""
    dialogs = [w for w in Window.children if isinstance(w, ModalView)]
    return dialogs[0] if dialogs else app.root.current_screen


def controls_of(layer: Any, rtl: bool) -> list[Any]:
    found = [
        w for w in walk(layer) if isinstance(w, ButtonBehavior) and not w.disabled and _shown(w)
    ]
    return reading_order(found, rtl)


def texts_of(layer: Any, rtl: bool) -> str:
    """A dialog's text in reading order, as the speaker button reads a screen."""
    labels = [w for w in walk(layer) if isinstance(w, Label) and w.text.strip() and _shown(w)]
    return "\n".join(tr.logical(w.text) for w in reading_order(labels, rtl))
