"""Speech output built into the kiosk (EN 301 549 5.1.3.1, 5.1.3.14): what is on
the screen, read aloud in the language it is shown in, by espeak-ng, offline.

The text goes to espeak-ng on standard input, not on its command line, so it
never appears in a process list; nothing is written to disk (unless a test
asks for the audio in a file, KIOSK_SPEECH_WAV_DIR).
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import threading
from pathlib import Path

__all__ = ["DEFAULT_LEVEL", "VOICES", "VOLUME_LEVELS", "Speaker", "voice_for"]

_LOG = logging.getLogger("kiosk.traveller")

# espeak-ng voice per offered locale, where its name differs from the locale code.
VOICES = {"zh_Hans": "cmn", "zh_Hant": "cmn", "en": "en-gb"}


# The on-screen quieter/louder steps, as espeak-ng amplitudes (-a, linear):
# 20 to 200 spans 20 dB, more than EN 301 549 8.2.1's 18 dB.
VOLUME_LEVELS = (20, 35, 55, 85, 120, 160, 200)
DEFAULT_LEVEL = 4


def voice_for(locale: str) -> str:
    return VOICES.get(locale, locale.split("_")[0])


class Speaker:
    """One utterance at a time: a new one (or `stop`) cuts the previous one off."""

    def __init__(self, amplitude: int = VOLUME_LEVELS[DEFAULT_LEVEL]) -> None:
        self.amplitude = amplitude  # espeak-ng's 0-200; reset to the default per session
        self.default_amplitude = amplitude
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._count = 0
        self._wav_dir = os.environ.get("KIOSK_SPEECH_WAV_DIR", "")

    @property
    def available(self) -> bool:
        return shutil.which("espeak-ng") is not None

    def say(self, text: str, locale: str) -> bool:
        """Start reading `text` aloud in `locale`'s voice; False if there is no engine."""
        if not self.available or not text.strip():
            return False
        voice = voice_for(locale)
        args = ["espeak-ng", "-v", voice, "-a", str(self.amplitude), "--stdin"]
        with self._lock:
            self.stop_locked()
            if self._wav_dir:
                self._count += 1
                args += ["-w", str(Path(self._wav_dir) / f"utterance-{self._count}-{voice}.wav")]
            self._process = subprocess.Popen(
                args,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            assert self._process.stdin is not None
            self._process.stdin.write(text.encode())
            self._process.stdin.close()
        _LOG.info("event=speech.started")  # not the voice either: it is their language
        return True

    def stop(self) -> None:
        with self._lock:
            self.stop_locked()

    def stop_locked(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
        self._process = None

    def reset(self) -> None:
        """End of a session: silence, and the volume back to its default."""
        self.stop()
        self.amplitude = self.default_amplitude
