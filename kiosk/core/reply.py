"""A staff reply to a traveller: the sealed part (a phrase id) and what it is bound to."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from kiosk.core.errors import InvalidTicketBody
from kiosk.core.phrases import validate_reply

__all__ = ["REPLY_ID_PATTERN", "ReplyBody", "reply_binding"]

REPLY_ID_PATTERN = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True, slots=True)
class ReplyBody:
    phrase: str  # a REPLY_PHRASES id, rendered in the traveller's language
    sent_at: int = 0  # the staff console's clock, seconds

    def to_bytes(self) -> bytes:
        doc = {"v": 1, "phrase": self.phrase, "sent_at": self.sent_at}
        return json.dumps(doc, separators=(",", ":"), sort_keys=True).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> ReplyBody:
        """Parse and check; InvalidTicketBody (UnknownPhrase for an unknown id) if wrong."""
        try:
            doc: Any = json.loads(raw.decode())
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise InvalidTicketBody("malformed reply") from None
        if not isinstance(doc, dict) or doc.get("v") != 1:
            raise InvalidTicketBody("unknown reply version")
        phrase, sent_at = doc.get("phrase"), doc.get("sent_at", 0)
        if not isinstance(phrase, str):
            raise InvalidTicketBody("a reply is a phrase id")
        if not isinstance(sent_at, int) or isinstance(sent_at, bool):
            raise InvalidTicketBody("sent_at must be whole seconds")
        return cls(phrase=validate_reply(phrase), sent_at=sent_at)


def reply_binding(ticket_id: str, reply_id: str, staff_id: str) -> bytes:
    """What a sealed reply is bound to: a hub that moves it to another ticket,
    or names another sender, makes it unopenable."""
    return json.dumps(["reply", ticket_id, reply_id, staff_id], separators=(",", ":")).encode()
