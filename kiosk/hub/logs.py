"""Structured hub logs: event kinds and opaque references, never content.

Ticket ids are not logged as they are: a per-process keyed hash lets one
run's lines be correlated without linking a log line to a database row.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets

__all__ = ["log_event", "ticket_ref"]

_LOG = logging.getLogger("kiosk.hub")
_PROCESS_KEY = secrets.token_bytes(32)


def ticket_ref(ticket_id: str) -> str:
    return hmac.new(_PROCESS_KEY, ticket_id.encode(), hashlib.sha256).hexdigest()[:10]


def log_event(kind: str, **fields: str | int) -> None:
    _LOG.info("event=%s %s", kind, " ".join(f"{k}={v}" for k, v in sorted(fields.items())))
