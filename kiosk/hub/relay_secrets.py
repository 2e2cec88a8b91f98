"""The secrets alert relays need (HMAC keys, SMTP and MQTT passwords), read on
the hub's side only: the signed site names them, never holds them.

Each name is looked up in `relay-secrets.toml` in the hub's data directory
(`name = "value"`, mode 0600: a file others can read is refused), then in the
environment as KIOSK_RELAY_SECRET_<NAME> (upper case, dashes as underscores).
The file is read at each use, so a changed secret needs no restart. Secrets
are never logged; a missing one is reported by its name.

Also here: the relays' TLS trust (the system's CAs, plus `relay-ca.pem` in the
data directory for a site's private CA) and the key of their opaque
references (`relay-key`, random, made once).
"""

from __future__ import annotations

import os
import secrets
import ssl
import stat
import tomllib
from pathlib import Path

__all__ = ["RelaySecretMissing", "RelaySecrets"]

SECRETS_FILE = "relay-secrets.toml"
CA_FILE = "relay-ca.pem"
KEY_FILE = "relay-key"


class RelaySecretMissing(Exception):
    """A relay's secret could not be read; str() names the problem, never the value."""


class RelaySecrets:
    def __init__(self, data_dir: Path) -> None:
        self._dir = data_dir
        self._key: bytes | None = None

    def secret(self, name: str) -> str:
        path = self._dir / SECRETS_FILE
        if path.exists():
            mode = path.stat().st_mode
            if mode & (stat.S_IRWXG | stat.S_IRWXO):
                raise RelaySecretMissing(f"{SECRETS_FILE} must be readable by the hub only (0600)")
            try:
                found = tomllib.loads(path.read_text(encoding="utf-8")).get(name)
            except (tomllib.TOMLDecodeError, UnicodeDecodeError):
                raise RelaySecretMissing(f"{SECRETS_FILE} is not valid TOML") from None
            if isinstance(found, str) and found:
                return found
        value = os.environ.get("KIOSK_RELAY_SECRET_" + name.upper().replace("-", "_"), "")
        if not value:
            raise RelaySecretMissing(f"secret {name!r} is in neither {SECRETS_FILE} nor the env")
        return value

    def tls(self) -> ssl.SSLContext:
        """Certificates checked against the system's CAs and relay-ca.pem, if present."""
        context = ssl.create_default_context()
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        ca = self._dir / CA_FILE
        if ca.exists():
            context.load_verify_locations(cafile=str(ca))
        return context

    def reference_key(self) -> bytes:
        """The key of alerts' opaque references and idempotency keys: the same
        across restarts, so an alert sent again carries the same key."""
        if self._key is None:
            path = self._dir / KEY_FILE
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                self._key = path.read_bytes()
            else:
                key = secrets.token_bytes(32)
                with os.fdopen(fd, "wb") as f:
                    f.write(key)
                self._key = key
        return self._key
