"""The live view's figures, put together from what the operator machine knows
(the site it signed, each device's heartbeat) and what the hub reports about
open requests, consoles and relays (GET /v1/admin/live).

Nothing here can name a request: the hub's live report carries per open request
only its place, age, escalation step and whether it was accepted, and this
module keeps no more than that. `kiosk admin status` reads open requests with
their categories; the dashboard never asks for them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from kiosk.core.site import DeviceRole, Site
from kiosk.hub.settings import DEFAULT_OFFLINE_AFTER_SECONDS

__all__ = [
    "SILENT_SHARE",
    "ConsoleRow",
    "GroupView",
    "KioskRow",
    "LiveView",
    "RequestRow",
    "StationView",
    "assemble_live",
]

# A device the hub has not heard from for this share of the offline limit is
# "silent" until it counts as offline: a warning before the alarm. 17.5 s of the
# default 25 s: the hub stores a streaming device as seen every half limit (plus
# a sweep of 2 s), a device without a stream beats every 10 s; neither gets there
# while it is well (kiosk/hub/presence.py).
SILENT_SHARE = 0.7


@dataclass(frozen=True)
class KioskRow:
    device_id: str
    place: str
    state: str  # online, silent, offline, never seen
    seconds_since: float | None
    manifest_expired: bool
    fallback: bool


@dataclass(frozen=True)
class RequestRow:
    place: str
    age_seconds: float
    accepted: bool
    step: int
    steps: int
    fallback: bool


@dataclass(frozen=True)
class StationView:
    name: str
    kiosks: tuple[KioskRow, ...]
    requests: tuple[RequestRow, ...]


@dataclass(frozen=True)
class ConsoleRow:
    device_id: str
    state: str
    seconds_since: float | None
    manifest_expired: bool


@dataclass(frozen=True)
class GroupView:
    group_id: str
    name: str
    consoles: int
    on_duty: int
    live: int
    reached: bool
    devices: tuple[ConsoleRow, ...]


@dataclass(frozen=True)
class LiveView:
    site: str
    checked_at: float
    manifest_version: int
    manifest_valid_until: int
    manifest_expired: bool
    stations: tuple[StationView, ...]
    groups: tuple[GroupView, ...]
    relays: tuple[dict[str, Any], ...]

    @property
    def open_requests(self) -> int:
        return sum(len(s.requests) for s in self.stations)

    @property
    def waiting(self) -> int:
        return sum(1 for s in self.stations for r in s.requests if not r.accepted)

    @property
    def devices_not_online(self) -> int:
        kiosks = [k.state for s in self.stations for k in s.kiosks]
        consoles = [c.state for g in self.groups for c in g.devices]
        return sum(1 for state in kiosks + consoles if state != "online")

    @property
    def devices(self) -> int:
        return sum(len(s.kiosks) for s in self.stations) + sum(len(g.devices) for g in self.groups)


def _state(device: dict[str, Any], silent_after: float) -> str:
    seconds = device["seconds_since"]
    if device["state"] == "online" and seconds is not None and seconds > silent_after:
        return "silent"
    return str(device["state"])


def assemble_live(
    site: Site,
    devices: list[dict[str, Any]],
    live: dict[str, Any],
    now: float | None = None,
    offline_after: float = DEFAULT_OFFLINE_AFTER_SECONDS,
) -> LiveView:
    """`devices`: kiosk.operator.status.device_states (with the same `offline_after`);
    `live`: the hub's live report."""
    now = time.time() if now is None else now
    tickets = live.get("tickets", [])
    fallback_at = {str(t["location_id"]) for t in tickets if t.get("fallback")}
    silent_after = SILENT_SHARE * offline_after
    return LiveView(
        site=site.name,
        checked_at=now,
        manifest_version=site.version,
        manifest_valid_until=site.valid_until,
        manifest_expired=site.expired(now),
        stations=_stations(site, devices, tickets, fallback_at, silent_after),
        groups=_groups(site, devices, live.get("groups", []), silent_after),
        relays=tuple(live.get("relays", [])),
    )


def _place(site: Site, location_id: str | None) -> tuple[str, str]:
    """(station, place label); a place the signed site does not know stays unnamed."""
    location = site.location(location_id or "")
    if location is None:
        return "(unknown station)", "(unknown place)"
    return location.station, location.label


def _stations(
    site: Site,
    devices: list[dict[str, Any]],
    tickets: list[dict[str, Any]],
    fallback_at: set[str],
    silent_after: float,
) -> tuple[StationView, ...]:
    kiosks: dict[str, list[KioskRow]] = {x.station: [] for x in site.locations}
    for d in devices:
        if d["role"] != DeviceRole.KIOSK.value:
            continue
        station, place = _place(site, d["location"])
        kiosks.setdefault(station, []).append(
            KioskRow(
                d["id"],
                place,
                _state(d, silent_after),
                d["seconds_since"],
                bool(d["manifest_expired"]),
                d["location"] in fallback_at,
            )
        )
    requests: dict[str, list[RequestRow]] = {}
    for t in tickets:  # the hub sends them oldest first
        station, place = _place(site, str(t["location_id"]))
        kiosks.setdefault(station, [])
        requests.setdefault(station, []).append(
            RequestRow(
                place,
                float(t["age_seconds"]),
                bool(t["accepted"]),
                int(t["step"]),
                int(t["steps"]),
                bool(t.get("fallback")),
            )
        )
    return tuple(
        StationView(name, tuple(rows), tuple(requests.get(name, ())))
        for name, rows in sorted(kiosks.items())
    )


def _groups(
    site: Site, devices: list[dict[str, Any]], reported: list[dict[str, Any]], silent_after: float
) -> tuple[GroupView, ...]:
    names = {g.id: g.name for g in site.groups}
    by_id = {str(g["group_id"]): g for g in reported}
    consoles: dict[str, list[ConsoleRow]] = {}
    for d in devices:
        if d["role"] == DeviceRole.STAFF.value:
            consoles.setdefault(d["group"] or "", []).append(
                ConsoleRow(
                    d["id"], _state(d, silent_after), d["seconds_since"], d["manifest_expired"]
                )
            )
    views = []
    for group_id in sorted(set(names) | set(by_id)):
        g = by_id.get(group_id, {})
        views.append(
            GroupView(
                group_id,
                names.get(group_id, group_id),
                int(g.get("consoles", 0)),
                int(g.get("on_duty", 0)),
                int(g.get("live", 0)),
                bool(g.get("reached", False)),
                tuple(consoles.get(group_id, ())),
            )
        )
    return tuple(views)
