"""What the hub publishes to connected devices, as types.

Each event carries its `audience` (kiosk/core/audience.py); the hub renders it
for each device that audience admits (kiosk/hub/wire.py). The JSON devices
read is unchanged from when these were dicts.

    TicketChanged      a ticket's public view; maybe sealed copies and an alert
    DutyChanged        a console went on or off duty (to that console)
    DevicePresence     a kiosk went silent or came back (to the control room)
    EpochKeyPublished  a console's new epoch key (to every kiosk)
    ManifestChanged    the operator applied a new manifest (to every kiosk)
    ReplyPosted        a staff reply to the traveller (the kiosk gets the ciphertext)

and, put in one stream's queue by the broker itself, never published:
KEEPALIVE (write a comment) and StreamEnded (the stream closes).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from kiosk.core.audience import Audience
from kiosk.core.epoch_key import EpochKeyRecord

__all__ = [
    "KEEPALIVE",
    "Alert",
    "DevicePresence",
    "DutyChanged",
    "EpochKeyPublished",
    "HubEvent",
    "Keepalive",
    "ManifestChanged",
    "Queued",
    "ReplyPosted",
    "StoredReply",
    "StreamEnded",
    "TicketChanged",
    "TicketView",
]

_EVERY_KIOSK = Audience.every_kiosk()


@dataclass(frozen=True, slots=True)
class TicketView:
    """A ticket as staff consoles see it: routing metadata and the place's name."""

    id: str
    kiosk_id: str
    location_id: str
    station: str
    location_label: str
    category: str
    urgency: str
    state: str
    created_at: float
    updated_at: float
    accepted_by: str | None
    eta_minutes: int | None
    handed_to: str | None

    def as_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


class Alert(StrEnum):
    """Asks consoles to alert again about a ticket they may already show."""

    REMINDER = "reminder"
    REESCALATED = "reescalated"
    HANDED_OVER = "handed_over"


# A weak reference lets the hub keep what it rendered of an event exactly as
# long as the event lives (kiosk/hub/wire.py), and no longer.
@dataclass(frozen=True, slots=True, weakref_slot=True)
class TicketChanged:
    ticket: TicketView
    audience: Audience
    # Base64 sealed copies by staff device id: a console's own goes with its view.
    sealed: Mapping[str, str] | None = None
    alert: Alert | None = None
    alert_group: str | None = None  # only consoles of this group see the alert
    # An escalation's reason: the earlier steps' groups nobody could be reached in
    # (no console on duty with a live stream, no working relay), skipped at once.
    skipped: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DutyChanged:
    device_id: str
    on_duty: bool

    @property
    def audience(self) -> Audience:
        return Audience.console(self.device_id)  # each of its streams follows


@dataclass(frozen=True, slots=True)
class DevicePresence:
    device_id: str
    location_id: str | None
    station: str
    location_label: str
    online: bool
    groups: tuple[str, ...]  # the groups told: those at the end of its routes

    @property
    def audience(self) -> Audience:
        return Audience.staff_groups(frozenset(self.groups))

    def as_json(self) -> dict[str, Any]:
        """As devices get it (without the groups)."""
        return {
            "type": "device",
            "device_id": self.device_id,
            "location_id": self.location_id,
            "station": self.station,
            "location_label": self.location_label,
            "state": "online" if self.online else "offline",
        }


@dataclass(frozen=True, slots=True)
class EpochKeyPublished:
    key: EpochKeyRecord

    @property
    def audience(self) -> Audience:
        return _EVERY_KIOSK

    def as_json(self) -> dict[str, Any]:
        return {"type": "epoch_keys", "key": self.key.view()}


@dataclass(frozen=True, slots=True)
class ManifestChanged:
    @property
    def audience(self) -> Audience:
        return _EVERY_KIOSK


@dataclass(frozen=True, slots=True)
class StoredReply:
    """A staff reply as the hub keeps it: ciphertext only the kiosk can open."""

    id: str
    ticket_id: str
    staff_id: str
    created_at: float
    ciphertext: bytes


@dataclass(frozen=True, slots=True, weakref_slot=True)  # as TicketChanged
class ReplyPosted:
    reply: StoredReply
    ticket: TicketView  # staff consoles the ticket is due to learn a reply was sent

    @property
    def audience(self) -> Audience:
        return Audience.ticket(self.ticket.kiosk_id)


@dataclass(frozen=True, slots=True)
class Keepalive:
    """Queued for a stream that has been quiet: it writes an SSE comment."""


@dataclass(frozen=True, slots=True)
class StreamEnded:
    reason: str  # replaced, revoked, changed, closing


KEEPALIVE = Keepalive()

HubEvent = (
    TicketChanged | DutyChanged | DevicePresence | EpochKeyPublished | ManifestChanged | ReplyPosted
)
Queued = HubEvent | Keepalive | StreamEnded
