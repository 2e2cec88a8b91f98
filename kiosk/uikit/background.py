"""Run blocking work (network, decryption) off the UI thread and post the
result back on Kivy's clock: the UI thread never waits on the network."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from kivy.clock import Clock

__all__ = ["on_ui_thread", "run_in_background"]

T = TypeVar("T")


def on_ui_thread(fn: Callable[..., Any], *args: Any) -> None:
    Clock.schedule_once(lambda _dt: fn(*args), 0)


def run_in_background(
    work: Callable[[], T],
    on_done: Callable[[T], None],
    on_error: Callable[[Exception], None],
) -> None:
    def runner() -> None:
        try:
            result = work()
        except Exception as exc:  # handed to the UI, which decides what the user sees
            on_ui_thread(on_error, exc)
            return
        on_ui_thread(on_done, result)

    threading.Thread(target=runner, name="ui-background", daemon=True).start()
