"""Speech output built into the kiosk (EN 301 549 5.1.3.1, 5.1.3.14): what is on
the screen, read aloud in the language it is shown in, offline, by the engine
`kiosk.speech.voices` names for that language (espeak-ng; Open JTalk for
Japanese). A language with no engine that reads it correctly is not spoken:
`say` returns False and starts nothing, and the app shows that instead.

The text goes to the engine on standard input, not on its command line, so it
never appears in a process list; nothing is written to disk (unless a test
asks for the audio in a file, KIOSK_SPEECH_WAV_DIR). Only content-free events
are logged: never the text, nor the voice (it says the traveller's language).
"""

from __future__ import annotations

import logging
import os
import subprocess
import threading
from pathlib import Path
from typing import IO

from kiosk.speech.engines import engine_for
from kiosk.speech.spoken_text import speech_text
from kiosk.speech.voices import VOICES, voice

__all__ = ["DEFAULT_LEVEL", "VOLUME_LEVELS", "Speaker"]

_LOG = logging.getLogger("kiosk.traveller")

# The on-screen quieter/louder steps, as espeak-ng amplitudes (-a, linear):
# 20 to 200 spans 20 dB, more than EN 301 549 8.2.1's 18 dB. Open JTalk gets
# the same steps in dB (-g), 0 dB at the default step.
VOLUME_LEVELS = (20, 35, 55, 85, 120, 160, 200)
DEFAULT_LEVEL = 4


class Speaker:
    """One utterance at a time: a new one (or `stop`) cuts the previous one off."""

    def __init__(self, amplitude: int = VOLUME_LEVELS[DEFAULT_LEVEL]) -> None:
        self.amplitude = amplitude  # espeak-ng's 0-200; reset to the default per session
        self.default_amplitude = amplitude
        self._processes: list[subprocess.Popen[bytes]] = []
        self._lock = threading.Lock()
        self._count = 0
        self._wav_dir = os.environ.get("KIOSK_SPEECH_WAV_DIR", "")

    @property
    def available(self) -> bool:
        """Some language can be spoken here (the speaker button is shown; in a
        language that cannot, pressing it says so on screen)."""
        return any(self.speaks(code) for code in VOICES)

    def speaks(self, locale: str) -> bool:
        """`locale` has a voice, and its engine and voice are installed."""
        chosen = voice(locale)
        if chosen is None:
            return False
        return engine_for(chosen).installed(chosen.voice, to_file=bool(self._wav_dir))

    def say(self, text: str, locale: str) -> bool:
        """Start reading `text` aloud in `locale`'s voice; False, and nothing
        started, if the language is not spoken or its engine is missing."""
        chosen = voice(locale)
        if chosen is None or not text.strip() or not self.speaks(locale):
            _LOG.info("event=speech.unavailable")
            return False
        engine = engine_for(chosen)
        spoken = engine.prepare(speech_text(locale, text), chosen.voice).encode()
        with self._lock:
            self.stop_locked()
            wav = None
            if self._wav_dir:
                self._count += 1
                wav = Path(self._wav_dir) / f"utterance-{self._count}-{chosen.voice}.wav"
            commands = engine.commands(chosen.voice, self.amplitude, wav)
            source: int | IO[bytes] = subprocess.PIPE
            for n, args in enumerate(commands, 1):
                process = subprocess.Popen(
                    args,
                    stdin=source,
                    stdout=subprocess.PIPE if n < len(commands) else subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                if self._processes:  # the previous one's output is now only this one's
                    self._processes[-1].stdout.close()  # type: ignore[union-attr]
                source = process.stdout  # type: ignore[assignment]
                self._processes.append(process)
            first = self._processes[0]
            assert first.stdin is not None
            first.stdin.write(spoken)
            first.stdin.close()
        _LOG.info("event=speech.started")  # not the voice either: it is their language
        return True

    def stop(self) -> None:
        with self._lock:
            self.stop_locked()

    def stop_locked(self) -> None:
        for process in self._processes:
            if process.poll() is None:
                process.terminate()
        self._processes = []

    def reset(self) -> None:
        """End of a session: silence, and the volume back to its default."""
        self.stop()
        self.amplitude = self.default_amplitude
