"""The JSON bodies the hub takes: one model each, for its handler and its OpenAPI.

Each handler checks its body with `parse(Model, caller.doc())`; the OpenAPI
document (kiosk/hub/openapi.py) describes it with `body_schema(Model)`. The
limits live here only. Checks that need the site or the database (who may
receive a sealed copy, a group on the route, an epoch key's signature and
window) stay in the handlers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kiosk.core.categories import Category, Urgency
from kiosk.core.enrolment_code import normalise_code
from kiosk.core.reply import REPLY_ID_PATTERN
from kiosk.core.ticket import TICKET_ID_PATTERN
from kiosk.hub.field_rules import (
    Base64,
    Choice,
    Flag,
    Matching,
    NonEmptyMap,
    Normalised,
    Strings,
    Text,
    Unchecked,
    Whole,
    rule,
)

__all__ = [
    "EPOCH_ID_PATTERN",
    "MAX_EPOCH_SECOND",
    "MAX_ETA_MINUTES",
    "MAX_HEARTBEAT_MANIFEST_VERSION",
    "MAX_SEALED_COPY",
    "MAX_SEALED_REPLY",
    "MAX_VERSION_LENGTH",
    "SEALED_COPY",
    "DeviceIdsIn",
    "DutyIn",
    "EnrolIn",
    "EpochKeyIn",
    "HandOverIn",
    "HeartbeatIn",
    "ReplyIn",
    "TicketActionIn",
    "TicketIn",
]

# A heartbeat's manifest version is stored in a 32-bit column (PostgreSQL INTEGER).
MAX_HEARTBEAT_MANIFEST_VERSION = 2**31 - 1
MAX_VERSION_LENGTH = 32  # the column's length
MAX_ETA_MINUTES = 120
MAX_SEALED_COPY = 16 * 1024
# A phrase id and a signature, sealed with the hybrid suite, is about 1.3 KB.
MAX_SEALED_REPLY = 4096
MAX_EPOCH_SECOND = 2**62 - 1
EPOCH_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_HPKE_PUBLIC = 1216
_SIGN_PUBLIC = 32
_SIGNATURE = 64
_HEX_ID = "id must be 32 lowercase hex characters"

SEALED_COPY = Base64("a sealed copy", "bad_ciphertext", MAX_SEALED_COPY)


@dataclass(frozen=True)
class TicketIn:
    """POST /v1/tickets (kiosk/hub/routes_tickets.py)."""

    id: str = field(
        metadata=rule(
            Matching(
                TICKET_ID_PATTERN,
                "bad_id",
                _HEX_ID,
                description="chosen by the kiosk; a retry reuses it",
            )
        )
    )
    category: Category = field(
        metadata=rule(Choice(Category, "bad_category", "unknown category or urgency"))
    )
    urgency: Urgency = field(
        metadata=rule(Choice(Urgency, "bad_category", "unknown category or urgency"))
    )
    sealed: dict[str, object] = field(
        metadata=rule(
            NonEmptyMap(
                SEALED_COPY,
                "not_sealed",
                "sealed must map staff device ids to ciphertext",
                "staff device id (a reader of this kiosk's route) → its HPKE-sealed "
                "copy; any other device id gets 400 bad_recipient",
            )
        )
    )


_ETA = Whole(0, MAX_ETA_MINUTES, "bad_eta", f"eta_minutes must be 0 to {MAX_ETA_MINUTES}", True)


@dataclass(frozen=True)
class TicketActionIn:
    """POST /v1/tickets/{id}/{action}; the body may be empty."""

    eta_minutes: int | None = field(metadata=rule(_ETA))


@dataclass(frozen=True)
class HandOverIn:
    """POST /v1/tickets/{id}/hand_over: the group is checked by kiosk/hub/handover.py."""

    eta_minutes: int | None = field(metadata=rule(_ETA))
    group: object = field(
        metadata=rule(
            Unchecked({"type": "string", "description": "a staff group on this ticket's route"})
        )
    )


@dataclass(frozen=True)
class ReplyIn:
    """POST /v1/tickets/{id}/replies (kiosk/hub/replies.py)."""

    id: str = field(metadata=rule(Matching(REPLY_ID_PATTERN, "bad_id", _HEX_ID)))
    sealed: bytes = field(
        metadata=rule(
            Base64(
                "the sealed reply",
                "bad_ciphertext",
                MAX_SEALED_REPLY,
                min_bytes=1,
                size_message=f"the sealed reply must be 1 to {MAX_SEALED_REPLY} bytes",
            )
        )
    )


_BAD_BEAT = "version must be a short printable text and manifest_version a whole number"


@dataclass(frozen=True)
class HeartbeatIn:
    """POST /v1/heartbeat (kiosk/hub/routes_devices.py): what the presence
    sweep can store (a NUL, a lone surrogate or a too-large integer cannot be)."""

    version: str = field(metadata=rule(Text(1, MAX_VERSION_LENGTH, "bad_version", _BAD_BEAT)))
    manifest_version: int = field(
        metadata=rule(Whole(0, MAX_HEARTBEAT_MANIFEST_VERSION, "bad_version", _BAD_BEAT))
    )


@dataclass(frozen=True)
class DutyIn:
    """POST /v1/duty (kiosk/hub/duty.py)."""

    on_duty: bool = field(metadata=rule(Flag("bad_duty", "on_duty must be true or false")))


def _seconds(name: str) -> Whole:
    return Whole(0, MAX_EPOCH_SECOND, "bad_epoch_key", f"{name} must be whole seconds")


_WRONG_LENGTH = "public key or signature has the wrong length"


@dataclass(frozen=True)
class EpochKeyIn:
    """POST /v1/epoch-keys (kiosk/hub/epoch_keys.py); its window and signature
    are checked there."""

    epoch_id: str = field(
        metadata=rule(
            Matching(
                EPOCH_ID_PATTERN,
                "bad_epoch_key",
                "epoch_id must be 1 to 64 letters, digits, - or _",
            )
        )
    )
    not_before: int = field(metadata=rule(_seconds("not_before")))
    not_after: int = field(metadata=rule(_seconds("not_after")))
    public: bytes = field(
        metadata=rule(
            Base64("public", "bad_epoch_key", _HPKE_PUBLIC, exact=True, size_message=_WRONG_LENGTH)
        )
    )
    signature: bytes = field(
        metadata=rule(
            Base64("signature", "bad_epoch_key", _SIGNATURE, exact=True, size_message=_WRONG_LENGTH)
        )
    )


@dataclass(frozen=True)
class EnrolIn:
    """POST /v1/enrol (kiosk/hub/enrolment_api.py); the proof is verified there."""

    code: str = field(
        metadata=rule(
            Normalised(
                normalise_code,
                "bad_code",
                "an enrolment code has 12 letters and digits",
                "12 letters and digits, dashes allowed",
            )
        )
    )
    sign_public: bytes = field(
        metadata=rule(Base64("sign_public", "bad_key", _SIGN_PUBLIC, exact=True))
    )
    hpke_public: bytes = field(
        metadata=rule(Base64("hpke_public", "bad_key", _HPKE_PUBLIC, exact=True))
    )
    proof: bytes = field(metadata=rule(Base64("proof", "bad_key", _SIGNATURE, exact=True)))


@dataclass(frozen=True)
class DeviceIdsIn:
    """POST /v1/admin/enrolments/published and .../removed (kiosk/hub/admin_api.py)."""

    device_ids: list[str] = field(
        metadata=rule(Strings("bad_device_ids", "device_ids must be a list of strings"))
    )
