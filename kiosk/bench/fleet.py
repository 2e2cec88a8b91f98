"""The bench's site: stations with their kiosks and staff groups, plus one control
room that escalation reaches, every device enrolled at once in one manifest.

Enrolling a thousand devices one by one would sign a thousand growing manifests;
the bench generates every device's keys into its own directory, as enrolment
does, and publishes a single manifest naming them all.
"""

from __future__ import annotations

import dataclasses
import math
import shutil
from dataclasses import dataclass

from kiosk.client import DeviceConfig
from kiosk.core.site import (
    DeviceRecord,
    DeviceRole,
    EscalationStep,
    Location,
    Route,
    Site,
    StaffGroup,
)
from kiosk.crypto import DeviceKeys
from kiosk.operator import SiteLayout, init_site
from kiosk.operator.site_admin import publish

__all__ = ["CONTROL_GROUP", "Device", "Fleet", "build_fleet"]

CONTROL_GROUP = "control-room"


@dataclass(frozen=True, slots=True)
class Device:
    config: DeviceConfig
    keys: DeviceKeys


@dataclass(frozen=True, slots=True)
class Fleet:
    site: Site
    kiosks: tuple[Device, ...]
    staff: tuple[Device, ...]

    def group_members(self, group_id: str) -> tuple[Device, ...]:
        return tuple(d for d in self.staff if d.config.group_id == group_id)

    def station_group_of(self, kiosk: Device) -> str:
        location = kiosk.config.location_id or ""
        return f"staff-{location.split('-k')[0]}"


def _layout_stations(kiosks: int, staff: int, per_group: int) -> tuple[int, int]:
    """(stations, control-room devices): a tenth of the staff in the control room."""
    control = max(1, staff // 10)
    on_platforms = max(1, staff - control)
    return max(1, math.ceil(on_platforms / per_group)), control


def _enrol(
    layout: SiteLayout,
    hub_urls: list[str],
    site_public: bytes,
    placements: list[tuple[str, DeviceRole, str | None, str | None]],
) -> tuple[list[Device], list[DeviceRecord]]:
    """Generate and save each placed device's keys and config, as enrolment does."""
    devices: list[Device] = []
    records: list[DeviceRecord] = []
    for n, (device_id, role, location_id, group_id) in enumerate(placements):
        keys = DeviceKeys.generate()
        directory = layout.device(device_id)
        keys.save(directory)
        shutil.copyfile(layout.operator / "ca.pem", directory / "ca.pem")
        # Devices spread over the hubs as a load balancer would spread them.
        config = DeviceConfig(
            directory,
            device_id,
            role,
            hub_urls[n % len(hub_urls)],
            site_public,
            location_id,
            group_id,
        )
        config.save()
        devices.append(Device(config, keys))
        records.append(
            DeviceRecord(device_id, role, keys.sign_public, keys.hpke_public, location_id, group_id)
        )
    return devices, records


def build_fleet(
    layout: SiteLayout,
    hub_urls: list[str],
    *,
    kiosks: int,
    staff: int,
    per_group: int,
    escalate_after: float,
) -> Fleet:
    if kiosks < 1 or staff < 2:
        raise ValueError("the bench needs at least one kiosk and two staff consoles")
    stations, control = _layout_stations(kiosks, staff, per_group)
    station_ids = [f"st{i:03d}" for i in range(stations)]
    locations = tuple(
        Location(f"{station_ids[k % stations]}-k{k:05d}", station_ids[k % stations], f"Kiosk {k}")
        for k in range(kiosks)
    )
    groups = (
        *(StaffGroup(f"staff-{s}", f"Staff of station {s}") for s in station_ids),
        StaffGroup(CONTROL_GROUP, "Network control room"),
    )
    delay = max(1, round(escalate_after))
    routes = tuple(
        Route(
            f"route-{s}",
            tuple(x.id for x in locations if x.station == s),
            (),
            (EscalationStep(f"staff-{s}", 0), EscalationStep(CONTROL_GROUP, delay)),
        )
        for s in station_ids
    )
    site = init_site(
        layout,
        Site(
            name="Bench network",
            version=1,
            emergency_number="112",
            locations=locations,
            groups=groups,
            routes=routes,
        ),
        ["127.0.0.1"],
    )
    site_public = (layout.hub / "site.pub").read_bytes()
    placements: list[tuple[str, DeviceRole, str | None, str | None]] = [
        (f"kiosk-{x.id}", DeviceRole.KIOSK, x.id, None) for x in locations
    ]
    on_platforms = staff - control
    placements += [
        (f"staff-{i:04d}", DeviceRole.STAFF, None, f"staff-{station_ids[i % stations]}")
        for i in range(on_platforms)
    ]
    placements += [
        (f"control-{i:03d}", DeviceRole.STAFF, None, CONTROL_GROUP) for i in range(control)
    ]
    devices, records = _enrol(layout, hub_urls, site_public, placements)
    site = publish(layout, dataclasses.replace(site, devices=tuple(records)))
    return Fleet(
        site,
        tuple(d for d in devices if d.config.role is DeviceRole.KIOSK),
        tuple(d for d in devices if d.config.role is DeviceRole.STAFF),
    )
