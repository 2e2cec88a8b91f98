"""Runs a real kiosk or staff app and lets a test drive it over stdin/stdout.

Commands are JSON lines; answers are printed as `HARNESS {json}` lines.
Presses are real touches (down and up at the widget's centre, through the
window's input dispatch), so a button hidden or covered cannot be pressed.

    python tests/app_harness.py traveller DEVICE_DIR WIDTHxHEIGHT [LANG]
"""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.apps import parse_size
from kiosk.uikit.bootstrap import prepare_kivy


def _walk(widget: Any) -> list[Any]:
    out = [widget]
    for child in widget.children:
        out.extend(_walk(child))
    return out


def main() -> None:
    kind, device_dir, size = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    language = sys.argv[4] if len(sys.argv) > 4 else None
    prepare_kivy(parse_size(size))

    from kivy.clock import Clock
    from kivy.core.window import Window
    from kivy.tests.common import UnitTestTouch
    from kivy.uix.button import Button
    from kivy.uix.label import Label
    from kivy.uix.modalview import ModalView

    if kind == "traveller":
        from kiosk.traveller.app import build_kiosk_app
        from kiosk.traveller.settings import TravellerSettings

        settings = TravellerSettings(
            device_dir=device_dir,
            inactivity_seconds=float(os.environ.get("KIOSK_TEST_INACTIVITY", "90")),
            warning_seconds=float(os.environ.get("KIOSK_TEST_WARNING", "30")),
            done_seconds=float(os.environ.get("KIOSK_TEST_DONE_SECONDS", "3")),
        )
        app: Any = build_kiosk_app(settings)
    else:
        from kiosk.staff.app import build_staff_app
        from kiosk.staff.settings import StaffSettings

        app = build_staff_app(
            StaffSettings(
                device_dir=device_dir,
                language=language or "en",
                epoch_seconds=float(os.environ.get("KIOSK_TEST_EPOCH_SECONDS", 8 * 3600)),
            )
        )

    lock = threading.Lock()

    def answer(doc: dict[str, Any]) -> None:
        with lock:
            sys.stdout.write("HARNESS " + json.dumps(doc, ensure_ascii=False) + "\n")
            sys.stdout.flush()

    def current_screen() -> Any:
        return app.root.current_screen

    def on_screen() -> list[Any]:
        """The current screen and any dialog open over it."""
        dialogs = [w for w in Window.children if isinstance(w, ModalView)]
        return [w for root in (current_screen(), *dialogs) for w in _walk(root)]

    def visible_texts() -> list[str]:
        return [
            w.text
            for w in on_screen()
            if isinstance(w, Label) and w.text and w.opacity > 0 and w.height > 0
        ]

    def layout_problems() -> list[str]:
        """Text that a traveller could not read: off the window, or wider than its widget."""
        problems = []
        for w in _walk(current_screen()):
            if not isinstance(w, Label) or not w.text or w.opacity == 0 or w.height <= 0:
                continue
            x, y = w.to_window(w.x, w.y)
            if (
                y < -1
                or y + w.height > Window.height + 1
                or x < -1
                or x + w.width > Window.width + 1
            ):
                problems.append(f"off the window: {w.text[:40]!r}")
            if w.texture_size[0] > w.width + 1:
                problems.append(f"wider than its widget: {w.text[:40]!r}")
        return problems

    def find(cmd: dict[str, Any]) -> Any:
        screen = current_screen()
        if "card" in cmd:
            cards = list(reversed(screen.ids.cards.children))
            return cards[cmd["card"]].ids[cmd["id"]]
        if "id" in cmd:
            if cmd["id"] in screen.ids:
                return screen.ids[cmd["id"]]
            for dialog in (w for w in Window.children if isinstance(w, ModalView)):
                if cmd["id"] in dialog.ids:
                    return dialog.ids[cmd["id"]]
            raise LookupError(f"no widget with id {cmd['id']!r}")
        if "category" in cmd:
            return next(w for w in _walk(screen) if getattr(w, "category", None) == cmd["category"])
        if "phrase" in cmd:  # a detail toggle or a reply button, whatever the language
            return next(w for w in on_screen() if getattr(w, "phrase_id", None) == cmd["phrase"])
        if "widget_class" in cmd:
            return next(w for w in _walk(screen) if type(w).__name__ == cmd["widget_class"])
        if "language" in cmd:
            return next(
                w for w in _walk(screen) if getattr(w, "language_code", None) == cmd["language"]
            )
        matches = [w for w in _walk(screen) if isinstance(w, Button) and w.text == cmd["text"]]
        if not matches:
            raise LookupError(f"no button with text {cmd['text']!r}")
        return matches[0]

    def run(cmd: dict[str, Any]) -> dict[str, Any]:
        op = cmd["op"]
        if op == "press":
            widget = find(cmd)
            if widget.disabled or widget.opacity == 0:
                raise LookupError("that button is not available to press")
            x, y = widget.to_window(*widget.center)
            touch = UnitTestTouch(x, y)
            touch.touch_down()
            touch.touch_up()
            return {}
        if op == "state":
            state: dict[str, Any] = {"screen": app.root.current, "texts": visible_texts()}
            if kind == "staff":
                screen = current_screen()
                state["cards"] = [
                    {
                        "id": c.ticket_id,
                        "category": c.category_text,
                        "status": c.status_text,
                        "accepted": c.accepted,
                        "location": c.location_text,
                        "details": c.details_text,
                        "replies": c.reply_text,
                    }
                    for c in reversed(screen.ids.cards.children)
                ]
                state["alerting"] = screen.alerting
                state["alerts_played"] = app.alerts_played
                state["connected"] = screen.connected
            else:
                state["has_request"] = app.request is not None
                state["language"] = app.language
            return state
        if op == "type":  # what a technician would type on the on-screen keyboard
            find(cmd).text = cmd["value"]
            return {}
        if op == "hold":
            widget = find(cmd)
            x, y = widget.to_window(*widget.center)
            touch = UnitTestTouch(x, y)
            touch.touch_down()
            Clock.schedule_once(lambda _dt: touch.touch_up(), float(cmd["seconds"]))
            return {}
        if op == "positions":
            out = {}
            for name, widget in current_screen().ids.items():
                x, y = widget.to_window(widget.x, widget.y)
                out[name] = {
                    "x": x,
                    "y": y,
                    "w": widget.width,
                    "h": widget.height,
                    "halign": getattr(widget, "halign", None),
                }
            return {"positions": out, "window_width": Window.width}
        if op == "key_ring":  # which epoch keys the console still holds (ids only)
            return {"held": sorted(k.hex() for k in app.key_ring.held())}
        if op == "spoken":  # what the speaker button would read on this screen
            return {"text": app.screen_texts()}
        if op == "layout_problems":
            return {"problems": layout_problems()}
        if op == "screenshot":
            target = Path(cmd["path"])
            written = Path(Window.screenshot(name=str(target)))
            written.replace(target)
            return {"path": str(target)}
        if op == "quit":
            app.stop()
            return {}
        raise ValueError(f"unknown op {op}")

    def execute(cmd: dict[str, Any]) -> None:
        try:
            answer({"ok": True, **run(cmd)})
        except Exception as exc:
            answer({"ok": False, "error": f"{type(exc).__name__}: {exc}"})

    def read_commands() -> None:
        for line in sys.stdin:
            if line.strip():
                cmd = json.loads(line)
                Clock.schedule_once(lambda _dt, c=cmd: execute(c), 0)
        Clock.schedule_once(lambda _dt: app.stop(), 0)

    def ready(_dt: float) -> None:
        threading.Thread(target=read_commands, daemon=True).start()
        answer({"ok": True, "ready": True})

    Clock.schedule_once(ready, 0.5)
    app.run()


if __name__ == "__main__":
    main()
