"""The site model: stations, their areas and kiosk places, staff groups,
routes, site-wide limits and enrolled devices.

It is what the operator signs into the site manifest; kiosks seal tickets to
the staff devices it names, and the hub routes by it. The operator writes it
as a site file (kiosk/operator/site_file.py); devices come from enrolment.
Manifests signed before stations, areas and limits existed still load: every
newer field has a default.

The parts are defined in kiosk/core/site_parts.py and their manifest form in
kiosk/core/site_document.py; this module exports them all, as it always has.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kiosk.core.categories import Category, Urgency
from kiosk.core.errors import SiteError
from kiosk.core.site_document import (
    areas_from_document,
    areas_to_document,
    devices_from_document,
    devices_to_document,
    groups_from_document,
    groups_to_document,
    locations_from_document,
    locations_to_document,
    routes_from_document,
    routes_to_document,
    signed_off_only,
    stations_from_document,
    stations_to_document,
)
from kiosk.core.site_parts import (
    DEFAULT_FALLBACK_AFTER_SECONDS,
    DEFAULT_KEEP_DAYS,
    DEFAULT_REESCALATE_AFTER_SECONDS,
    DEFAULT_REMIND_AFTER_SECONDS,
    DEFAULT_SUITE,
    ORIENTATIONS,
    SUITES,
    Area,
    DeviceRecord,
    DeviceRole,
    EscalationStep,
    Location,
    Route,
    SiteLimits,
    SiteStatistics,
    StaffGroup,
    Station,
)

__all__ = [
    "DEFAULT_FALLBACK_AFTER_SECONDS",
    "DEFAULT_KEEP_DAYS",
    "DEFAULT_REESCALATE_AFTER_SECONDS",
    "DEFAULT_REMIND_AFTER_SECONDS",
    "DEFAULT_SUITE",
    "ORIENTATIONS",
    "SUITES",
    "Area",
    "DeviceRecord",
    "DeviceRole",
    "EscalationStep",
    "Location",
    "Route",
    "Site",
    "SiteLimits",
    "SiteStatistics",
    "StaffGroup",
    "Station",
]


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
    stations: tuple[Station, ...] = field(default=())
    areas: tuple[Area, ...] = field(default=())
    limits: SiteLimits = field(default=SiteLimits())
    valid_until: int = 0  # Unix time the operator's signature stops vouching for this; 0: never set
    # Kiosks offer only languages whose must-review strings are signed off
    # (kiosk/i18n/signoff.py), and English; False: every listed language.
    require_signed_off_languages: bool = False
    statistics: SiteStatistics = field(default=SiteStatistics())
    # Lookups the hub makes for every request and every event, indexed on first
    # use: a network's site lists thousands of devices and locations.
    _index: dict[object, Any] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        for kind, ids in (
            ("station", [x.id for x in self.stations]),
            ("area", [x.id for x in self.areas]),
            ("location", [x.id for x in self.locations]),
            ("group", [x.id for x in self.groups]),
            ("route", [x.id for x in self.routes]),
            ("device", [x.id for x in self.devices]),
        ):
            if len(ids) != len(set(ids)):
                raise SiteError(f"duplicate {kind} id")
        if self.hpke_suite not in SUITES:
            raise SiteError(f"unknown HPKE suite {self.hpke_suite!r} (allowed: {SUITES})")
        station_ids = {x.id for x in self.stations}
        for a in self.areas:
            if a.station_id not in station_ids:
                raise SiteError(f"area {a.id} is in unknown station {a.station_id}")
        for x in self.locations:
            if x.station_id and x.station_id not in station_ids:
                raise SiteError(f"location {x.id} is in unknown station {x.station_id}")
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

    def expired(self, now: float) -> bool:
        """Past the end the operator signed: a device must not seal to its readers."""
        return now >= self.valid_until

    def device(self, device_id: str) -> DeviceRecord | None:
        if "devices" not in self._index:
            self._index["devices"] = {d.id: d for d in self.devices}
        found: DeviceRecord | None = self._index["devices"].get(device_id)
        return found

    def location(self, location_id: str) -> Location | None:
        if "locations" not in self._index:
            self._index["locations"] = {x.id: x for x in self.locations}
        found: Location | None = self._index["locations"].get(location_id)
        return found

    def station_of(self, location_id: str) -> Station | None:
        location = self.location(location_id)
        if location is None:
            return None
        return next((s for s in self.stations if s.id == location.station_id), None)

    def emergency_number_at(self, location_id: str) -> str:
        """The number a kiosk shows: its station's, else the site's."""
        station = self.station_of(location_id)
        return (station.emergency_number if station else "") or self.emergency_number

    def languages_at(self, location_id: str) -> tuple[str, ...]:
        """The languages a kiosk offers, its station's default first; () if its station
        names none (the kiosk then offers every language it ships)."""
        station = self.station_of(location_id)
        if station is None or not station.languages:
            return ()
        first = station.default_language
        rest = tuple(c for c in station.languages if c != first)
        return (first, *rest) if first in station.languages else station.languages

    def route_for(
        self, location_id: str, category: str, urgency: str | None = None
    ) -> Route | None:
        """The route for a ticket: of the routes that match, the one naming the most
        of (category, urgency); among equals the first in the site file."""
        key = ("route", location_id, category, urgency)
        if key not in self._index:
            if "routes_at" not in self._index:  # each location's routes, in file order
                routes_at: dict[str, list[Route]] = {}
                for r in self.routes:
                    for loc in dict.fromkeys(r.location_ids):
                        routes_at.setdefault(loc, []).append(r)
                self._index["routes_at"] = routes_at
            matching = [
                r
                for r in self._index["routes_at"].get(location_id, ())
                if r.matches(location_id, category, urgency)
            ]
            self._index[key] = max(matching, key=lambda r: r.specificity) if matching else None
        found: Route | None = self._index[key]
        return found

    def groups_for(
        self, location_id: str, category: str, urgency: str | None = None
    ) -> frozenset[str]:
        route = self.route_for(location_id, category, urgency)
        return frozenset(s.group_id for s in route.steps) if route else frozenset()

    def recipients_for(
        self, location_id: str, category: str, urgency: str | None = None
    ) -> tuple[DeviceRecord, ...]:
        """Staff devices that may read a ticket: every device of every step of its route."""
        route = self.route_for(location_id, category, urgency)
        if route is None:
            return ()
        # Kept per route, not per place and kind of request: thousands of places
        # share a few routes, and the hub asks for every kind at each kiosk's place.
        key = ("recipients", route.id)
        if key not in self._index:
            groups = {s.group_id for s in route.steps}
            # From the per-group index, not a scan of every device.
            members = self._staff_by_group()
            in_order = sorted(n_d for g in groups for n_d in members.get(g, ()))
            self._index[key] = tuple(d for _n, d in in_order)
        found: tuple[DeviceRecord, ...] = self._index[key]
        return found

    def _staff_by_group(self) -> dict[str, list[tuple[int, DeviceRecord]]]:
        """Each group's staff devices with their place in `devices` (to keep its order)."""
        if "staff_by_group" not in self._index:
            by_group: dict[str, list[tuple[int, DeviceRecord]]] = {}
            for n, d in enumerate(self.devices):
                if d.role is DeviceRole.STAFF and d.group_id is not None:
                    by_group.setdefault(d.group_id, []).append((n, d))
            self._index["staff_by_group"] = by_group
        found: dict[str, list[tuple[int, DeviceRecord]]] = self._index["staff_by_group"]
        return found

    def readers_at(self, location_id: str) -> frozenset[str]:
        """Ids of the staff devices that may read some request from this location."""
        key = ("readers", location_id)
        if key not in self._index:
            readers = frozenset(
                d.id
                for category in Category
                for urgency in (None, *Urgency)
                for d in self.recipients_for(
                    location_id, category.value, urgency.value if urgency else None
                )
            )
            # One copy of each set, however many places share it.
            self._index[key] = self._index.setdefault(("readers of", readers), readers)
        found: frozenset[str] = self._index[key]
        return found

    def alert_delay(
        self, group_id: str | None, location_id: str, category: str, urgency: str | None = None
    ) -> int | None:
        """Seconds after a ticket is raised that `group_id` is alerted; None if not on its route."""
        route = self.route_for(location_id, category, urgency)
        delays = [s.after_seconds for s in route.steps if s.group_id == group_id] if route else []
        return min(delays) if delays else None

    def staff_may_see(
        self, device: DeviceRecord, location_id: str, category: str, urgency: str | None = None
    ) -> bool:
        return device.role is DeviceRole.STAFF and device.group_id in self.groups_for(
            location_id, category, urgency
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
            "stations": stations_to_document(self.stations),
            "areas": areas_to_document(self.areas),
            "locations": locations_to_document(self.locations),
            "limits": self.limits.to_document(),
            "valid_until": self.valid_until,
            "languages": {"require_signed_off": self.require_signed_off_languages},
            "statistics": self.statistics.to_document(),
            "hpke_suite": self.hpke_suite,
            "tls_ca_sha256": self.tls_ca_sha256,
            "groups": groups_to_document(self.groups),
            "routes": routes_to_document(self.routes),
            "devices": devices_to_document(self.devices),
        }

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> Site:
        try:
            return cls(
                name=str(doc["name"]),
                version=int(doc["version"]),
                emergency_number=str(doc["emergency_number"]),
                stations=stations_from_document(doc.get("stations", [])),
                areas=areas_from_document(doc.get("areas", [])),
                locations=locations_from_document(doc["locations"]),
                limits=SiteLimits.from_document(doc.get("limits")),
                valid_until=int(doc.get("valid_until", 0)),  # older manifests: expired
                require_signed_off_languages=signed_off_only(doc.get("languages")),
                statistics=SiteStatistics.from_document(doc.get("statistics")),
                groups=groups_from_document(doc["groups"]),
                routes=routes_from_document(doc["routes"]),
                hpke_suite=str(doc["hpke_suite"]),
                tls_ca_sha256=str(doc["tls_ca_sha256"]),
                devices=devices_from_document(doc["devices"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise SiteError(f"malformed site manifest: missing or bad field {exc}") from None
