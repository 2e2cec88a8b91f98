"""The kiosk app's responsiveness under Xvfb: cold start to the first interactive
frame, and touch to visible feedback.

    xvfb-run -s "-screen 0 1080x1920x24" python benchmarks/kiosk_latency.py \
        [--runs 5] [--touches 30] [--large-text] [--languages en,ar,ja,hi|all] [--json]

Cold start: from launching `python` (a fresh process, as systemd does) to the first
frame drawn after the start screen is up. Touch: a touch is dispatched through the
window's input path (as the test harness does): from touch down to the first
frame that shows the button pressed ("feedback"), then the finger lifts, and from
touch up to the first frame that shows the next screen ("next screen"). Languages
are touched in turn, each after a reset to English: English, Arabic, Japanese and
Hindi (LANGUAGES), or those given with --languages; with `--languages all
--touches 40` each language offered once, its first time, the slowest. Then the
request's next screens (category, details, urgency), each from the app's step to
its first frame. The OS input path (kernel, X, SDL) is not included; on a real
panel add its latency.
Times come from CLOCK_MONOTONIC, which parent and child processes share.
With --large-text the traveller first turns on larger text: the languages then
no longer fit and their list scrolls (each is scrolled into view before its touch).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SIZE = "1080x1920"
# After the language: the screens of a request that the app's own steps show (as
# its buttons call them), with a short pause to read each screen.
_WALK = ("category", "details", "urgency")
_READING_S = 0.6
# Touched in turn after each reset to the first language (English): English itself,
# then right-to-left, CJK and Indic text, which must be shaped and measured anew.
LANGUAGES = ("en", "ar", "ja", "hi")


def _child(device_dir: Path, touches: int, large_text: bool, languages: tuple[str, ...]) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from kiosk.apps import parse_size
    from kiosk.uikit.bootstrap import prepare_kivy

    prepare_kivy(parse_size(SIZE))
    from kivy.clock import Clock
    from kivy.core.window import Window
    from kivy.tests.common import UnitTestTouch

    from kiosk.core.categories import Category
    from kiosk.traveller.app import build_kiosk_app
    from kiosk.traveller.settings import TravellerSettings

    app: Any = build_kiosk_app(TravellerSettings(device_dir=device_dir))
    flips: list[float] = []
    Window.bind(on_flip=lambda *_a: flips.append(time.monotonic()))
    result: dict[str, Any] = {"feedback_ms": [], "next_screen_ms": []}

    def first_frame(_dt: float) -> None:
        # on_start ran and the start screen was laid out; the next swap shows it.
        mark = len(flips)

        def after(_dt: float) -> None:
            if len(flips) <= mark:
                Clock.schedule_once(after, 0)
                return
            result["first_frame"] = flips[mark]
            Clock.schedule_once(lambda _dt: touch(0), 0.5)

        Clock.schedule_once(after, 0)

    def first_flip_after(since: float) -> float | None:
        return next((f for f in flips if f > since), None)

    steps = (app.agree, lambda: app.choose_category(Category.UNWELL), app.continue_details)

    def walk_on(n: int, step: int) -> None:
        """The rest of a request, screen by screen: each step to its first frame."""
        if step == len(steps):
            Clock.schedule_once(lambda _dt: touch(n + 1), 0.2)
            return
        called = time.monotonic()
        steps[step]()

        def drawn(_dt: float) -> None:
            shown = first_flip_after(called)
            if shown is None:
                Clock.schedule_once(drawn, 0)
                return
            spent = (shown - called) * 1000
            result.setdefault(f"step_ms_{_WALK[step]}", []).append(spent)
            result.setdefault(f"step_ms_{_WALK[step]}_{code_of(n)}", []).append(spent)
            Clock.schedule_once(lambda _dt: walk_on(n, step + 1), _READING_S)

        Clock.schedule_once(drawn, 0)

    def touch(n: int) -> None:
        if n >= touches:
            print("LATENCY " + json.dumps(result), flush=True)
            app.stop()
            return
        app.reset()  # back to the start screen, a fresh session
        app.large_text = large_text  # the modes end with each session
        Clock.schedule_once(lambda _dt: into_view(n), 0.3)

    def into_view(n: int) -> None:
        start = app.root.get_screen("start")
        button = language_button(n)
        scroller = start.ids.languages.parent
        result.setdefault("list_scrolls", []).append(bool(scroller.do_scroll_y))
        if scroller.do_scroll_y:  # as a person scrolls to their language first
            scroller.scroll_to(button, padding=10, animate=False)
        Clock.schedule_once(lambda _dt: press(n), 0.3)

    def code_of(n: int) -> str:
        return languages[n % len(languages)]

    def language_button(n: int) -> Any:
        code = code_of(n)
        start = app.root.get_screen("start")
        return next(b for b in start.ids.languages.children if b.language_code == code)

    def press(n: int) -> None:
        code = code_of(n)
        button = language_button(n)
        x, y = button.to_window(*button.center)
        t = UnitTestTouch(x, y)
        # Feedback is the first frame that shows the button pressed, and the next
        # screen the first frame that shows it: not merely the next frames drawn.
        changed: dict[str, float] = {}
        watched = (
            (
                button,
                "state",
                button.fbind("state", lambda _b, v: changed.setdefault(v, time.monotonic())),
            ),
            (
                app.root,
                "current",
                app.root.fbind("current", lambda _m, v: changed.setdefault(v, time.monotonic())),
            ),
        )
        down = time.monotonic()
        t.touch_down()  # a finger rests on the button: the pressed state is drawn

        def pressed_drawn(_dt: float) -> None:
            shown = first_flip_after(changed["down"]) if "down" in changed else None
            if shown is None:
                Clock.schedule_once(pressed_drawn, 0)
                return
            result["feedback_ms"].append((shown - down) * 1000)
            up = time.monotonic()
            t.touch_up()  # ...and lifts: the language is chosen, the next screen due

            def next_drawn(_dt: float) -> None:
                shown = first_flip_after(changed["consent"]) if "consent" in changed else None
                if shown is None:
                    Clock.schedule_once(next_drawn, 0)
                    return
                for key in ("next_screen_ms", f"next_screen_ms_{code}"):
                    result.setdefault(key, []).append((shown - up) * 1000)
                for widget, name, uid in watched:
                    widget.unbind_uid(name, uid)
                Clock.schedule_once(lambda _dt: walk_on(n, 0), _READING_S)

            Clock.schedule_once(next_drawn, 0)

        Clock.schedule_once(pressed_drawn, 0)

    Clock.schedule_once(first_frame, 0)
    app.run()


def _make_device(root: Path) -> Path:
    from kiosk.core.site import DeviceRole
    from kiosk.operator import SiteLayout, enrol_local_device, init_site, sample_site

    layout = SiteLayout(root / "site")
    init_site(layout, sample_site(), ["127.0.0.1"])
    config = enrol_local_device(
        layout, DeviceRole.KIOSK, "https://127.0.0.1:9", location_id="central-p3"
    )  # no hub: the start screen needs none
    return config.directory


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="cold starts")
    parser.add_argument("--touches", type=int, default=30, help="touches in the last run")
    parser.add_argument("--large-text", action="store_true", help="a list that scrolls")
    parser.add_argument(
        "--languages",
        default=",".join(LANGUAGES),
        help="codes touched in turn, comma-separated, or 'all' (every language offered)",
    )
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    languages = _languages(args.languages)
    if args.child:
        _child(args.child, args.touches, args.large_text, languages)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        device = _make_device(Path(tmp))
        starts: list[float] = []
        touches: dict[str, list[float]] = {}
        for run in range(args.runs):
            t0 = time.monotonic()
            out = subprocess.run(
                [sys.executable, __file__, "--child", str(device), "--touches",
                 str(args.touches if run == args.runs - 1 else 0),
                 *(["--large-text"] if args.large_text else []),
                 "--languages", ",".join(languages)],
                capture_output=True, text=True, timeout=300,
            ).stdout  # fmt: skip
            line = next(x for x in out.splitlines() if x.startswith("LATENCY "))
            doc = json.loads(line[len("LATENCY ") :])
            starts.append((doc["first_frame"] - t0) * 1000)
            if doc["feedback_ms"]:
                touches = doc
    report = {
        "cold_start_ms_median": round(statistics.median(starts), 1),
        "cold_start_ms_max": round(max(starts), 1),
        "touch_feedback_ms_median": round(statistics.median(touches["feedback_ms"]), 1),
        "touch_feedback_ms_p95": round(_p95(touches["feedback_ms"]), 1),
        "touch_feedback_ms_max": round(max(touches["feedback_ms"]), 1),
        "next_screen_ms_median": round(statistics.median(touches["next_screen_ms"]), 1),
        "next_screen_ms_max": round(max(touches["next_screen_ms"]), 1),
        **{
            f"next_screen_ms_median_{code}": round(
                statistics.median(touches[f"next_screen_ms_{code}"]), 1
            )
            for code in languages
            if touches.get(f"next_screen_ms_{code}")
        },
        **_slowest(touches, languages),
        **{
            f"{screen}_screen_ms_{stat}": round(fn(touches[f"step_ms_{screen}"]), 1)
            for screen in _WALK
            for stat, fn in (("median", statistics.median), ("max", max))
            if touches.get(f"step_ms_{screen}")
        },
        "language_list_scrolls": all(touches["list_scrolls"]),
        "runs": args.runs,
        "touches": len(touches["feedback_ms"]),
        "window": SIZE,
    }
    print(
        json.dumps(report, indent=2)
        if args.json
        else "\n".join(f"{k:<26} {v}" for k, v in report.items())
    )
    return 0


def _languages(chosen: str) -> tuple[str, ...]:
    if chosen != "all":
        return tuple(code.strip() for code in chosen.split(",") if code.strip())
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from kiosk.i18n.locales import SUPPORTED_LOCALES

    return SUPPORTED_LOCALES


def _slowest(touches: dict[str, Any], languages: tuple[str, ...]) -> dict[str, Any]:
    """Each screen's slowest first frame and the language it was in: a language's
    first time shapes its text anew, and the slowest scripts are not the common ones."""
    out: dict[str, Any] = {}
    for screen, key in (("consent", "next_screen_ms"), *((w, f"step_ms_{w}") for w in _WALK)):
        times = {c: max(touches[f"{key}_{c}"]) for c in languages if touches.get(f"{key}_{c}")}
        if times:
            worst = max(times, key=lambda c: times[c])
            out[f"{screen}_screen_slowest"] = {"language": worst, "ms": round(times[worst], 1)}
    return out


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


if __name__ == "__main__":
    sys.exit(main())
