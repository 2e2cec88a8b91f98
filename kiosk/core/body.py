"""The sealed part of a ticket: what only the staff devices of the route can read."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from kiosk.core.categories import Category, Urgency
from kiosk.core.errors import InvalidTicketBody

__all__ = ["MAX_FREE_TEXT", "TicketBody", "binding_bytes"]

MAX_FREE_TEXT = 280
_MAX_DETAILS = 16


@dataclass(frozen=True, slots=True)
class TicketBody:
    category: Category
    urgency: Urgency
    language: str  # the traveller's language, so staff know how to greet them
    details: tuple[str, ...] = field(default=())  # phrase ids, rendered in the reader's language
    free_text: str = ""
    sent_at: int = 0  # the kiosk's clock, seconds: staff refuse a stale body replayed by a hub

    def to_bytes(self) -> bytes:
        return json.dumps(
            {
                "v": 1,
                "category": self.category.value,
                "urgency": self.urgency.value,
                "language": self.language,
                "details": list(self.details),
                "free_text": self.free_text,
                "sent_at": self.sent_at,
            },
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
            return cls(
                category=Category(doc["category"]),
                urgency=Urgency(doc["urgency"]),
                language=language,
                details=tuple(details),
                free_text=free_text,
                sent_at=sent_at,
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
