"""The parts a site is made of: stations, their areas and kiosk places, site-wide
limits, staff groups, routes with their escalation steps, and enrolled devices.

Each is a frozen record; the site (kiosk/core/site.py) checks that they refer
to one another, and kiosk/core/site_document.py gives their manifest form.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, tzinfo
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kiosk.core.alert_relays import AlertRelay
from kiosk.core.errors import SiteError

__all__ = [
    "DEFAULT_FALLBACK_AFTER_SECONDS",
    "DEFAULT_KEEP_DAYS",
    "DEFAULT_REESCALATE_AFTER_SECONDS",
    "DEFAULT_REMIND_AFTER_SECONDS",
    "DEFAULT_SUITE",
    "KEEP_DAYS_RANGE",
    "ORIENTATIONS",
    "SUITES",
    "Area",
    "DeviceRecord",
    "DeviceRole",
    "EscalationStep",
    "Location",
    "Route",
    "SiteLimits",
    "SiteStatistics",
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
    label: str  # e.g. "Platform 3, north stairs"; with `labels`, the default language's
    station_id: str = ""
    area_id: str = ""
    orientation: str = "portrait"
    screen_inches: float = 0.0  # diagonal; 0: not given
    screen_dpi: int = 0  # 0: not given
    labels: tuple[tuple[str, str], ...] = ()  # (language, label) when written per language

    def label_in(self, language: str, default_language: str = "") -> str:
        """The label in `language`, else in `default_language`, else any."""
        texts = dict(self.labels)
        return texts.get(language) or texts.get(default_language) or self.label


@dataclass(frozen=True, slots=True)
class SiteLimits:
    """Time limits and retention, in seconds unless named otherwise."""

    inactivity_seconds: int = 90  # kiosk: ask "Do you need more time?" after this
    more_time_seconds: int = 30  # ...and start over if nobody answers (WCAG 2.2.1: >= 20)
    # kiosk: an accepted request untouched this long makes room for the next traveller
    # (asking "Do you need more time?" first); it stays open for staff, not withdrawn.
    handover_seconds: int = 120
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


# How long the hub keeps its statistics counters (kiosk/core/statistics.py).
DEFAULT_KEEP_DAYS = 400
KEEP_DAYS_RANGE = (30, 3660)


@dataclass(frozen=True, slots=True)
class SiteStatistics:
    """The site file's [statistics]: whether the hub counts closed requests,
    how long it keeps the counters, and the time zone of their days and weeks."""

    enabled: bool = True
    keep_days: int = DEFAULT_KEEP_DAYS
    timezone: str = "UTC"  # an IANA name such as "Europe/Paris"

    def zone(self) -> tzinfo:
        """The time zone of days and weeks (UTC if this machine does not know it)."""
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return UTC

    def to_document(self) -> dict[str, object]:
        return {"enabled": self.enabled, "keep_days": self.keep_days, "timezone": self.timezone}

    @classmethod
    def from_document(cls, doc: object) -> SiteStatistics:
        if doc is None:  # signed before statistics existed
            return cls()
        if not isinstance(doc, dict):
            raise SiteError("statistics must be an object")
        enabled = doc.get("enabled", True)
        zone = doc.get("timezone", "UTC")
        if not isinstance(enabled, bool) or not isinstance(zone, str):
            raise SiteError("statistics.enabled must be true or false, timezone a name")
        return cls(
            enabled=enabled, keep_days=int(doc.get("keep_days", DEFAULT_KEEP_DAYS)), timezone=zone
        )


@dataclass(frozen=True, slots=True)
class StaffGroup:
    id: str
    name: str
    # Where it is alerted besides its consoles (kiosk/core/alert_relays.py).
    alerts: tuple[AlertRelay, ...] = ()


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
