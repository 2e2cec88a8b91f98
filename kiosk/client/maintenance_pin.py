"""The maintenance PIN that guards a kiosk's technician screen.

Stored only as a salted scrypt hash (mode 0600) in the device directory; the
screen locks for a minute after three wrong tries, so a traveller cannot
guess their way in.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path

from kiosk.core.errors import SiteError

__all__ = ["LOCKOUT_SECONDS", "MAX_TRIES", "check_pin", "has_pin", "set_pin"]

MAX_TRIES = 3
LOCKOUT_SECONDS = 60.0
_FILE = "maintenance-pin"
_N, _R, _P = 2**14, 8, 1


def _hash(pin: str, salt: bytes) -> bytes:
    return hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)


def set_pin(device_dir: Path, pin: str) -> None:
    if not (pin.isdigit() and 6 <= len(pin) <= 10):
        raise SiteError("a maintenance PIN has 6 to 10 digits")
    from kiosk.crypto import write_private_file

    salt = secrets.token_bytes(16)
    write_private_file(device_dir / _FILE, (salt + _hash(pin, salt)).hex().encode())


def has_pin(device_dir: Path) -> bool:
    return (device_dir / _FILE).exists()


def check_pin(device_dir: Path, pin: str) -> bool:
    try:
        stored = bytes.fromhex((device_dir / _FILE).read_text().strip())
    except (FileNotFoundError, ValueError):
        return False
    salt, expected = stored[:16], stored[16:]
    return hmac.compare_digest(_hash(pin, salt), expected)
