"""Sealing ticket bodies to each staff device of the route, with HPKE (RFC 9180).

Suite: hybrid post-quantum ML-KEM-768 + X25519, HKDF-SHA256, ChaCha20-Poly1305.
Each recipient gets its own sealed copy (bodies are a few hundred bytes, so a
copy per recipient is simpler than wrapping a content key and costs little).
The routing metadata is bound in through HPKE's `info`, since this API has no
separate AAD: a hub that alters location, category or urgency breaks the seal.
"""

from __future__ import annotations

from collections.abc import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke

from kiosk.core.errors import CannotOpen
from kiosk.crypto.keys import DeviceKeys, hpke_public_key

__all__ = ["SUITE_NAME", "TICKET_PURPOSE", "open_ticket", "seal_ticket"]

SUITE_NAME = "MLKEM768_X25519/HKDF_SHA256/CHACHA20_POLY1305"
TICKET_PURPOSE = b"kiosk/ticket/v1\x00"
_SUITE = hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.CHACHA20_POLY1305)


def seal_ticket(body: bytes, recipients: Mapping[str, bytes], binding: bytes) -> dict[str, bytes]:
    """Seal `body` once per recipient (device id → HPKE public key bytes)."""
    info = TICKET_PURPOSE + binding
    return {
        device_id: _SUITE.encrypt(body, hpke_public_key(public), info=info)
        for device_id, public in recipients.items()
    }


def open_ticket(sealed: bytes, keys: DeviceKeys, binding: bytes) -> bytes:
    try:
        return _SUITE.decrypt(sealed, keys.hpke_private, info=TICKET_PURPOSE + binding)
    except (InvalidTag, ValueError):
        raise CannotOpen("this ticket was not sealed to this device, or was altered") from None
