"""The kiosk's sounds (beside what the screen shows: EAA Annex I asks for more
than one sense), and a count of those that really started to play."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from kivy.core.audio import SoundLoader

__all__ = ["Chimes"]

_LOG = logging.getLogger("kiosk.traveller")


class Chimes:
    """`play(name)` plays `<folder>/<name>.wav`, loaded once.

    `played` counts only sounds the audio device accepted: a sound that is
    missing or that no device took is not counted, so a test that waits for a
    chime fails when the kiosk made no sound.
    """

    def __init__(self, folder: Path, volume: float = 0.6) -> None:
        self.folder = folder
        self.volume = volume
        self.played = 0
        self._loaded: dict[str, Any] = {}

    def play(self, name: str = "alert") -> bool:
        if name not in self._loaded:
            self._loaded[name] = SoundLoader.load(str(self.folder / f"{name}.wav"))
        sound = self._loaded[name]
        if sound is None:
            _LOG.warning("event=sound.unavailable name=%s", name)
            return False
        sound.volume = self.volume
        sound.play()
        if sound.state != "play":  # Kivy sets it only once a channel took the sound
            _LOG.warning("event=sound.not_played name=%s", name)
            return False
        self.played += 1
        return True
