"""Generate the staff console's alert tones (deterministic, no third-party audio).

alert.wav: a two-tone chime, for a new request.
alert-urgent.wav: three fast high beeps, for urgent medical or safety requests,
so staff can tell them apart without looking.
status.wav: two soft rising tones, on the kiosk, when its status changes
(sent, help coming, could not send, done), so it is heard as well as seen.
"""

from __future__ import annotations

import argparse
import math
import struct
import wave
from pathlib import Path

RATE = 22050


def _tone(freq: float, seconds: float, volume: float = 0.6) -> list[float]:
    n = int(RATE * seconds)
    fade = int(RATE * 0.01)  # 10 ms ramps: no clicks at the edges
    out = []
    for i in range(n):
        envelope = min(1.0, i / fade, (n - i) / fade)
        sample = math.sin(2 * math.pi * freq * i / RATE)
        sample += 0.3 * math.sin(2 * math.pi * 2 * freq * i / RATE)  # brighter, carries further
        out.append(volume * envelope * sample / 1.3)
    return out


def _silence(seconds: float) -> list[float]:
    return [0.0] * int(RATE * seconds)


def _write(path: Path, samples: list[float]) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(b"".join(struct.pack("<h", int(s * 32767)) for s in samples))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("assets/sounds"))
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    _write(out / "alert.wav", _tone(880, 0.35) + _silence(0.05) + _tone(660, 0.5))
    urgent: list[float] = []
    for _ in range(3):
        urgent += _tone(1320, 0.15, 0.8) + _silence(0.08)
    _write(out / "alert-urgent.wav", urgent)
    _write(out / "status.wav", _tone(660, 0.18, 0.4) + _tone(880, 0.3, 0.4))
    for name in ("alert.wav", "alert-urgent.wav", "status.wav"):
        print(name, (out / name).stat().st_size, "bytes")


if __name__ == "__main__":
    main()
