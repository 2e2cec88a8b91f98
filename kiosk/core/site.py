"""The site model: stations, their areas and kiosk places, staff groups,
routes, site-wide limits and enrolled devices.

It is what the operator signs into the site manifest; kiosks seal tickets to
the staff devices it names, and the hub routes by it. The operator writes it
as a site file (kiosk/operator/site_file.py); devices come from enrolment.
Manifests signed before stations, areas and limits existed still load: every
newer field has a default.
"""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from kiosk.core.categories import Category, Urgency
from kiosk.core.errors import SiteError

__all__ = [
    "DEFAULT_FALLBACK_AFTER_SECONDS",
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
    "StaffGroup",
    "Station",
]

# HPKE suites a site may choose; the hybrid post-quantum one unless the
# operator configures the classical fallback (e.g. for very slow devices).
SUITES = ("MLKEM768_X25519", "X25519")
DEFAULT_SUITE = SUITES[0]
ORIENTATIONS = ("portrait", "landscape")
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
class Station:
    id: str
    name: str
    languages: tuple[str, ...] = ()  # offered at its kiosks; empty: every shipped language
    default_language: str = "en"
    emergency_number: str = ""  # empty: the site's
    help_point: str = ""  # where to find a person when the kiosk cannot help
    help_phone: str = ""


@dataclass(frozen=True, slots=True)
class Area:
    id: str
    station_id: str
    name: str


@dataclass(frozen=True, slots=True)
class Location:
    """A kiosk's place. `station` is the station's display name (what staff see)."""

    id: str
    station: str
    label: str  # e.g. "Platform 3, north stairs"
    station_id: str = ""
    area_id: str = ""
    orientation: str = "portrait"
    screen_inches: float = 0.0  # diagonal; 0: not given
    screen_dpi: int = 0  # 0: not given


