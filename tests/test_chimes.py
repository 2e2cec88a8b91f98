"""The kiosk's sounds count only when the audio device took them: a chime that
is missing or that no device played must not let a sound test pass."""

from __future__ import annotations

import os
import wave
from pathlib import Path

from tests.kivy_in_process import kivy_ready

os.environ.setdefault("SDL_AUDIODRIVER", "dummy")  # no sound card in CI; SDL still mixes
kivy_ready()

from kiosk.resources import ASSETS_DIR  # noqa: E402
from kiosk.traveller.chimes import Chimes  # noqa: E402


def test_the_kiosks_own_sounds_play_and_are_counted() -> None:
    chimes = Chimes(ASSETS_DIR / "sounds")
    for name in ("alert", "status"):
        assert chimes.play(name), name
    assert chimes.played == 2


def test_a_missing_sound_is_not_counted(tmp_path: Path) -> None:
    chimes = Chimes(tmp_path)  # an installation that lost its sound files
    assert not chimes.play("status")
    assert chimes.played == 0


def test_a_sound_no_device_accepts_is_not_counted(tmp_path: Path) -> None:
    broken = tmp_path / "status.wav"
    with wave.open(str(broken), "wb") as w:  # a header and no sound in it
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(22050)
    broken.write_bytes(broken.read_bytes()[:20])  # cut inside the header
    chimes = Chimes(tmp_path)
    assert not chimes.play("status")
    assert chimes.played == 0
