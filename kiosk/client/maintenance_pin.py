"""The maintenance PIN that guards a kiosk's technician screen.

Stored only as a salted scrypt hash (mode 0600) in the device directory; the
screen locks for a minute after three wrong tries, so a traveller cannot
guess their way in. The count of wrong tries and the lockout are kept in the
device directory too (a count and a time, nothing typed): pulling the plug or
restarting the app does not give anyone three more tries.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import json
import secrets
import time
from pathlib import Path

from kiosk.core.errors import SiteError

__all__ = ["LOCKOUT_SECONDS", "MAX_TRIES", "PinCheck", "check_pin", "has_pin", "set_pin"]

MAX_TRIES = 3
LOCKOUT_SECONDS = 60.0
_FILE = "maintenance-pin"
_TRIES_FILE = "maintenance-pin-tries"
_N, _R, _P = 2**14, 8, 1


class PinCheck(enum.Enum):
    ACCEPTED = "accepted"
    WRONG = "wrong"
    LOCKED = "locked"  # too many wrong tries: not even checked until the lockout ends


def _hash(pin: str, salt: bytes) -> bytes:
    return hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)


def set_pin(device_dir: Path, pin: str) -> None:
    if not (pin.isdigit() and 6 <= len(pin) <= 10):
        raise SiteError("a maintenance PIN has 6 to 10 digits")
    from kiosk.crypto import write_private_file

    salt = secrets.token_bytes(16)
    write_private_file(device_dir / _FILE, (salt + _hash(pin, salt)).hex().encode())
    (device_dir / _TRIES_FILE).unlink(missing_ok=True)  # a new PIN starts afresh


def has_pin(device_dir: Path) -> bool:
    return (device_dir / _FILE).exists()


def _tries(device_dir: Path) -> tuple[int, float]:
    """(wrong tries so far, locked until): a file that is unreadable counts as a
    lockout, not as a fresh start (tampering with it gains nothing)."""
    path = device_dir / _TRIES_FILE
    if not path.exists():
        return 0, 0.0
    try:
        doc = json.loads(path.read_text())
        return int(doc["wrong"]), float(doc["locked_until"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0, float("inf")


def _write_tries(device_dir: Path, wrong: int, locked_until: float) -> None:
    from kiosk.crypto import write_private_file

    doc = {"wrong": wrong, "locked_until": locked_until}
    write_private_file(device_dir / _TRIES_FILE, json.dumps(doc).encode())


def check_pin(device_dir: Path, pin: str, now: float | None = None) -> PinCheck:
    """Whether `pin` is the maintenance PIN; LOCKED (without checking) for
    LOCKOUT_SECONDS after MAX_TRIES wrong ones in a row, across restarts."""
    now = time.time() if now is None else now
    wrong, locked_until = _tries(device_dir)
    if locked_until > now + LOCKOUT_SECONDS:  # the clock went back, or the file is bad
        locked_until = now + LOCKOUT_SECONDS
        _write_tries(device_dir, 0, locked_until)
    if now < locked_until:
        return PinCheck.LOCKED
    try:
        stored = bytes.fromhex((device_dir / _FILE).read_text().strip())
    except (FileNotFoundError, ValueError):
        return PinCheck.WRONG
    # Counted before the check, so that cutting the power during it gains no try.
    wrong += 1
    locked = wrong >= MAX_TRIES
    _write_tries(device_dir, 0 if locked else wrong, now + LOCKOUT_SECONDS if locked else 0.0)
    salt, expected = stored[:16], stored[16:]
    if hmac.compare_digest(_hash(pin, salt), expected):
        (device_dir / _TRIES_FILE).unlink(missing_ok=True)
        return PinCheck.ACCEPTED
    return PinCheck.LOCKED if locked else PinCheck.WRONG
