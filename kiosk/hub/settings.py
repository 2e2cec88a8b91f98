"""Typed, frozen hub settings with their defaults."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_TICKET_TTL_SECONDS",
    "HubSettings",
]

# A sealed ticket for ten staff devices is about 15 kB; anything far larger
# is a mistake or an attack, and is refused before it is read into memory.
DEFAULT_MAX_BODY_BYTES = 256 * 1024
DEFAULT_CLOCK_SKEW_SECONDS = 120
DEFAULT_TICKET_TTL_SECONDS = 4 * 3600
DEFAULT_EXPIRY_SWEEP_SECONDS = 30.0
DEFAULT_HEARTBEAT_SECONDS = 15.0


@dataclass(frozen=True, slots=True)
class HubSettings:
    data_dir: Path
    database_url: str = ""  # empty: the SQLite file in data_dir
    host: str = "127.0.0.1"
    port: int = 8443
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    clock_skew_seconds: int = DEFAULT_CLOCK_SKEW_SECONDS
    ticket_ttl_seconds: int = DEFAULT_TICKET_TTL_SECONDS
    expiry_sweep_seconds: float = DEFAULT_EXPIRY_SWEEP_SECONDS
    heartbeat_seconds: float = DEFAULT_HEARTBEAT_SECONDS
    # How often escalation steps, reminders and fallbacks are checked: each is
    # late by at most this (two small queries a tick), well within a second.
    escalation_tick_seconds: float = 0.5

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'hub.db'}"

    @property
    def tls_cert(self) -> Path:
        return self.data_dir / "tls" / "hub.pem"

    @property
    def tls_key(self) -> Path:
        return self.data_dir / "tls" / "hub.key"
