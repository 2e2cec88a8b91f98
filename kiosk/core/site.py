"""The site model: locations, staff groups and enrolled devices.

It is what the operator signs into the site manifest; kiosks seal tickets to
the staff devices it names, and the hub routes by it.
"""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from kiosk.core.errors import SiteError

__all__ = ["DeviceRecord", "DeviceRole", "Location", "Site", "StaffGroup"]


class DeviceRole(StrEnum):
    KIOSK = "kiosk"
    STAFF = "staff"


@dataclass(frozen=True, slots=True)
class Location:
    id: str
    station: str
    label: str  # e.g. "Platform 3, north stairs"


@dataclass(frozen=True, slots=True)
class StaffGroup:
    id: str
    name: str
    location_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DeviceRecord:
    id: str
    role: DeviceRole
    sign_public: bytes  # Ed25519, authenticates every call to the hub
    hpke_public: bytes  # what tickets (or staff replies) are sealed to
    location_id: str | None = None  # kiosks
    group_id: str | None = None  # staff devices


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: object, what: str) -> bytes:
    if not isinstance(text, str):
        raise SiteError(f"{what} must be base64 text")
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        raise SiteError(f"{what} is not valid base64") from None


@dataclass(frozen=True, slots=True)
class Site:
    name: str
    version: int
    emergency_number: str
    locations: tuple[Location, ...] = field(default=())
    groups: tuple[StaffGroup, ...] = field(default=())
    devices: tuple[DeviceRecord, ...] = field(default=())

    def __post_init__(self) -> None:
        for kind, ids in (
            ("location", [x.id for x in self.locations]),
            ("group", [x.id for x in self.groups]),
            ("device", [x.id for x in self.devices]),
        ):
            if len(ids) != len(set(ids)):
                raise SiteError(f"duplicate {kind} id")
        location_ids = {x.id for x in self.locations}
        group_ids = {x.id for x in self.groups}
        for g in self.groups:
            for loc in g.location_ids:
                if loc not in location_ids:
                    raise SiteError(f"group {g.id} serves unknown location {loc}")
        for d in self.devices:
            if d.role is DeviceRole.KIOSK and d.location_id not in location_ids:
                raise SiteError(f"kiosk {d.id} is at unknown location {d.location_id}")
            if d.role is DeviceRole.STAFF and d.group_id not in group_ids:
                raise SiteError(f"staff device {d.id} is in unknown group {d.group_id}")

    def device(self, device_id: str) -> DeviceRecord | None:
        return next((d for d in self.devices if d.id == device_id), None)

    def location(self, location_id: str) -> Location | None:
        return next((x for x in self.locations if x.id == location_id), None)

    def locations_served_by(self, device: DeviceRecord) -> frozenset[str]:
        group = next((g for g in self.groups if g.id == device.group_id), None)
        return frozenset(group.location_ids) if group else frozenset()

    def recipients_for(self, location_id: str) -> tuple[DeviceRecord, ...]:
        """Staff devices that may read a ticket raised at `location_id`."""
        groups = {g.id for g in self.groups if location_id in g.location_ids}
        return tuple(d for d in self.devices if d.role is DeviceRole.STAFF and d.group_id in groups)

    def with_device(self, record: DeviceRecord) -> Site:
        kept = tuple(d for d in self.devices if d.id != record.id)
        return dataclasses.replace(self, devices=(*kept, record))

    def without_device(self, device_id: str) -> Site:
        return dataclasses.replace(
            self, devices=tuple(d for d in self.devices if d.id != device_id)
        )

    def to_document(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "emergency_number": self.emergency_number,
            "locations": [
                {"id": x.id, "station": x.station, "label": x.label} for x in self.locations
            ],
            "groups": [
                {"id": g.id, "name": g.name, "locations": list(g.location_ids)} for g in self.groups
            ],
            "devices": [
                {
                    "id": d.id,
                    "role": d.role.value,
                    "sign_public": _b64(d.sign_public),
                    "hpke_public": _b64(d.hpke_public),
                    **({"location": d.location_id} if d.location_id else {}),
                    **({"group": d.group_id} if d.group_id else {}),
                }
                for d in self.devices
            ],
        }

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> Site:
        try:
            return cls(
                name=str(doc["name"]),
                version=int(doc["version"]),
                emergency_number=str(doc["emergency_number"]),
                locations=tuple(
                    Location(id=str(x["id"]), station=str(x["station"]), label=str(x["label"]))
                    for x in _items(doc["locations"])
                ),
                groups=tuple(
                    StaffGroup(
                        id=str(g["id"]),
                        name=str(g["name"]),
                        location_ids=tuple(str(x) for x in g["locations"]),
                    )
                    for g in _items(doc["groups"])
                ),
                devices=tuple(
                    DeviceRecord(
                        id=str(d["id"]),
                        role=DeviceRole(d["role"]),
                        sign_public=_unb64(d["sign_public"], "sign_public"),
                        hpke_public=_unb64(d["hpke_public"], "hpke_public"),
                        location_id=d.get("location"),
                        group_id=d.get("group"),
                    )
                    for d in _items(doc["devices"])
                ),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise SiteError(f"malformed site manifest: missing or bad field {exc}") from None


def _items(value: object) -> Iterable[Mapping[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(x, dict) for x in value):
        raise SiteError("expected a list of objects")
    return value
