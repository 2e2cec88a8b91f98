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

A copy sealed to a short-lived key (kiosk.crypto.epoch) says which: its first
byte has the high bit set and the key id follows; the id is bound into `info`
too. Only that key opens it, never the device's long-term key, so destroying
the short-lived key leaves no key anywhere that opens the copy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric import x25519

from kiosk.core.errors import CannotOpen, CryptoError
from kiosk.core.site import DEFAULT_SUITE
from kiosk.crypto.epoch import KEY_ID_LENGTH
from kiosk.crypto.keys import hpke_public_key

__all__ = [
    "REPLY_PURPOSE",
    "TICKET_PURPOSE",
    "open_reply",
    "open_ticket",
    "seal_reply",
    "seal_ticket",
    "sealed_key_id",
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
_SHORT_LIVED = 0x80  # flag on the suite byte: a key id follows


class ReceivingKey(Protocol):
    """A device's long-term keys (DeviceKeys) or a short-lived one (EphemeralKey)."""

    @property
    def hpke_private(self) -> hpke.MLKEM768X25519PrivateKey: ...

    @property
    def x25519_private(self) -> x25519.X25519PrivateKey: ...


def _seal(
    purpose: bytes,
    suite_name: str,
    body: bytes,
    public: bytes,
    binding: bytes,
    key_id: bytes | None = None,
) -> bytes:
    try:
        tag, suite = _SUITES[suite_name]
    except KeyError:
        raise CryptoError(f"unknown HPKE suite {suite_name!r}") from None
    if suite_name == "X25519":
        # The device's hybrid key ends with its X25519 half: one key pair, two suites.
        key: object = x25519.X25519PublicKey.from_public_bytes(public[-_X25519_PUBLIC:])
    else:
        key = hpke_public_key(public)
    head = bytes([tag])
    info = purpose + binding
    if key_id is not None:
        if len(key_id) != KEY_ID_LENGTH:
            raise CryptoError("a key id has the wrong length")
        head = bytes([tag | _SHORT_LIVED]) + key_id
        info = purpose + b"short-lived\x00" + key_id + binding
    return head + suite.encrypt(body, key, info=info)  # type: ignore[arg-type]


def sealed_key_id(sealed: bytes) -> bytes | None:
    """The short-lived key a copy was sealed to; None for a device's long-term key."""
    if len(sealed) > KEY_ID_LENGTH and sealed[0] & _SHORT_LIVED:
        return sealed[1 : 1 + KEY_ID_LENGTH]
    return None


def _open(
    purpose: bytes,
    sealed: bytes,
    keys: ReceivingKey,
    binding: bytes,
    short_lived: Mapping[bytes, ReceivingKey] | None = None,
) -> bytes:
    if not sealed or (sealed[0] & ~_SHORT_LIVED) not in _BY_TAG:
        raise CannotOpen("not a sealed copy this device understands")
    name, suite = _BY_TAG[sealed[0] & ~_SHORT_LIVED]
    key_id = sealed_key_id(sealed)
    info = purpose + binding
    if key_id is not None:
        found = (short_lived or {}).get(key_id)
        if found is None:
            raise CannotOpen("sealed to a short-lived key this device does not hold")
        keys, sealed = found, sealed[KEY_ID_LENGTH:]
        info = purpose + b"short-lived\x00" + key_id + binding
    private = keys.x25519_private if name == "X25519" else keys.hpke_private
    try:
        return suite.decrypt(sealed[1:], private, info=info)
    except (InvalidTag, ValueError):
        raise CannotOpen("this was not sealed to this device, or was altered") from None


def seal_ticket(
    body: bytes,
    recipients: Mapping[str, bytes],
    binding: bytes,
    suite: str = DEFAULT_SUITE,
    key_ids: Mapping[str, bytes] | None = None,
) -> dict[str, bytes]:
    """Seal `body` once per recipient (device id → HPKE public key bytes).

    A recipient in `key_ids` is sealed to a short-lived key (its public half is
    the one in `recipients`) and the copy names that key.
    """
    ids = key_ids or {}
    return {
        device_id: _seal(TICKET_PURPOSE, suite, body, public, binding, ids.get(device_id))
        for device_id, public in recipients.items()
    }


def open_ticket(
    sealed: bytes,
    keys: ReceivingKey,
    binding: bytes,
    short_lived: Mapping[bytes, ReceivingKey] | None = None,
) -> bytes:
    """Open with `keys` (long-term), or the short-lived key the copy names."""
    return _open(TICKET_PURPOSE, sealed, keys, binding, short_lived)


def seal_reply(
    body: bytes,
    kiosk_public: bytes,
    binding: bytes,
    suite: str = DEFAULT_SUITE,
    key_id: bytes | None = None,
) -> bytes:
    return _seal(REPLY_PURPOSE, suite, body, kiosk_public, binding, key_id)


def open_reply(
    sealed: bytes,
    keys: ReceivingKey,
    binding: bytes,
    short_lived: Mapping[bytes, ReceivingKey] | None = None,
) -> bytes:
    return _open(REPLY_PURPOSE, sealed, keys, binding, short_lived)
