"""Starting the Kivy apps: prepare Kivy first, then import and run the app."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

__all__ = ["parse_size", "run_app"]


def parse_size(size: str | None) -> tuple[int, int] | None:
    if not size:
        return None
    width, _, height = size.lower().partition("x")
    return int(width), int(height)


def run_app(
    kind: str,
    device_dir: Path,
    *,
    size: str | None,
    language: str | None,
    fullscreen: bool = False,
    rotation: int = 0,
) -> int:
    from kiosk.uikit.bootstrap import prepare_kivy

    fullscreen = fullscreen or os.environ.get("KIOSK_FULLSCREEN") == "1"
    prepare_kivy(parse_size(size), fullscreen=fullscreen, rotation=rotation)
    if kind == "traveller":
        from kiosk.traveller.app import build_kiosk_app
        from kiosk.traveller.settings import TravellerSettings

        settings = TravellerSettings(device_dir=device_dir)
        if language:
            rest = tuple(c for c in settings.languages if c != language)
            settings = TravellerSettings(device_dir=device_dir, languages=(language, *rest))
        app: Any = build_kiosk_app(settings)
    else:
        from kiosk.staff.app import build_staff_app
        from kiosk.staff.settings import StaffSettings

        app = build_staff_app(StaffSettings(device_dir=device_dir, language=language or "en"))
    stop_on_signals(app)
    from kivy.clock import Clock

    from kiosk.uikit.service_notify import start_watchdog

    Clock.schedule_once(lambda _dt: start_watchdog(), 0)
    app.run()
    return 0


def stop_on_signals(app: Any) -> None:
    """Ctrl-C or a service stop closes the app through its normal path (on_stop forgets)."""
    from kivy.clock import Clock

    def request_stop(_signum: int, _frame: object) -> None:
        Clock.schedule_once(lambda _dt: app.stop(), 0)

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
