"""Speech output: the speaker button reads the screen aloud with espeak-ng, in the
language it is shown in (EN 301 549 5.1.3.14), and never logs what it reads."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from tests.app_driver import AppDriver
from tests.conftest import HubProcess, Site

pytestmark = [
    pytest.mark.usefixtures("display"),
    pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng"),
]


def _wait_for_wav(directory: Path, voice: str) -> Path:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = [p for p in directory.glob(f"utterance-*-{voice}.wav") if p.stat().st_size > 20_000]
        if found:
            time.sleep(0.5)  # let espeak-ng finish the file
            return found[0]
        time.sleep(0.2)
    raise AssertionError(f"no speech in voice {voice}: {sorted(directory.iterdir())}")


@pytest.mark.parametrize(("code", "voice"), [("en", "en-gb"), ("ar", "ar"), ("ja", "ja")])
def test_the_speaker_button_reads_the_screen_in_its_language(
    site: Site, hub: HubProcess, tmp_path: Path, code: str, voice: str
) -> None:
    audio = tmp_path / "audio"
    audio.mkdir()
    log = tmp_path / "traveller.log"
    kiosk = AppDriver(
        "traveller", site.kiosk.directory, "720x1280", log, env={"KIOSK_SPEECH_WAV_DIR": str(audio)}
    )
    try:
        kiosk.press(language=code)
        kiosk.wait_until(lambda s: s["screen"] == "consent", "consent")
        kiosk.press(widget_class="SpeakButton")
        wav = _wait_for_wav(audio, voice)
        assert wav.read_bytes()[:4] == b"RIFF"  # real audio from the real engine
    finally:
        kiosk.close()
    text = log.read_text()
    assert f"event=speech.started voice={voice}" in text
    assert "camera" not in text  # the consent text itself is never logged
