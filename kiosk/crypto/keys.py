"""Device and site keys, generated on the device that uses them.

Private keys are written with mode 0600 and never leave the machine that made
them; only public halves go into the site manifest.
"""

from __future__ import annotations

import functools
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hpke, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, mlkem, x25519
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from kiosk.core.errors import CryptoError

__all__ = [
    "FINGERPRINT_BITS",
    "DeviceKeys",
    "SiteKey",
    "fingerprint",
    "hpke_public_key",
    "load_private_pem",
    "private_pem",
    "write_private_file",
]

_MLKEM768_SEED = 64
_X25519 = 32
_MLKEM768_PUBLIC = 1184
_ED25519 = 32


def write_private_file(path: Path, data: bytes) -> None:
    """Write a secret so that only its owner can read it, even for a moment."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(path, 0o600)


def _read(path: Path, length: int) -> bytes:
    data = path.read_bytes()
    if len(data) != length:
        raise CryptoError(f"{path.name}: expected {length} bytes of key, found {len(data)}")
    return data


# Parsed keys are kept: a kiosk seals every request to the same consoles' keys,
# and parsing checks the ML-KEM key each time (a tenth of a kiosk's sealing).
# Public keys only, so keeping them is no secret kept.
@functools.lru_cache(maxsize=4096)
def hpke_public_key(raw: bytes) -> hpke.MLKEM768X25519PublicKey:
    """Parse a hybrid ML-KEM-768 + X25519 public key (ML-KEM part first)."""
    if len(raw) != _MLKEM768_PUBLIC + _X25519:
        raise CryptoError("HPKE public key has the wrong length")
    try:
        return hpke.MLKEM768X25519PublicKey(
            mlkem.MLKEM768PublicKey.from_public_bytes(raw[:_MLKEM768_PUBLIC]),
            x25519.X25519PublicKey.from_public_bytes(raw[_MLKEM768_PUBLIC:]),
        )
    except ValueError:
        raise CryptoError("HPKE public key is malformed") from None


@dataclass(frozen=True)
class DeviceKeys:
    """One device's identity (Ed25519) and receiving key (ML-KEM-768 + X25519)."""

    identity: ed25519.Ed25519PrivateKey
    mlkem_seed: bytes
    x25519_private: x25519.X25519PrivateKey

    @classmethod
    def generate(cls) -> DeviceKeys:
        return cls(
            identity=ed25519.Ed25519PrivateKey.generate(),
            mlkem_seed=mlkem.MLKEM768PrivateKey.generate().private_bytes_raw(),
            x25519_private=x25519.X25519PrivateKey.generate(),
        )

    @functools.cached_property
    def hpke_private(self) -> hpke.MLKEM768X25519PrivateKey:
        # Derived once: expanding the ML-KEM seed costs more than a decryption.
        return hpke.MLKEM768X25519PrivateKey(
            mlkem.MLKEM768PrivateKey.from_seed_bytes(self.mlkem_seed), self.x25519_private
        )

    @property
    def sign_public(self) -> bytes:
        return self.identity.public_key().public_bytes_raw()

    @functools.cached_property
    def hpke_public(self) -> bytes:
        mlkem_public = mlkem.MLKEM768PrivateKey.from_seed_bytes(self.mlkem_seed).public_key()
        return mlkem_public.public_bytes_raw() + self.x25519_private.public_key().public_bytes_raw()

    def sign(self, message: bytes) -> bytes:
        return self.identity.sign(message)

    def save(self, directory: Path) -> None:
        write_private_file(directory / "identity.key", self.identity.private_bytes_raw())
        write_private_file(
            directory / "receiving.key",
            self.mlkem_seed + self.x25519_private.private_bytes_raw(),
        )

    @classmethod
    def load(cls, directory: Path) -> DeviceKeys:
        identity = _read(directory / "identity.key", _ED25519)
        receiving = _read(directory / "receiving.key", _MLKEM768_SEED + _X25519)
        return cls(
            identity=ed25519.Ed25519PrivateKey.from_private_bytes(identity),
            mlkem_seed=receiving[:_MLKEM768_SEED],
            x25519_private=x25519.X25519PrivateKey.from_private_bytes(receiving[_MLKEM768_SEED:]),
        )


@dataclass(frozen=True)
class SiteKey:
    """The operator's site signing key: whoever holds it decides who may read tickets.

    Stored as PKCS#8 PEM with mode 0600, encrypted with the operator's
    passphrase when one is given (scrypt-derived key, via `cryptography`).
    """

    private: ed25519.Ed25519PrivateKey

    @classmethod
    def generate(cls) -> SiteKey:
        return cls(ed25519.Ed25519PrivateKey.generate())

    @property
    def public(self) -> bytes:
        return self.private.public_key().public_bytes_raw()

    def sign(self, message: bytes) -> bytes:
        return self.private.sign(message)

    def save(self, path: Path, passphrase: bytes | None = None) -> None:
        write_private_file(path, private_pem(self.private, passphrase))

    @classmethod
    def load(cls, path: Path, passphrase: bytes | None = None) -> SiteKey:
        key = load_private_pem(path.read_bytes(), passphrase)
        if not isinstance(key, ed25519.Ed25519PrivateKey):
            raise CryptoError(f"{path.name} is not an Ed25519 site key")
        return cls(key)


def private_pem(key: PrivateKeyTypes, passphrase: bytes | None) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def load_private_pem(data: bytes, passphrase: bytes | None) -> PrivateKeyTypes:
    try:
        return serialization.load_pem_private_key(data, password=passphrase or None)
    except TypeError:
        raise CryptoError(
            "this key is encrypted: give the passphrase (KIOSK_SITE_PASSPHRASE)"
        ) from None
    except ValueError:
        raise CryptoError("wrong passphrase, or not a private key") from None


FINGERPRINT_BITS = 128


def fingerprint(public: bytes) -> str:
    """A typeable fingerprint of a public key: 128 bits of SHA-256 in eight groups
    of four hex digits. The site key lives for years and every device trusts it
    through this text, so a forger must not find a key that matches: 64 bits
    (the former length) is within reach of a second-preimage search, 128 is not.
    Device keys use the same function: one length to type and compare, and a
    device key matters as long as the device is enrolled."""
    digits = FINGERPRINT_BITS // 4
    digest = hashlib.sha256(public).hexdigest()[:digits].upper()
    return "-".join(digest[i : i + 4] for i in range(0, digits, 4))
