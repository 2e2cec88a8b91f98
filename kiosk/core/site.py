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

__all__ = [
    "DEFAULT_FALLBACK_AFTER_SECONDS",
    "DEFAULT_REESCALATE_AFTER_SECONDS",
    "DEFAULT_REMIND_AFTER_SECONDS",
    "DEFAULT_SUITE",
    "SUITES",
    "DeviceRecord",
    "DeviceRole",
    "EscalationStep",
    "Location",
    "Route",
    "Site",
    "StaffGroup",
]

# HPKE suites a site may choose; the hybrid post-quantum one unless the
# operator configures the classical fallback (e.g. for very slow devices).
SUITES = ("MLKEM768_X25519", "X25519")
DEFAULT_SUITE = SUITES[0]
# Per-route timers (kiosk/core/escalation.py): an accepted request still open
# after this long reminds its accepter, then alerts every step again; the
# last step gets this long before the kiosk shows its fallback.
DEFAULT_REMIND_AFTER_SECONDS = 600
DEFAULT_REESCALATE_AFTER_SECONDS = 1200
DEFAULT_FALLBACK_AFTER_SECONDS = 180


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


@dataclass(frozen=True, slots=True)
class EscalationStep:
    group_id: str
    after_seconds: int  # alert this group once nobody has accepted for this long


@dataclass(frozen=True, slots=True)
class Route:
    """Who answers requests from some locations: groups in escalation order.

    Tickets are sealed to every device of every step at once, so escalating
    needs nothing more from the kiosk; the hub only decides when to alert.
    """

    id: str
    location_ids: tuple[str, ...]
    categories: tuple[str, ...]  # empty: every category
    steps: tuple[EscalationStep, ...]
    remind_after_seconds: int = DEFAULT_REMIND_AFTER_SECONDS
    reescalate_after_seconds: int = DEFAULT_REESCALATE_AFTER_SECONDS
    fallback_after_seconds: int = DEFAULT_FALLBACK_AFTER_SECONDS

    def matches(self, location_id: str, category: str) -> bool:
        return location_id in self.location_ids and (
            not self.categories or category in self.categories
        )


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
    routes: tuple[Route, ...] = field(default=())
    devices: tuple[DeviceRecord, ...] = field(default=())
    hpke_suite: str = DEFAULT_SUITE
    tls_ca_sha256: str = ""  # devices trust the hub's TLS chain only from this CA

    def __post_init__(self) -> None:
        for kind, ids in (
            ("location", [x.id for x in self.locations]),
            ("group", [x.id for x in self.groups]),
            ("route", [x.id for x in self.routes]),
            ("device", [x.id for x in self.devices]),
        ):
            if len(ids) != len(set(ids)):
                raise SiteError(f"duplicate {kind} id")
        if self.hpke_suite not in SUITES:
            raise SiteError(f"unknown HPKE suite {self.hpke_suite!r} (allowed: {SUITES})")
        location_ids = {x.id for x in self.locations}
        group_ids = {x.id for x in self.groups}
        for r in self.routes:
            for loc in r.location_ids:
                if loc not in location_ids:
                    raise SiteError(f"route {r.id} serves unknown location {loc}")
            for step in r.steps:
                if step.group_id not in group_ids:
                    raise SiteError(f"route {r.id} alerts unknown group {step.group_id}")
        for d in self.devices:
            if d.role is DeviceRole.KIOSK and d.location_id not in location_ids:
                raise SiteError(f"kiosk {d.id} is at unknown location {d.location_id}")
            if d.role is DeviceRole.STAFF and d.group_id not in group_ids:
                raise SiteError(f"staff device {d.id} is in unknown group {d.group_id}")

    def device(self, device_id: str) -> DeviceRecord | None:
        return next((d for d in self.devices if d.id == device_id), None)

    def location(self, location_id: str) -> Location | None:
        return next((x for x in self.locations if x.id == location_id), None)

    def route_for(self, location_id: str, category: str) -> Route | None:
        """The route for a ticket: one naming its category first, else a catch-all."""
        matching = [r for r in self.routes if r.matches(location_id, category)]
        specific = [r for r in matching if r.categories]
        return (specific or matching)[0] if matching else None

    def groups_for(self, location_id: str, category: str) -> frozenset[str]:
        route = self.route_for(location_id, category)
        return frozenset(s.group_id for s in route.steps) if route else frozenset()

    def recipients_for(self, location_id: str, category: str) -> tuple[DeviceRecord, ...]:
        """Staff devices that may read a ticket: every device of every step of its route."""
        groups = self.groups_for(location_id, category)
        return tuple(d for d in self.devices if d.role is DeviceRole.STAFF and d.group_id in groups)

    def alert_delay(self, group_id: str | None, location_id: str, category: str) -> int | None:
        """Seconds after a ticket is raised that `group_id` is alerted; None if not on its route."""
        route = self.route_for(location_id, category)
        delays = [s.after_seconds for s in route.steps if s.group_id == group_id] if route else []
        return min(delays) if delays else None

    def staff_may_see(self, device: DeviceRecord, location_id: str, category: str) -> bool:
        return device.role is DeviceRole.STAFF and device.group_id in self.groups_for(
            location_id, category
        )

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
            "hpke_suite": self.hpke_suite,
            "tls_ca_sha256": self.tls_ca_sha256,
            "groups": [{"id": g.id, "name": g.name} for g in self.groups],
            "routes": [
                {
                    "id": r.id,
                    "locations": list(r.location_ids),
                    "categories": list(r.categories),
                    "steps": [
                        {"group": st.group_id, "after_seconds": st.after_seconds} for st in r.steps
                    ],
                    "remind_after_seconds": r.remind_after_seconds,
                    "reescalate_after_seconds": r.reescalate_after_seconds,
                    "fallback_after_seconds": r.fallback_after_seconds,
                }
                for r in self.routes
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
                    StaffGroup(id=str(g["id"]), name=str(g["name"])) for g in _items(doc["groups"])
                ),
                routes=tuple(
                    Route(
                        id=str(r["id"]),
                        location_ids=tuple(str(x) for x in r["locations"]),
                        categories=tuple(str(x) for x in r["categories"]),
                        steps=tuple(
                            EscalationStep(str(st["group"]), int(st["after_seconds"]))
                            for st in _items(r["steps"])
                        ),
                        # Optional: manifests from before these timers existed get defaults.
                        remind_after_seconds=int(
                            r.get("remind_after_seconds", DEFAULT_REMIND_AFTER_SECONDS)
                        ),
                        reescalate_after_seconds=int(
                            r.get("reescalate_after_seconds", DEFAULT_REESCALATE_AFTER_SECONDS)
                        ),
                        fallback_after_seconds=int(
                            r.get("fallback_after_seconds", DEFAULT_FALLBACK_AFTER_SECONDS)
                        ),
                    )
                    for r in _items(doc["routes"])
                ),
                hpke_suite=str(doc["hpke_suite"]),
                tls_ca_sha256=str(doc["tls_ca_sha256"]),
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
