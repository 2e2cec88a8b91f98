"""Speech output: the speaker button reads the screen aloud with espeak-ng, in the
language it is shown in (EN 301 549 5.1.3.14), and never logs what it reads; its
volume is set on screen over more than 18 dB (8.2.1) and reset per session."""

from __future__ import annotations

import array
import math
import shutil
import time
import wave
from pathlib import Path

import pytest

from kiosk.i18n import load_translations
from kiosk.traveller.speech import DEFAULT_LEVEL, VOLUME_LEVELS
from tests.app_driver import AppDriver
from tests.conftest import HubProcess, Site
from tests.waiting import wait_until

pytestmark = [
    pytest.mark.usefixtures("display"),
    pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng"),
]


def _written(path: Path) -> bool:
    """Finished: espeak-ng writes the RIFF header's sizes last, as it closes the file
    (until then they are placeholders)."""
    data = path.read_bytes()
    return len(data) > 44 and int.from_bytes(data[4:8], "little") == len(data) - 8


def _written_wav(directory: Path, pattern: str, what: str) -> Path:
    def written() -> Path | None:
        return next((p for p in sorted(directory.glob(pattern)) if _written(p)), None)

    try:
        return wait_until(written, what)
    except AssertionError as exc:
        raise AssertionError(f"{exc}: {sorted(directory.iterdir())}") from None


def _wait_for_wav(directory: Path, voice: str) -> Path:
    return _written_wav(directory, f"utterance-*-{voice}.wav", f"speech in voice {voice}")


# Japanese is Open JTalk's voice: espeak-ng reads kanji as English words.
@pytest.mark.parametrize(
    ("code", "voice"), [("en", "en-gb"), ("ar", "ar"), ("ja", "nitech-jp-atr503-m001")]
)
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
        # The engine got the screen's text in the language on screen, not English.
        said = kiosk.call("spoken")["spoken"][-1]
        assert said["locale"] == code
        heading = load_translations(code).gettext("Before you ask for help")
        assert heading in said["text"]
        if code != "en":
            assert "Before you ask for help" not in said["text"]
    finally:
        kiosk.close()
    text = log.read_text()
    assert "event=speech.started" in text
    assert "voice=" not in text  # nor the voice: it says the traveller's language
    assert "camera" not in text  # the consent text itself is never logged


def test_a_language_without_a_correct_voice_says_so_on_screen(
    site: Site, hub: HubProcess, tmp_path: Path
) -> None:
    """Thai has no engine that reads it correctly: the speaker starts nothing and
    the screen says, in Thai, that spoken instructions are not available."""
    audio = tmp_path / "audio"
    audio.mkdir()
    kiosk = AppDriver(
        "traveller",
        site.kiosk.directory,
        "720x1280",
        tmp_path / "t.log",
        env={"KIOSK_SPEECH_WAV_DIR": str(audio)},
    )
    notice = load_translations("th").gettext(
        "Spoken instructions are not available in this language."
    )
    assert notice != "Spoken instructions are not available in this language."
    try:
        kiosk.press(language="th")
        kiosk.wait_until(lambda s: s["screen"] == "consent", "consent")
        kiosk.press(widget_class="SpeakButton")
        kiosk.wait_until(lambda s: notice in s["texts"], "the notice in Thai")
        assert kiosk.call("spoken")["spoken"][-1]["locale"] == "th"
        assert list(audio.iterdir()) == []  # nothing was started
    finally:
        kiosk.close()


def _loudness(path: Path) -> float:
    with wave.open(str(path)) as w:
        samples = array.array("h", w.readframes(w.getnframes()))
    return math.sqrt(sum(x * x for x in samples) / len(samples))


def _finished(directory: Path, count: int) -> Path:
    """The wav of utterance number `count`, once espeak-ng has finished it."""
    return _written_wav(directory, f"utterance-{count}-*.wav", f"utterance {count} finished")


def test_quieter_and_louder_span_18_db_and_reset_with_the_session(
    site: Site, hub: HubProcess, tmp_path: Path
) -> None:
    audio = tmp_path / "audio"
    audio.mkdir()
    kiosk = AppDriver(
        "traveller",
        site.kiosk.directory,
        "1080x1920",
        tmp_path / "t.log",
        env={"KIOSK_SPEECH_WAV_DIR": str(audio)},
    )
    try:
        kiosk.press(language="de")
        kiosk.wait_until(lambda s: s["screen"] == "consent", "consent")
        for _ in range(DEFAULT_LEVEL):  # each step reads the screen at the new volume
            kiosk.press(widget_class="QuieterButton")
        state = kiosk.state()
        assert state["modes"]["volume_level"] == 0
        quiet = _finished(audio, DEFAULT_LEVEL)
        for _ in range(len(VOLUME_LEVELS) - 1):
            kiosk.press(widget_class="LouderButton")
        assert kiosk.state()["modes"]["volume_level"] == len(VOLUME_LEVELS) - 1
        loud = _finished(audio, DEFAULT_LEVEL + len(VOLUME_LEVELS) - 1)
        spoken = kiosk.call("spoken")["spoken"]
        assert [s["amplitude"] for s in spoken] == [
            *VOLUME_LEVELS[DEFAULT_LEVEL - 1 :: -1],
            *VOLUME_LEVELS[1:],
        ]
        assert all(s["locale"] == "de" for s in spoken)
        # Measured in the engine's real output: at least 18 dB between the ends.
        assert 20 * math.log10(_loudness(loud) / _loudness(quiet)) >= 18
        kiosk.press(id="cancel")
        state = kiosk.wait_until(lambda s: s["screen"] == "start", "start")
        assert state["modes"]["volume_level"] == DEFAULT_LEVEL  # the next traveller's default
        assert kiosk.call("spoken")["amplitude"] == VOLUME_LEVELS[DEFAULT_LEVEL]
    finally:
        kiosk.close()


def test_the_start_screen_is_read_in_the_language_it_shows_and_says_which_switch_is_on(
    site: Site, hub: HubProcess, tmp_path: Path
) -> None:
    """The start screen's title changes language every few seconds: the speaker
    reads it in the language on show at that moment, and names the switches
    that are on (EN 301 549 5.6.1)."""
    kiosk = AppDriver("traveller", site.kiosk.directory, "1080x1920", tmp_path / "t.log")
    try:
        kiosk.press(id="mode_high_contrast")
        first = kiosk.state()["texts"]
        kiosk.wait_until(lambda s: s["texts"] != first, "the title in another language")
        kiosk.press(widget_class="SpeakButton")
        said = kiosk.call("spoken")["spoken"][-1]
        catalog = load_translations(said["locale"])
        assert catalog.gettext("Need help?") in said["text"]
        switch = catalog.gettext("High contrast") + " " + catalog.gettext("(on)")
        assert switch in said["text"]
        assert catalog.gettext("Larger text") + " " + catalog.gettext("(on)") not in said["text"]
        # While it is read, the screen stays in that language.
        time.sleep(4)  # longer than the title's 3 s turn: it would have moved on by now
        assert catalog.gettext("Need help?") in kiosk.state()["texts"]
    finally:
        kiosk.close()
