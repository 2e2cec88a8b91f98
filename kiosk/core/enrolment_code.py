"""One-time enrolment codes: short, typeable on a touchscreen, hard to guess.

Twelve characters of Crockford's base32 (no I, L, O or U) carry 60 random
bits, shown in groups of four: "K7M4-P9XR-2QWE". Typing is forgiving: case,
dashes, spaces and the look-alikes O/0 and I/L/1 are normalised. The hub keeps
only a hash of the code.
"""

from __future__ import annotations

import hashlib
import secrets

__all__ = ["CODE_LENGTH", "code_hash", "new_code", "normalise_code"]

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})


def new_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalise_code(typed: str) -> str:
    """The canonical code, or "" if what was typed cannot be a code."""
    cleaned = "".join(ch for ch in typed.upper() if ch.isalnum()).translate(_LOOKALIKES)
    if len(cleaned) != CODE_LENGTH or any(ch not in _ALPHABET for ch in cleaned):
        return ""
    return cleaned


def code_hash(typed: str) -> str:
    return hashlib.sha256(b"kiosk/enrolment/v1\x00" + normalise_code(typed).encode()).hexdigest()
