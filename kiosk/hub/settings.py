"""Typed, frozen hub settings with their defaults."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kiosk.core.rate_limit import Bucket
from kiosk.hub.dead_peers import DEFAULT_DEAD_PEER_SECONDS

__all__ = [
    "CALL_BUCKET",
    "DEFAULT_BODY_READ_SECONDS",
    "DEFAULT_DEAD_PEER_SECONDS",
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_OFFLINE_AFTER_SECONDS",
    "DEFAULT_TICKET_TTL_SECONDS",
    "NEW_TICKET_BUCKET",
    "HubSettings",
]

# A sealed ticket for ten staff devices is about 15 kB; anything far larger
# is a mistake or an attack, and is refused before it is read into memory.
DEFAULT_MAX_BODY_BYTES = 256 * 1024
DEFAULT_CLOCK_SKEW_SECONDS = 120
# A request body (at most DEFAULT_MAX_BODY_BYTES) must have arrived this long
# after the handler starts reading it: 256 kB in 10 s is 26 kB/s, a poor mobile
# link; a client trickling a byte at a time is cut off with 408.
DEFAULT_BODY_READ_SECONDS = 10.0
DEFAULT_TICKET_TTL_SECONDS = 4 * 3600
DEFAULT_EXPIRY_SWEEP_SECONDS = 30.0
# How often a quiet event stream gets a keep-alive comment: at most this long apart.
DEFAULT_HEARTBEAT_SECONDS = 15.0
# A device is alive while its event stream is open here (refreshed by the presence
# sweep), or while its beats arrive: every 10 s from a device whose stream is down
# (kiosk/client/heartbeat.py). Silent this long, a kiosk is reported offline.
DEFAULT_OFFLINE_AFTER_SECONDS = 25.0
# A busy console makes a few calls a second; 20 a second sustained is a fault.
CALL_BUCKET = Bucket(capacity=60, per_second=20)
# One traveller at a time per kiosk: five new requests at once (withdrawn ones
# sent again), then one every 10 s. Retries of one request are not counted.
NEW_TICKET_BUCKET = Bucket(capacity=5, per_second=1 / 10)


@dataclass(frozen=True, slots=True)
class HubSettings:
    data_dir: Path
    database_url: str = ""  # empty: the SQLite file in data_dir
    host: str = "127.0.0.1"
    port: int = 8443
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    body_read_seconds: float = DEFAULT_BODY_READ_SECONDS
    clock_skew_seconds: int = DEFAULT_CLOCK_SKEW_SECONDS
    # None: the operator's request_expiry_seconds from the signed site (the site file);
    # a number (kiosk hub --ticket-ttl) overrides it.
    ticket_ttl_seconds: int | None = None
    expiry_sweep_seconds: float = DEFAULT_EXPIRY_SWEEP_SECONDS
    heartbeat_seconds: float = DEFAULT_HEARTBEAT_SECONDS
    # How often escalation steps, reminders and fallbacks are checked: each is
    # late by at most this (two small queries a tick), well within a second.
    escalation_tick_seconds: float = 0.2
    call_bucket: Bucket = CALL_BUCKET
    offline_after_seconds: float = DEFAULT_OFFLINE_AFTER_SECONDS
    # A connection whose peer stopped answering is reset within this (dead_peers.py).
    dead_peer_seconds: float = DEFAULT_DEAD_PEER_SECONDS
    presence_sweep_seconds: float = 2.0
    new_ticket_bucket: Bucket = NEW_TICKET_BUCKET

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'hub.db'}"

    @property
    def tls_cert(self) -> Path:
        return self.data_dir / "tls" / "hub.pem"

    @property
    def tls_key(self) -> Path:
        return self.data_dir / "tls" / "hub.key"
