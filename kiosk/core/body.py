"""The sealed part of a ticket: what only the staff devices of the route can read."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any

from kiosk.core.categories import Category, Urgency
from kiosk.core.errors import InvalidTicketBody

__all__ = ["MAX_FREE_TEXT", "TicketBody", "binding_bytes"]

MAX_FREE_TEXT = 280
_MAX_DETAILS = 16
_MAX_REPLY_KEY = 2048


@dataclass(frozen=True, slots=True)
class TicketBody:
    category: Category
    urgency: Urgency
    language: str  # the traveller's language, so staff know how to greet them
    details: tuple[str, ...] = field(default=())  # phrase ids, rendered in the reader's language
    free_text: str = ""
    sent_at: int = 0  # the kiosk's clock, seconds: staff refuse a stale body replayed by a hub
    # The public half of the kiosk's short-lived key for this ticket's replies. Sealed
    # and signed with the body, so only staff see it and the hub cannot swap it.
    # Empty from an older kiosk: replies are then sealed to its long-term key.
    reply_key: bytes = b""

    def to_bytes(self) -> bytes:
        doc: dict[str, Any] = {
            "v": 1,
            "category": self.category.value,
            "urgency": self.urgency.value,
            "language": self.language,
            "details": list(self.details),
            "free_text": self.free_text,
            "sent_at": self.sent_at,
        }
        if self.reply_key:
            doc["reply_key"] = base64.b64encode(self.reply_key).decode()
        return json.dumps(
            doc,
            ensure_ascii=False,
            separators=(",", ":"),
            sort_keys=True,
        ).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> TicketBody:
        try:
            doc: Any = json.loads(raw.decode())
            if not isinstance(doc, dict) or doc.get("v") != 1:
                raise InvalidTicketBody("unknown ticket body version")
            details = doc.get("details", [])
            free_text = doc.get("free_text", "")
            language = doc["language"]
            sent_at = doc.get("sent_at", 0)
            if not isinstance(sent_at, int) or isinstance(sent_at, bool):
                raise InvalidTicketBody("sent_at must be whole seconds")
            if not isinstance(details, list) or len(details) > _MAX_DETAILS:
                raise InvalidTicketBody("details must be a short list of phrase ids")
            if not all(isinstance(d, str) for d in details):
                raise InvalidTicketBody("details must be phrase ids")
            if not isinstance(free_text, str) or len(free_text) > MAX_FREE_TEXT:
                raise InvalidTicketBody("free text too long")
            if not isinstance(language, str) or not 2 <= len(language) <= 16:
                raise InvalidTicketBody("language must be a locale code")
            reply_key = doc.get("reply_key", "")
            if not isinstance(reply_key, str) or len(reply_key) > _MAX_REPLY_KEY * 2:
                raise InvalidTicketBody("reply_key must be a base64 public key")
            try:
                reply_key_bytes = base64.b64decode(reply_key, validate=True)
            except binascii.Error:
                raise InvalidTicketBody("reply_key must be a base64 public key") from None
            return cls(
                category=Category(doc["category"]),
                urgency=Urgency(doc["urgency"]),
                language=language,
                details=tuple(details),
                free_text=free_text,
                sent_at=sent_at,
                reply_key=reply_key_bytes,
            )
        except (KeyError, ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise InvalidTicketBody(f"malformed ticket body: {exc.__class__.__name__}") from None


def binding_bytes(ticket_id: str, location_id: str, category: Category, urgency: Urgency) -> bytes:
    """Routing metadata that the sealed body is bound to.

    The hub sees these in clear to route the ticket; binding them into the
    seal means a hub that changes any of them makes the ticket unopenable.
    """
    return json.dumps(
        [ticket_id, location_id, category.value, urgency.value], separators=(",", ":")
    ).encode()
