"""The speech engines, behind one small protocol: is a voice installed, and the
commands that read text given on standard input (never on a command line, never
on disk) aloud, or into a wav file when a test asks for one.
"""

from __future__ import annotations

import functools
import math
import shutil
import subprocess
from pathlib import Path
from typing import Protocol

from kiosk.speech import hebrew, mandarin
from kiosk.speech.voices import ESPEAK, OPEN_JTALK, SpeechVoice

__all__ = ["ENGINES", "Engine", "EspeakNg", "OpenJTalk", "apt_fix", "engine_for"]

# The level the volume steps are measured from: espeak-ng's amplitude 120 (the
# default step) is Open JTalk's 0 dB, so both engines follow the same steps.
_REFERENCE_AMPLITUDE = 120


class Engine(Protocol):
    name: str
    apt_packages: tuple[str, ...]

    def installed(self, voice: str, *, to_file: bool) -> bool: ...

    def commands(self, voice: str, amplitude: int, wav: Path | None) -> list[list[str]]:
        """A pipeline: the first command reads the text on stdin."""
        ...

    def prepare(self, text: str, voice: str) -> str: ...


class EspeakNg:
    name: str = ESPEAK
    apt_packages: tuple[str, ...] = ("espeak-ng",)

    def installed(self, voice: str, *, to_file: bool) -> bool:
        return shutil.which("espeak-ng") is not None and voice in _espeak_voices()

    def commands(self, voice: str, amplitude: int, wav: Path | None) -> list[list[str]]:
        args = ["espeak-ng", "-v", voice, "-a", str(amplitude), "--stdin"]
        return [[*args, "-w", str(wav)] if wav else args]

    def prepare(self, text: str, voice: str) -> str:
        if voice.startswith("cmn"):
            return mandarin.for_espeak(text)  # words it misreads, in pinyin
        return hebrew.for_espeak(text)  # pointed Hebrew as it can read it


@functools.cache
def _espeak_voices() -> frozenset[str]:
    """Every name `-v` accepts (the language column and the file column)."""
    try:
        listing = subprocess.run(
            ["espeak-ng", "--voices"], capture_output=True, text=True, timeout=10, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    names: set[str] = set()
    for line in listing.splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 5:
            names.add(fields[1].lower())
            names.add(fields[4].rsplit("/", 1)[-1].lower())
    return frozenset(names)


class OpenJTalk:
    """Japanese: MeCab with the NAIST dictionary reads kanji in context; an HTS
    voice speaks. It writes a wav (to standard output, for `aplay`)."""

    name: str = OPEN_JTALK
    apt_packages: tuple[str, ...] = (
        "open-jtalk",
        "open-jtalk-mecab-naist-jdic",
        "hts-voice-nitech-jp-atr503-m001",  # in Debian's contrib component
        "alsa-utils",  # aplay
    )
    dictionary = Path("/var/lib/mecab/dic/open-jtalk/naist-jdic")
    voices = Path("/usr/share/hts-voice")

    def voice_file(self, voice: str) -> Path:
        return self.voices / voice / f"{voice.replace('-', '_')}.htsvoice"

    def installed(self, voice: str, *, to_file: bool) -> bool:
        return (
            shutil.which("open_jtalk") is not None
            and (self.dictionary / "sys.dic").is_file()
            and self.voice_file(voice).is_file()
            and (to_file or shutil.which("aplay") is not None)
        )

    def commands(self, voice: str, amplitude: int, wav: Path | None) -> list[list[str]]:
        gain = 20 * math.log10(max(amplitude, 1) / _REFERENCE_AMPLITUDE)
        args = ["open_jtalk", "-x", str(self.dictionary), "-m", str(self.voice_file(voice))]
        args += ["-g", f"{gain:.1f}", "-ow", str(wav) if wav else "/dev/stdout"]
        return [args] if wav else [args, ["aplay", "-q", "-"]]

    def prepare(self, text: str, voice: str) -> str:
        """Open JTalk reads one line: the screen's lines become sentences."""
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        return "".join(line if line[-1] in "。！？!?、" else line + "。" for line in lines)


ENGINES: dict[str, Engine] = {ESPEAK: EspeakNg(), OPEN_JTALK: OpenJTalk()}


def engine_for(voice: SpeechVoice) -> Engine:
    return ENGINES[voice.engine]


def apt_fix(engines: set[str]) -> str:
    """The command that installs `engines` (Open JTalk's voice is in contrib)."""
    packages = sorted({p for name in engines for p in ENGINES[name].apt_packages})
    return "apt-get install " + " ".join(packages)
