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
import time
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


class _ScrollFirst(Exception):
    """The widget to press must first be scrolled into view."""


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
    from kivy.uix.scrollview import ScrollView

    # What each label was last drawn with (drawn_for_other_text compares).
    def _holds(w: Any) -> tuple[Any, ...]:
        core = w._label
        return (core.text, repr(sorted(core.options.items())), repr(core.usersize))

    drawing = Label.texture_update

    def texture_update(self: Any, *largs: Any) -> None:
        drawing(self, *largs)
        self.drawn_as = _holds(self)

    texture_update.__name__ = "texture_update"  # Kivy's triggers look methods up by name
    Label.texture_update = texture_update
    if os.environ.get("KIOSK_TEST_NO_IDLE_DRAWING"):
        from kiosk.uikit import offscreen_text

        offscreen_text.idle_budget_s = 0.0  # a screen's first frame draws by itself

    if kind == "traveller":
        from kiosk.traveller.app import build_kiosk_app
        from kiosk.traveller.settings import TravellerSettings

        settings = TravellerSettings(
            device_dir=device_dir,
            inactivity_seconds=float(os.environ.get("KIOSK_TEST_INACTIVITY", "90")),
            warning_seconds=float(os.environ.get("KIOSK_TEST_WARNING", "30")),
            done_seconds=float(os.environ.get("KIOSK_TEST_DONE_SECONDS", "3")),
            handover_seconds=float(os.environ.get("KIOSK_TEST_HANDOVER", "120")),
            # The times above, unless a test asks for the site file's.
            site_limits=os.environ.get("KIOSK_TEST_SITE_LIMITS") == "1",
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
    # What the speaker was asked to read, and in which language (tests only).
    spoken: list[dict[str, Any]] = []
    if kind == "traveller" and hasattr(app, "speaker"):
        real_say = app.speaker.say

        def recording_say(text: str, locale: str) -> bool:
            spoken.append({"text": text, "locale": locale, "amplitude": app.speaker.amplitude})
            return bool(real_say(text, locale))

        app.speaker.say = recording_say

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

    def top_layer() -> list[Any]:
        """What a touch reaches: an open dialog (it blocks the screen), else the screen."""
        dialogs = [w for w in Window.children if isinstance(w, ModalView)]
        return [w for root in (dialogs or [current_screen()]) for w in _walk(root)]

    def visible_texts() -> list[str]:
        return [
            w.text
            for w in on_screen()
            if isinstance(w, Label) and w.text and w.opacity > 0 and w.height > 0
        ]

    def shown(w: Any) -> bool:
        """Drawn: neither it nor a parent is transparent, and it has a size."""
        while w is not None and w is not w.parent and w is not Window:
            if w.opacity == 0 or w.width <= 0 or w.height <= 0:
                return False
            w = w.parent
        return True

    def window_rect(w: Any) -> tuple[float, float, float, float]:
        x, y = w.to_window(w.x, w.y)
        return x, y, x + w.width, y + w.height

    def viewport(w: Any) -> tuple[float, float, float, float]:
        """Where `w` can be seen: its innermost scrolling parent's area, or the
        window (what scrolls out of view can be scrolled back)."""
        parent = w.parent
        while parent is not None and parent is not parent.parent:
            if isinstance(parent, ScrollView):
                return window_rect(parent)
            parent = parent.parent
        return 0, 0, Window.width, Window.height

    def clipped(w: Any) -> tuple[float, float, float, float] | None:
        x0, y0, x1, y1 = window_rect(w)
        v0, w0, v1, w1 = viewport(w)
        box = (max(x0, v0), max(y0, w0), min(x1, v1), min(y1, w1))
        return box if box[0] < box[2] - 1 and box[1] < box[3] - 1 else None

    def in_full_view(w: Any) -> bool:
        """Nothing of `w` cut by the edge of its list (to a pixel: a row flush with
        the list's top edge sits a fraction of one off it)."""
        box = clipped(w)
        return box is not None and all(
            abs(a - b) < 1 for a, b in zip(box, window_rect(w), strict=True)
        )

    def texts_on_screen() -> list[Any]:
        return [w for w in top_layer() if isinstance(w, Label) and w.text and shown(w)]

    def drawn_for_other_text() -> list[str]:
        """Texts on the screen whose drawing is not of what they hold now (drawn
        for an earlier text, font or language, or not drawn at all)."""
        return [
            f"{w.text[:40]!r}"
            for w in top_layer()
            if isinstance(w, Label) and shown(w) and getattr(w, "drawn_as", None) != _holds(w)
        ]

    def layout_problems() -> list[str]:
        """Text that a traveller could not read: off the window (and not in a
        scrolling area), cut by its own widget, or under another text."""
        problems = []
        texts = texts_on_screen()
        for w in texts:
            x0, y0, x1, y1 = window_rect(w)
            v0, w0, v1, w1 = viewport(w)
            if (v0, w0, v1, w1) == (0, 0, Window.width, Window.height) and (
                y0 < -1 or y1 > Window.height + 1 or x0 < -1 or x1 > Window.width + 1
            ):
                problems.append(f"off the window: {w.text[:40]!r}")
            if w.texture_size[0] > w.width + 1:
                problems.append(f"wider than its widget: {w.text[:40]!r}")
            if w.texture_size[1] > w.height + 1:
                problems.append(f"taller than its widget: {w.text[:40]!r}")
        boxes = [(w, clipped(w)) for w in texts]
        visible = [(w, b) for w, b in boxes if b is not None]
        for i, (a, ra) in enumerate(visible):
            for b, rb in visible[i + 1 :]:
                if a in _walk(b) or b in _walk(a):
                    continue
                if (
                    ra[0] < rb[2] - 1
                    and rb[0] < ra[2] - 1
                    and ra[1] < rb[3] - 1
                    and rb[1] < ra[3] - 1
                ):
                    problems.append(f"overlap: {a.text[:30]!r} and {b.text[:30]!r}")
        return problems

    def surface(w: Any) -> Any:
        """The colour a text is drawn on: its own if it is a button, else the
        nearest parent that paints a ground (`surface_color`)."""
        if isinstance(w, Button):
            return list(w.background_color)
        parent = w.parent
        while parent is not None and parent is not parent.parent:
            # (None where Kivy added the property to a whole class: a kv rule that
            # sets a new property on one BoxLayout gives it to every BoxLayout.)
            if getattr(parent, "surface_color", None) is not None:
                return list(parent.surface_color)
            parent = parent.parent
        return None

    def scroller_of(widget: Any) -> Any:
        """The scrolling list a widget is in."""
        scroller = widget.parent
        while not isinstance(scroller, ScrollView):
            scroller = scroller.parent
        return scroller

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
            in_list = viewport(widget) != (0, 0, Window.width, Window.height)
            if in_list and not in_full_view(widget) and cmd.get("scrolled", 0) < 5:
                # Out of view in a scrolling list: scroll to it as a person
                # would, and press once the list has moved.
                scroller_of(widget).scroll_to(widget, padding=10, animate=False)
                raise _ScrollFirst
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
                        "skipped": c.skipped_text,
                        "details": c.details_text,
                        "replies": c.reply_text,
                    }
                    for c in reversed(screen.ids.cards.children)
                ]
                state["alerting"] = screen.alerting
                state["alerts_played"] = app.alerts_played
                state["connected"] = screen.connected
                state["on_duty"] = screen.duty_on
                state["message"] = screen.message_text
                for c, card in zip(
                    state["cards"], reversed(screen.ids.cards.children), strict=True
                ):
                    c["mine"] = card.mine
            else:
                state["has_request"] = app.request is not None
                state["language"] = app.language
                state["sounds_played"] = getattr(app, "sounds_played", 0)
                state["modes"] = {
                    name: getattr(app, name, None)
                    for name in ("large_text", "high_contrast", "low_reach", "volume_level")
                }
                audio = getattr(app, "audio", None)
                state["audio_mode"] = bool(audio and audio.active)
            return state
        if op == "idle":  # drives the inactivity clock: untouched for this long, then checked
            watch = app.inactivity
            watch._last_touch = time.monotonic() - float(cmd["seconds"])
            watch.check(0)
            times = ("inactivity_seconds", "warning_seconds", "handover_seconds", "done_seconds")
            return {"asking": watch.asking, "times": {k: getattr(app.settings, k) for k in times}}
        if op == "type":  # what a technician would type on the on-screen keyboard
            find(cmd).text = cmd["value"]
            return {}
        if op == "still":
            # Answered once nothing on the screen has moved for ten frames: after a
            # change of text size the screen is laid out anew over a few frames.
            still = {"rects": None, "frames": 0}

            def check(_dt: float) -> bool:
                rects = [window_rect(w) for w in on_screen() if isinstance(w, Button)]
                still["frames"] = still["frames"] + 1 if rects == still["rects"] else 0
                still["rects"] = rects
                if still["frames"] < 10:
                    return True
                answer({"ok": True})
                return False

            Clock.schedule_interval(check, 0)
            return {"later": True}
        if op == "hold":
            widget = find(cmd)
            if not in_full_view(widget):
                raise LookupError("hold a widget in full view")
            x, y = widget.to_window(*widget.center)
            touch = UnitTestTouch(x, y)
            touch.touch_down()
            # Before any frame: a button shows it is pressed only if it is already down
            # (a toggle, whose state is whether it is chosen, by its `touched` frame).
            at_touch = {
                "state": getattr(widget, "state", None),
                "touched": getattr(widget, "touched", None),
            }
            if not cmd.get("until_lifted"):
                Clock.schedule_once(lambda _dt: touch.touch_up(), float(cmd["seconds"]))
                return at_touch

            def lifted(_dt: float) -> None:  # answered at the frame after the finger lifts
                answer({"ok": True, **at_touch, "screen": app.root.current})

            def lift(_dt: float) -> None:
                touch.touch_up()
                Clock.schedule_once(lifted, 0)

            Clock.schedule_once(lift, float(cmd["seconds"]))
            return {"later": True}
        if op == "drag":  # a finger put on a widget and moved up or down the list
            widget = find(cmd)
            scroller = scroller_of(widget)
            if not in_full_view(widget):
                raise LookupError("drag a widget in full view")
            x, y = widget.to_window(*widget.center)
            touch = UnitTestTouch(x, y)
            touch.touch_down()
            seen = {"state_at_touch": widget.state, "scroll_y_before": scroller.scroll_y}
            steps = 6  # over 120 ms, a frame or so apart, as a finger moves

            def move(step: int) -> None:
                touch.touch_move(x, y + float(cmd["dy"]) * step / steps)
                if step < steps:
                    Clock.schedule_once(lambda _dt: move(step + 1), 0.02)
                else:  # the finger rests before it lifts: the list stops, no fling
                    Clock.schedule_once(lambda _dt: lift(), 0.2)

            def lift() -> None:
                touch.touch_move(x, y + float(cmd["dy"]))
                seen["state_moved"] = widget.state
                touch.touch_up()
                answer({"ok": True, **seen, "scroll_y_after": scroller.scroll_y})

            # The first move at once, past Kivy's scroll distance: a loaded machine
            # whose clock ran late would otherwise see a press held past the
            # scroll timeout before the finger had moved.
            move(1)
            return {"later": True}
        if op in ("press_first_frame", "next_screen_first_frame"):
            # Answered at the first frame drawn after a press, or after the next
            # change of screen (one that a timer makes): what that frame shows.
            def drawn(*_args: Any) -> None:
                Window.unbind(on_flip=drawn)
                try:
                    frame = {
                        "screen": app.root.current,
                        "texts": visible_texts(),
                        "stale": drawn_for_other_text(),
                    }
                except Exception as exc:  # answered, or the test would wait for ever
                    answer({"ok": False, "error": f"{type(exc).__name__}: {exc}"})
                else:
                    answer({"ok": True, **frame})

            def changed(*_args: Any) -> None:
                app.root.unbind(current=changed)
                Window.bind(on_flip=drawn)

            if op == "press_first_frame":
                run({**cmd, "op": "press"})
                Window.bind(on_flip=drawn)
            else:
                app.root.bind(current=changed)
            return {"later": True}
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
        if op == "screen_speech":  # what the speaker button would read on this screen
            return {"text": app.screen_texts()}
        if op == "layout_problems":
            return {"problems": layout_problems()}
        if op == "targets":  # everything a traveller can press, where it is drawn
            found = []
            names = {
                id(v): k for owner in top_layer() for k, v in getattr(owner, "ids", {}).items()
            }
            for w in top_layer():
                if isinstance(w, Button) and not w.disabled and shown(w):
                    x0, y0, _x1, _y1 = window_rect(w)
                    found.append(
                        {
                            "name": getattr(w, "language_code", "")
                            or names.get(id(w.proxy_ref), names.get(id(w), ""))
                            or type(w).__name__ + ":" + w.text[:20],
                            "x": x0,
                            "y": y0,
                            "w": w.width,
                            "h": w.height,
                            "visible": clipped(w) is not None,
                            "scrolls": viewport(w) != (0, 0, Window.width, Window.height),
                        }
                    )
            return {"targets": found, "window": [Window.width, Window.height]}
        if op == "colours":  # each visible text's colour and the colour under it
            return {
                "colours": [
                    {
                        "text": w.text[:30],
                        "fg": list(w.color),
                        "bg": surface(w),
                        "font_size": w.font_size,
                    }
                    for w in texts_on_screen()
                    if clipped(w) is not None
                ]
            }
        if op == "background":  # the app's work off the UI thread still running
            # (kiosk/uikit/background.py names each such thread so)
            running = [t for t in threading.enumerate() if t.name == "ui-background"]
            return {"running": sum(t.is_alive() for t in running)}
        if op == "focus":  # the keypad's focus and the frame drawn around it
            audio = app.audio
            focused = audio.focus
            names = {
                id(v): k for owner in on_screen() for k, v in getattr(owner, "ids", {}).items()
            }
            name = ""
            if focused is not None:
                name = (
                    getattr(focused, "language_code", "")
                    or getattr(focused, "category", "")
                    or getattr(focused, "phrase_id", "")
                ) or names.get(id(focused.proxy_ref), names.get(id(focused), ""))
            return {
                "name": name or (type(focused).__name__ if focused is not None else ""),
                "text": getattr(focused, "text", ""),
                "control": list(getattr(focused, "background_color", ())),
                "rings": audio.frame.rings(),
                "repeats_ignored": audio.repeats_ignored,
            }
        if op == "pixels":  # colours at window points (x, y from the bottom) of a screenshot
            from kivy.core.image import Image as CoreImage

            picture = CoreImage.load(cmd["path"], keep_data=True)
            height = picture.height
            return {
                "pixels": [
                    list(picture.read_pixel(int(x), height - 1 - int(y))) for x, y in cmd["points"]
                ]
            }
        if op == "spoken":
            return {"spoken": spoken, "amplitude": app.speaker.amplitude}
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
            result = run(cmd)
            if not result.get("later"):
                answer({"ok": True, **result})
        except _ScrollFirst:
            retry = {**cmd, "scrolled": cmd.get("scrolled", 0) + 1}
            Clock.schedule_once(lambda _dt: execute(retry), 0.15)
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
