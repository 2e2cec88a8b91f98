"""The manifest form of each part of a site: JSON-ready lists and back.

`Site.to_document` and `Site.from_document` (kiosk/core/site.py) put these
together. Reading is strict about shapes (a list where a list belongs, base64
where keys belong) and lenient about fields newer than a manifest: each of
those has a default.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from typing import Any

from kiosk.core.alert_relays import relays_from_document, relays_to_document
from kiosk.core.errors import SiteError
from kiosk.core.site_parts import (
    DEFAULT_FALLBACK_AFTER_SECONDS,
    DEFAULT_REESCALATE_AFTER_SECONDS,
    DEFAULT_REMIND_AFTER_SECONDS,
    Area,
    DeviceRecord,
    DeviceRole,
    EscalationStep,
    Location,
    Route,
    StaffGroup,
    Station,
)

__all__ = [
    "areas_from_document",
    "areas_to_document",
    "devices_from_document",
    "devices_to_document",
    "groups_from_document",
    "groups_to_document",
    "locations_from_document",
    "locations_to_document",
    "routes_from_document",
    "routes_to_document",
    "signed_off_only",
    "stations_from_document",
    "stations_to_document",
]


def stations_to_document(stations: Iterable[Station]) -> list[dict[str, Any]]:
    return [
        {
            "id": st.id,
            "name": st.name,
            "languages": list(st.languages),
            "default_language": st.default_language,
            "emergency_number": st.emergency_number,
            "help_point": st.help_point,
            "help_phone": st.help_phone,
        }
        for st in stations
    ]


def areas_to_document(areas: Iterable[Area]) -> list[dict[str, Any]]:
    return [{"id": a.id, "station": a.station_id, "name": a.name} for a in areas]


def locations_to_document(locations: Iterable[Location]) -> list[dict[str, Any]]:
    return [
        {
            "id": x.id,
            "station": x.station,
            "label": x.label,
            "station_id": x.station_id,
            "area": x.area_id,
            "orientation": x.orientation,
            "screen_inches": x.screen_inches,
            "screen_dpi": x.screen_dpi,
            # Only when written per language: manifests without it keep their bytes.
            **({"labels": dict(x.labels)} if x.labels else {}),
        }
        for x in locations
    ]


def groups_to_document(groups: Iterable[StaffGroup]) -> list[dict[str, Any]]:
    return [
        # Relays only when a group has some: manifests without them keep their bytes.
        {
            "id": g.id,
            "name": g.name,
            **({"alerts": relays_to_document(g.alerts)} if g.alerts else {}),
        }
        for g in groups
    ]


def routes_to_document(routes: Iterable[Route]) -> list[dict[str, Any]]:
    return [
        {
            "id": r.id,
            "locations": list(r.location_ids),
            "categories": list(r.categories),
            "urgencies": list(r.urgencies),
            "steps": [{"group": st.group_id, "after_seconds": st.after_seconds} for st in r.steps],
            "remind_after_seconds": r.remind_after_seconds,
            "reescalate_after_seconds": r.reescalate_after_seconds,
            "fallback_after_seconds": r.fallback_after_seconds,
        }
        for r in routes
    ]


def devices_to_document(devices: Iterable[DeviceRecord]) -> list[dict[str, Any]]:
    return [
        {
            "id": d.id,
            "role": d.role.value,
            "sign_public": _b64(d.sign_public),
            "hpke_public": _b64(d.hpke_public),
            **({"location": d.location_id} if d.location_id else {}),
            **({"group": d.group_id} if d.group_id else {}),
        }
        for d in devices
    ]


def stations_from_document(doc: object) -> tuple[Station, ...]:
    return tuple(
        Station(
            id=str(x["id"]),
            name=str(x["name"]),
            languages=tuple(str(c) for c in _list(x.get("languages", []))),
            default_language=str(x.get("default_language", "en")),
            emergency_number=str(x.get("emergency_number", "")),
            help_point=str(x.get("help_point", "")),
            help_phone=str(x.get("help_phone", "")),
        )
        for x in _items(doc)
    )


def areas_from_document(doc: object) -> tuple[Area, ...]:
    return tuple(
        Area(id=str(x["id"]), station_id=str(x["station"]), name=str(x["name"]))
        for x in _items(doc)
    )


def locations_from_document(doc: object) -> tuple[Location, ...]:
    return tuple(
        Location(
            id=str(x["id"]),
            station=str(x["station"]),
            label=str(x["label"]),
            station_id=str(x.get("station_id", "")),
            area_id=str(x.get("area", "")),
            orientation=str(x.get("orientation", "portrait")),
            screen_inches=float(x.get("screen_inches", 0.0)),
            screen_dpi=int(x.get("screen_dpi", 0)),
            labels=_labels(x.get("labels", {})),
        )
        for x in _items(doc)
    )


def groups_from_document(doc: object) -> tuple[StaffGroup, ...]:
    return tuple(
        StaffGroup(
            id=str(g["id"]), name=str(g["name"]), alerts=relays_from_document(g.get("alerts"))
        )
        for g in _items(doc)
    )


def routes_from_document(doc: object) -> tuple[Route, ...]:
    return tuple(
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
            remind_after_seconds=int(r.get("remind_after_seconds", DEFAULT_REMIND_AFTER_SECONDS)),
            reescalate_after_seconds=int(
                r.get("reescalate_after_seconds", DEFAULT_REESCALATE_AFTER_SECONDS)
            ),
            fallback_after_seconds=int(
                r.get("fallback_after_seconds", DEFAULT_FALLBACK_AFTER_SECONDS)
            ),
        )
        for r in _items(doc)
    )


def devices_from_document(doc: object) -> tuple[DeviceRecord, ...]:
    return tuple(
        DeviceRecord(
            id=str(d["id"]),
            role=DeviceRole(d["role"]),
            sign_public=_unb64(d["sign_public"], "sign_public"),
            hpke_public=_unb64(d["hpke_public"], "hpke_public"),
            location_id=d.get("location"),
            group_id=d.get("group"),
        )
        for d in _items(doc)
    )


def signed_off_only(doc: object) -> bool:
    """The manifest's `languages.require_signed_off`."""
    if doc is None:  # signed before the option existed
        return False
    if not isinstance(doc, dict) or not isinstance(doc.get("require_signed_off", False), bool):
        raise SiteError("languages must be an object with require_signed_off true or false")
    return bool(doc.get("require_signed_off", False))


def _labels(doc: object) -> tuple[tuple[str, str], ...]:
    """A place's labels by language (absent from manifests signed before them)."""
    if not isinstance(doc, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in doc.items()
    ):
        raise SiteError("labels must be an object of language: text")
    return tuple(sorted(doc.items()))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: object, what: str) -> bytes:
    if not isinstance(text, str):
        raise SiteError(f"{what} must be base64 text")
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        raise SiteError(f"{what} is not valid base64") from None


def _list(value: object) -> list[Any]:
    if not isinstance(value, list):
        raise SiteError("expected a list")
    return value


def _items(value: object) -> Iterable[Mapping[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(x, dict) for x in value):
        raise SiteError("expected a list of objects")
    return value
