"""Short-lived receiving keys, held in memory only: the basis of forward secrecy.

A staff console makes an `EphemeralKey` per epoch (a shift) and publishes its
public half signed with its long-term identity key; kiosks seal tickets to it.
A kiosk makes one per ticket for the staff replies. When the key is no longer
needed it is destroyed, and then no key anywhere opens the copies sealed to it:
not the device's long-term key, not a backup, not the hub.

Destruction is best effort in Python: we drop every reference, so OpenSSL
frees the key objects (and cleanses private key memory as it frees it), and
never hold the private bytes in Python objects at all. Python gives no way to
prove that no copy stayed behind in freed memory or swap.
"""

from __future__ import annotations

import hashlib
import struct
import threading

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric import ed25519, mlkem, x25519

from kiosk.core.errors import BadSignature, CannotOpen
from kiosk.crypto.keys import DeviceKeys

__all__ = [
    "EPOCH_KEY_PURPOSE",
    "KEY_ID_LENGTH",
    "EphemeralKey",
    "epoch_key_message",
    "key_id_of",
    "sign_epoch_key",
    "verify_epoch_key",
]

EPOCH_KEY_PURPOSE = b"kiosk/epoch-key/v1\x00"
KEY_ID_LENGTH = 16


def key_id_of(public: bytes) -> bytes:
    """The id a sealed copy names its key by: a hash of the public key."""
    return hashlib.sha256(b"kiosk/key-id/v1\x00" + public).digest()[:KEY_ID_LENGTH]


class EphemeralKey:
    """A hybrid ML-KEM-768 + X25519 key pair that exists only in this process."""

    def __init__(self) -> None:
        mlkem_private = mlkem.MLKEM768PrivateKey.generate()
        x_private = x25519.X25519PrivateKey.generate()
        self.public = (
            mlkem_private.public_key().public_bytes_raw()
            + x_private.public_key().public_bytes_raw()
        )
        self.key_id = key_id_of(self.public)
        self._lock = threading.Lock()
        self._hpke: hpke.MLKEM768X25519PrivateKey | None = hpke.MLKEM768X25519PrivateKey(
            mlkem_private, x_private
        )
        self._x25519: x25519.X25519PrivateKey | None = x_private

    @property
    def destroyed(self) -> bool:
        return self._hpke is None

    @property
    def hpke_private(self) -> hpke.MLKEM768X25519PrivateKey:
        key = self._hpke
        if key is None:
            raise CannotOpen("this key was destroyed")
        return key

    @property
    def x25519_private(self) -> x25519.X25519PrivateKey:
        key = self._x25519
        if key is None:
            raise CannotOpen("this key was destroyed")
        return key

    def destroy(self) -> None:
        """Drop the private key objects: nothing in this process can open with it again."""
        with self._lock:
            self._hpke = None
            self._x25519 = None


def epoch_key_message(
    device_id: str, epoch_id: str, not_before: int, not_after: int, public: bytes
) -> bytes:
    return b"\x00".join(
        [
            EPOCH_KEY_PURPOSE,
            device_id.encode(),
            epoch_id.encode(),
            struct.pack(">qq", not_before, not_after),
            public,
        ]
    )


def sign_epoch_key(
    keys: DeviceKeys, device_id: str, epoch_id: str, not_before: int, not_after: int, public: bytes
) -> bytes:
    """The console's long-term identity vouches for its epoch key (the manifest vouches for it)."""
    return keys.sign(epoch_key_message(device_id, epoch_id, not_before, not_after, public))


def verify_epoch_key(
    sign_public: bytes,
    device_id: str,
    epoch_id: str,
    not_before: int,
    not_after: int,
    public: bytes,
    signature: bytes,
) -> None:
    try:
        ed25519.Ed25519PublicKey.from_public_bytes(sign_public).verify(
            signature, epoch_key_message(device_id, epoch_id, not_before, not_after, public)
        )
    except (InvalidSignature, ValueError):
        raise BadSignature("this epoch key was not signed by the device it names") from None
