"""A staff console's epoch key as the hub stores it and every device reads it:
the public half of a receiving key, signed with the console's identity key."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

__all__ = ["EpochKeyRecord"]


@dataclass(frozen=True, slots=True)
class EpochKeyRecord:
    device_id: str
    epoch_id: str
    not_before: int
    not_after: int
    public: bytes
    signature: bytes

    def view(self) -> dict[str, Any]:
        """As JSON on the wire (GET /v1/epoch-keys, the `epoch_keys` event)."""
        return {
            "device_id": self.device_id,
            "epoch_id": self.epoch_id,
            "not_before": self.not_before,
            "not_after": self.not_after,
            "public": base64.b64encode(self.public).decode(),
            "signature": base64.b64encode(self.signature).decode(),
        }

    @classmethod
    def from_view(cls, doc: dict[str, Any]) -> EpochKeyRecord:
        """The inverse of view(); KeyError, TypeError or ValueError if malformed
        (the signature is the reader's to check)."""
        not_before, not_after = doc["not_before"], doc["not_after"]
        if not isinstance(not_before, int) or not isinstance(not_after, int):
            raise TypeError("not_before and not_after must be whole seconds")
        return cls(
            str(doc["device_id"]),
            str(doc["epoch_id"]),
            not_before,
            not_after,
            base64.b64decode(doc["public"], validate=True),
            base64.b64decode(doc["signature"], validate=True),
        )
