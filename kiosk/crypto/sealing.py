"""Sealing ticket bodies to each staff device of the route, with HPKE (RFC 9180).

Default suite: hybrid post-quantum ML-KEM-768 + X25519, HKDF-SHA256,
ChaCha20-Poly1305; a site may configure classical X25519 as a fallback. Each
sealed copy starts with one byte naming its suite, so a device can open either.
Every recipient gets its own copy (bodies are a few hundred bytes, so a copy
per recipient is simpler than wrapping a content key, and costs little).
The routing metadata is bound in through HPKE's `info`, since this API has no
separate AAD: a hub that alters location, category or urgency breaks the seal.
Staff replies to a traveller are sealed the same way to the kiosk's key, with
their own purpose string, so a reply can never be passed off as a ticket.
"""

from __future__ import annotations

from collections.abc import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric import x25519

from kiosk.core.errors import CannotOpen, CryptoError
from kiosk.core.site import DEFAULT_SUITE
from kiosk.crypto.keys import DeviceKeys, hpke_public_key

__all__ = [
    "REPLY_PURPOSE",
    "TICKET_PURPOSE",
    "open_reply",
    "open_ticket",
    "seal_reply",
    "seal_ticket",
]

TICKET_PURPOSE = b"kiosk/ticket/v1\x00"
REPLY_PURPOSE = b"kiosk/reply/v1\x00"

_SUITES = {
    "MLKEM768_X25519": (
        1,
        hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.CHACHA20_POLY1305),
    ),
    "X25519": (
        2,
        hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.CHACHA20_POLY1305),
    ),
}
_BY_TAG = {tag: (name, suite) for name, (tag, suite) in _SUITES.items()}
_X25519_PUBLIC = 32


def _seal(purpose: bytes, suite_name: str, body: bytes, public: bytes, binding: bytes) -> bytes:
    try:
        tag, suite = _SUITES[suite_name]
    except KeyError:
        raise CryptoError(f"unknown HPKE suite {suite_name!r}") from None
    if suite_name == "X25519":
        # The device's hybrid key ends with its X25519 half: one key pair, two suites.
        key: object = x25519.X25519PublicKey.from_public_bytes(public[-_X25519_PUBLIC:])
    else:
        key = hpke_public_key(public)
    return bytes([tag]) + suite.encrypt(body, key, info=purpose + binding)  # type: ignore[arg-type]


def _open(purpose: bytes, sealed: bytes, keys: DeviceKeys, binding: bytes) -> bytes:
    if not sealed or sealed[0] not in _BY_TAG:
        raise CannotOpen("not a sealed copy this device understands")
    name, suite = _BY_TAG[sealed[0]]
    private = keys.x25519_private if name == "X25519" else keys.hpke_private
    try:
        return suite.decrypt(sealed[1:], private, info=purpose + binding)
    except (InvalidTag, ValueError):
        raise CannotOpen("this was not sealed to this device, or was altered") from None


def seal_ticket(
    body: bytes, recipients: Mapping[str, bytes], binding: bytes, suite: str = DEFAULT_SUITE
) -> dict[str, bytes]:
    """Seal `body` once per recipient (device id → HPKE public key bytes)."""
    return {
        device_id: _seal(TICKET_PURPOSE, suite, body, public, binding)
        for device_id, public in recipients.items()
    }


def open_ticket(sealed: bytes, keys: DeviceKeys, binding: bytes) -> bytes:
    return _open(TICKET_PURPOSE, sealed, keys, binding)


def seal_reply(
    body: bytes, kiosk_public: bytes, binding: bytes, suite: str = DEFAULT_SUITE
) -> bytes:
    return _seal(REPLY_PURPOSE, suite, body, kiosk_public, binding)


def open_reply(sealed: bytes, keys: DeviceKeys, binding: bytes) -> bytes:
    return _open(REPLY_PURPOSE, sealed, keys, binding)
