"""What one hub tells the others sharing its PostgreSQL database, as types.

Each is sent by NOTIFY (kiosk/hub/pg_events.py) as one JSON object: ids and
routing only, so it stays far below NOTIFY's 8,000 bytes; the others read the
rest from the tables. The JSON is the same as when these were dicts, so hubs
of this and the previous version understand each other.

    TicketAnnounced     a ticket changed (no `kind` or `type` key)
    ReplyAnnounced      a staff reply was stored (`"kind": "reply"`)
    PresenceAnnounced   a kiosk went silent or came back (`"type": "device"`)
    EpochKeyAnnounced   a console published an epoch key (`"type": "epoch_keys"`)

`encode` adds the sending hub's id (`hub`); `decode` raises
MalformedAnnouncement (a KioskError) for anything else.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kiosk.core.categories import Category, Urgency
from kiosk.core.epoch_key import EpochKeyRecord
from kiosk.core.errors import KioskError
from kiosk.core.events import DevicePresence
from kiosk.core.ticket import Ticket, TicketState

__all__ = [
    "Announcement",
    "EpochKeyAnnounced",
    "Heard",
    "MalformedAnnouncement",
    "PresenceAnnounced",
    "ReplyAnnounced",
    "TicketAnnounced",
    "decode",
    "encode",
]


class MalformedAnnouncement(KioskError):
    """A NOTIFY payload that is not an announcement this version understands."""


def _text(doc: Mapping[str, Any], name: str, *, empty: bool = False) -> str:
    value = doc.get(name)
    if not isinstance(value, str) or not (empty or value):
        raise MalformedAnnouncement(name)
    return value


@dataclass(frozen=True, slots=True)
class TicketAnnounced:
    """A ticket's routing metadata: enough to rebuild it once its rows are gone."""

    id: str
    state: TicketState
    kiosk_id: str
    location_id: str
    category: Category
    urgency: Urgency
    created_at: float
    new: bool  # just submitted: the others read its sealed copies too

    @classmethod
    def of(cls, ticket: Ticket, *, new: bool) -> TicketAnnounced:
        return cls(
            ticket.id,
            ticket.state,
            ticket.kiosk_id,
            ticket.location_id,
            ticket.category,
            ticket.urgency,
            ticket.created_at,
            new,
        )

    def ticket(self) -> Ticket:
        """The ticket as announced (who accepted it and when are not announced)."""
        return Ticket(
            id=self.id,
            kiosk_id=self.kiosk_id,
            location_id=self.location_id,
            category=self.category,
            urgency=self.urgency,
            created_at=self.created_at,
            state=self.state,
        )

    def to_wire(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "state": self.state.value,
            "kiosk_id": self.kiosk_id,
            "location_id": self.location_id,
            "category": self.category.value,
            "urgency": self.urgency.value,
            "created_at": self.created_at,
            "new": self.new,
        }

    @classmethod
    def from_wire(cls, doc: Mapping[str, Any]) -> TicketAnnounced:
        created_at, new = doc.get("created_at"), doc.get("new")
        if isinstance(created_at, bool) or not isinstance(created_at, int | float):
            raise MalformedAnnouncement("created_at")
        if not isinstance(new, bool):
            raise MalformedAnnouncement("new")
        try:
            state = TicketState(_text(doc, "state"))
            category = Category(_text(doc, "category"))
            urgency = Urgency(_text(doc, "urgency"))
        except ValueError:
            raise MalformedAnnouncement("state, category or urgency") from None
        return cls(
            _text(doc, "id"),
            state,
            _text(doc, "kiosk_id"),
            _text(doc, "location_id"),
            category,
            urgency,
            float(created_at),
            new,
        )


@dataclass(frozen=True, slots=True)
class ReplyAnnounced:
    id: str
    ticket_id: str

    def to_wire(self) -> dict[str, Any]:
        return {"kind": "reply", "id": self.id, "ticket_id": self.ticket_id}

    @classmethod
    def from_wire(cls, doc: Mapping[str, Any]) -> ReplyAnnounced:
        return cls(_text(doc, "id"), _text(doc, "ticket_id"))


@dataclass(frozen=True, slots=True)
class PresenceAnnounced:
    presence: DevicePresence

    def to_wire(self) -> dict[str, Any]:
        """As devices get it, with the groups told (they stay on the hubs)."""
        return {**self.presence.as_json(), "groups": list(self.presence.groups)}

    @classmethod
    def from_wire(cls, doc: Mapping[str, Any]) -> PresenceAnnounced:
        location, state, groups = doc.get("location_id"), doc.get("state"), doc.get("groups")
        if location is not None and not isinstance(location, str):
            raise MalformedAnnouncement("location_id")
        if state not in ("online", "offline"):
            raise MalformedAnnouncement("state")
        if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
            raise MalformedAnnouncement("groups")
        presence = DevicePresence(
            device_id=_text(doc, "device_id"),
            location_id=location,
            station=_text(doc, "station", empty=True),
            location_label=_text(doc, "location_label", empty=True),
            online=state == "online",
            groups=tuple(groups),
        )
        return cls(presence)


@dataclass(frozen=True, slots=True)
class EpochKeyAnnounced:
    key: EpochKeyRecord

    def to_wire(self) -> dict[str, Any]:
        return {"type": "epoch_keys", "all_kiosks": True, "key": self.key.view()}

    @classmethod
    def from_wire(cls, doc: Mapping[str, Any]) -> EpochKeyAnnounced:
        key = doc.get("key")
        if not isinstance(key, dict):
            raise MalformedAnnouncement("key")
        try:
            return cls(EpochKeyRecord.from_view(key))
        except (KeyError, TypeError, ValueError):
            raise MalformedAnnouncement("key") from None


Announcement = TicketAnnounced | ReplyAnnounced | PresenceAnnounced | EpochKeyAnnounced


@dataclass(frozen=True, slots=True)
class Heard:
    hub: str  # the id of the hub that announced it
    announcement: Announcement


def encode(announcement: Announcement, hub: str) -> str:
    """The NOTIFY payload: compact JSON, the sender's id last."""
    return json.dumps({**announcement.to_wire(), "hub": hub}, separators=(",", ":"))


def decode(payload: str) -> Heard:
    """The inverse of encode(); MalformedAnnouncement if it is not one (extra keys
    are ignored: a later version may add some)."""
    try:
        doc = json.loads(payload)
    except ValueError:
        raise MalformedAnnouncement("not JSON") from None
    if not isinstance(doc, dict):
        raise MalformedAnnouncement("not an object")
    hub = _text(doc, "hub")
    kind, type_ = doc.get("kind"), doc.get("type")
    announcement: Announcement
    if kind == "reply":
        announcement = ReplyAnnounced.from_wire(doc)
    elif type_ == "device":
        announcement = PresenceAnnounced.from_wire(doc)
    elif type_ == "epoch_keys":
        announcement = EpochKeyAnnounced.from_wire(doc)
    elif kind is None and type_ is None:
        announcement = TicketAnnounced.from_wire(doc)
    else:
        raise MalformedAnnouncement("kind")
    return Heard(hub, announcement)
