"""Back to the start when nobody is there: after a while untouched the kiosk
asks "Do you need more time?" with a countdown and a sound (WCAG 2.2.1), and
forgets everything if nobody answers."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from babel.numbers import format_decimal

from kiosk.uikit.translator import tr

__all__ = ["InactivityWatch"]

_LOG = logging.getLogger("kiosk.traveller")


class InactivityWatch:
    """Checked once a second (`check`); every touch (`touched`) starts it over.

    `may_reset`: whether the screen shown now is one to leave when untouched;
    `reset`: forget everything and show the start; `chime`: the warning's sound;
    `locale`: the language the countdown's number is written in; `idle_limit`
    (if given): the seconds untouched before the question on the screen shown now.
    """

    def __init__(
        self,
        idle_seconds: float,
        warning_seconds: float,
        *,
        may_reset: Callable[[], bool],
        reset: Callable[[], None],
        chime: Callable[[], None],
        locale: Callable[[], str],
        idle_limit: Callable[[], float] | None = None,
    ) -> None:
        self.idle_seconds = idle_seconds
        self.warning_seconds = warning_seconds
        self._may_reset = may_reset
        self._reset = reset
        self._chime = chime
        self._locale = locale
        self._idle_limit = idle_limit
        self._last_touch = time.monotonic()
        self._warning: Any = None

    def touched(self, *_args: Any) -> None:
        self._last_touch = time.monotonic()

    def check(self, _dt: float) -> None:
        idle = time.monotonic() - self._last_touch
        limit = self._idle_limit() if self._idle_limit is not None else self.idle_seconds
        if not self._may_reset() or idle <= limit:
            self.close_warning()
            return
        left = limit + self.warning_seconds - idle
        if left <= 0:
            _LOG.info("event=kiosk.inactivity_reset")
            self.close_warning()
            self._reset()
            return
        if self._warning is None:
            from kivy.factory import Factory

            self._warning = Factory.StillThereView()
            self._warning.open()
            self._chime()  # more than one sense: the screen and a sound
        # Translators: under "Do you need more time?". {seconds} counts down.
        self._warning.ids.countdown.text = tr.f(
            "This screen will go back to the start in {seconds} seconds.",
            seconds=format_decimal(int(left + 0.5), locale=self._locale()),
        )

    def more_time(self) -> None:
        """ "Yes, more time": start over, and close the question."""
        self.touched()
        self.close_warning()

    @property
    def asking(self) -> bool:
        """Whether "Do you need more time?" is on the screen."""
        return self._warning is not None

    def close_warning(self) -> None:
        if self._warning is not None:
            self._warning.dismiss(animation=False)
            self._warning = None
