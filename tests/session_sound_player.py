"""Run as the kiosk user by tests/test_session_sound.py: the kiosk's own alert chime
(Kivy's SDL2 audio) and speech (kiosk.traveller.speech, espeak-ng), on request.

Reads one command a line on stdin ("chime" or "speak"), answers "played" or
"failed" on stdout, and ends at end of input."""

from __future__ import annotations

import sys

from kiosk.uikit.bootstrap import prepare_kivy

prepare_kivy(None)

from kiosk.resources import ASSETS_DIR  # noqa: E402
from kiosk.traveller.chimes import Chimes  # noqa: E402
from kiosk.traveller.speech import Speaker  # noqa: E402


def main() -> None:
    chimes = Chimes(ASSETS_DIR / "sounds")
    speaker = Speaker()
    for line in sys.stdin:
        command = line.strip()
        if command == "chime":
            ok = chimes.play("alert")
        elif command == "speak":
            ok = speaker.say("Help is on its way. Please stay where you are.", "en")
        else:
            ok = False
        print("played" if ok else "failed", flush=True)
    speaker.stop()


if __name__ == "__main__":
    main()