@dataclass(frozen=True, slots=True)
class SiteLimits:
    """Time limits and retention, in seconds unless named otherwise."""

    inactivity_seconds: int = 90  # kiosk: ask "Do you need more time?" after this
    more_time_seconds: int = 30  # ...and start over if nobody answers (WCAG 2.2.1: >= 20)
    request_expiry_seconds: int = 4 * 3600  # unresolved requests expire and are purged
    enrolment_code_hours: int = 24  # an unused enrolment code is deleted after this
    outcome_seconds: int = 8  # the kiosk shows the outcome this long, then forgets it
    # A signed manifest is valid this long; the operator re-signs it before then, so
    # a hub that keeps serving an old one (freezing a revocation) is found out.
    manifest_valid_hours: int = 24

    def to_document(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    @classmethod
    def from_document(cls, doc: object) -> SiteLimits:
        if doc is None:
            return cls()
        if not isinstance(doc, dict):
            raise SiteError("limits must be an object")
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: int(v) for k, v in doc.items() if k in names})


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
    urgencies: tuple[str, ...] = ()  # empty: every urgency
    remind_after_seconds: int = DEFAULT_REMIND_AFTER_SECONDS
    reescalate_after_seconds: int = DEFAULT_REESCALATE_AFTER_SECONDS
    fallback_after_seconds: int = DEFAULT_FALLBACK_AFTER_SECONDS

    def matches(self, location_id: str, category: str, urgency: str | None = None) -> bool:
        """`urgency` None (a caller that does not know it) matches only routes that
        do not narrow by urgency."""
        return (
            location_id in self.location_ids
            and (not self.categories or category in self.categories)
            and (not self.urgencies or urgency in self.urgencies)
        )

    @property
    def specificity(self) -> int:
        return bool(self.categories) + bool(self.urgencies)


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
    stations: tuple[Station, ...] = field(default=())
    areas: tuple[Area, ...] = field(default=())
    limits: SiteLimits = field(default=SiteLimits())
    valid_until: int = 0  # Unix time the operator's signature stops vouching for this; 0: never set
    # Kiosks offer only languages whose must-review strings are signed off
    # (kiosk/i18n/signoff.py), and English; False: every listed language.
    require_signed_off_languages: bool = False
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
            "stations": [
                {
                    "id": st.id,
                    "name": st.name,
                    "languages": list(st.languages),
                    "default_language": st.default_language,
                    "emergency_number": st.emergency_number,
                    "help_point": st.help_point,
                    "help_phone": st.help_phone,
                }
                for st in self.stations
            ],
            "areas": [{"id": a.id, "station": a.station_id, "name": a.name} for a in self.areas],
            "locations": [
                {
                    "id": x.id,
                    "station": x.station,
                    "label": x.label,
                    "station_id": x.station_id,
                    "area": x.area_id,
                    "orientation": x.orientation,
                    "screen_inches": x.screen_inches,
                    "screen_dpi": x.screen_dpi,
                }
                for x in self.locations
            ],
            "limits": self.limits.to_document(),
            "valid_until": self.valid_until,
            "languages": {"require_signed_off": self.require_signed_off_languages},
            "hpke_suite": self.hpke_suite,
            "tls_ca_sha256": self.tls_ca_sha256,
            "groups": [{"id": g.id, "name": g.name} for g in self.groups],
            "routes": [
                {
                    "id": r.id,
                    "locations": list(r.location_ids),
                    "categories": list(r.categories),
                    "urgencies": list(r.urgencies),
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
                stations=tuple(
                    Station(
                        id=str(x["id"]),
                        name=str(x["name"]),
                        languages=tuple(str(c) for c in _list(x.get("languages", []))),
                        default_language=str(x.get("default_language", "en")),
                        emergency_number=str(x.get("emergency_number", "")),
                        help_point=str(x.get("help_point", "")),
                        help_phone=str(x.get("help_phone", "")),
                    )
                    for x in _items(doc.get("stations", []))
                ),
                areas=tuple(
                    Area(id=str(x["id"]), station_id=str(x["station"]), name=str(x["name"]))
                    for x in _items(doc.get("areas", []))
                ),
                locations=tuple(
                    Location(
                        id=str(x["id"]),
                        station=str(x["station"]),
                        label=str(x["label"]),
                        station_id=str(x.get("station_id", "")),
                        area_id=str(x.get("area", "")),
                        orientation=str(x.get("orientation", "portrait")),
                        screen_inches=float(x.get("screen_inches", 0.0)),
                        screen_dpi=int(x.get("screen_dpi", 0)),
                    )
                    for x in _items(doc["locations"])
                ),
                limits=SiteLimits.from_document(doc.get("limits")),
                valid_until=int(doc.get("valid_until", 0)),  # older manifests: expired
                require_signed_off_languages=_signed_off_only(doc.get("languages")),
                groups=tuple(
                    StaffGroup(id=str(g["id"]), name=str(g["name"])) for g in _items(doc["groups"])
                ),
                routes=tuple(
                    Route(
                        id=str(r["id"]),
                        location_ids=tuple(str(x) for x in _list(r["locations"])),
                        categories=tuple(str(x) for x in _list(r["categories"])),
                        urgencies=tuple(str(x) for x in _list(r.get("urgencies", []))),
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
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise SiteError(f"malformed site manifest: missing or bad field {exc}") from None


def _signed_off_only(doc: object) -> bool:
    if doc is None:  # signed before the option existed
        return False
    if not isinstance(doc, dict) or not isinstance(doc.get("require_signed_off", False), bool):
        raise SiteError("languages must be an object with require_signed_off true or false")
    return bool(doc.get("require_signed_off", False))


def _list(value: object) -> list[Any]:
    if not isinstance(value, list):
        raise SiteError("expected a list")
    return value


def _items(value: object) -> Iterable[Mapping[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(x, dict) for x in value):
        raise SiteError("expected a list of objects")
    return value
