"""Creating a site and enrolling devices, on the operator's data directory.

Layout of a data directory:

    operator/site.key   the site signing key (Ed25519, mode 0600)
    operator/ca.key     the private CA's key (mode 0600), operator/ca.pem its certificate
    operator/manifest.json, manifests.jsonl   the operator's own record (operator_state.py)
    hub/                the hub's state: hub.db, site.pub, tls/hub.pem + hub.key
    devices/<id>/       one directory per enrolled device: device.json, its own keys, ca.pem

In this first version `enrol` creates the device's directory on the same
machine; enrolment codes, with keys generated on the device itself, follow.
"""

from __future__ import annotations

import dataclasses
import os
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from kiosk.client.device import DeviceConfig
from kiosk.core.errors import SiteError
from kiosk.core.site import (
    Area,
    DeviceRecord,
    DeviceRole,
    EscalationStep,
    Location,
    Route,
    Site,
    StaffGroup,
    Station,
)
from kiosk.crypto import (
    DeviceKeys,
    SiteKey,
    certificate_sha256,
    create_site_ca,
    fingerprint,
    issue_server_certificate,
    write_private_file,
)
from kiosk.hub.database import make_engine, upgrade_schema
from kiosk.hub.settings import HubSettings
from kiosk.hub.store import Store
from kiosk.operator.hub_admin import HttpHubAdmin, HubAdmin, LocalHubAdmin
from kiosk.operator.operator_state import OperatorState, check_hub_base

__all__ = [
    "SiteLayout",
    "check_placement",
    "current_site",
    "enrol_local_device",
    "init_site",
    "new_device_id",
    "publish",
    "refresh",
    "sample_site",
    "site_fingerprint",
    "site_passphrase",
]

_DEVICE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


@dataclass(frozen=True)
class SiteLayout:
    root: Path
    database_url: str = ""  # empty: the hub's SQLite file under root/hub
    # The hub's admin API (kiosk admin commands); empty: the hub's database on this
    # machine, for `kiosk admin init`, the demo and tests before a hub runs.
    hub_url: str = ""

    @property
    def operator(self) -> Path:
        return self.root / "operator"

    @property
    def hub(self) -> Path:
        return self.root / "hub"

    def device(self, device_id: str) -> Path:
        return self.root / "devices" / device_id

    def hub_settings(self, port: int = 8443) -> HubSettings:
        return HubSettings(data_dir=self.hub, port=port, database_url=self.database_url)

    def store(self) -> Store:
        engine = make_engine(self.hub_settings().db_url, pooled=False)
        upgrade_schema(engine)
        return Store(engine)

    def state(self) -> OperatorState:
        """The operator's own record: the only base new manifests are built on."""
        return self._state

    @cached_property
    def _state(self) -> OperatorState:
        return OperatorState(self.operator, site_passphrase())

    @cached_property
    def hub_admin(self) -> HubAdmin:
        if self.hub_url:
            return HttpHubAdmin(self.hub_url, self.operator / "ca.pem", self.state().site_key())
        return LocalHubAdmin(self.store())


def sample_site(name: str = "Central Station (demo)", emergency_number: str = "112") -> Site:
    """Two stations, each with platform staff; Central also has a control room."""
    central = ("central-p3", "central-hall")
    return Site(
        name=name,
        version=1,
        emergency_number=emergency_number,
        stations=(
            Station("central", "Central Station", emergency_number=emergency_number),
            Station("north", "North Station", emergency_number=emergency_number),
        ),
        areas=(
            Area("central-platforms", "central", "Platforms"),
            Area("central-concourse", "central", "Concourse"),
            Area("north-platforms", "north", "Platforms"),
        ),
        locations=(
            Location(
                "central-p3",
                "Central Station",
                "Platform 3, north stairs",
                "central",
                "central-platforms",
            ),
            Location(
                "central-hall",
                "Central Station",
                "Main hall, ticket office",
                "central",
                "central-concourse",
                "landscape",
            ),
            Location("north-p1", "North Station", "Platform 1", "north", "north-platforms"),
        ),
        groups=(
            StaffGroup("central-staff", "Central Station platform staff"),
            StaffGroup("central-control", "Central Station control room"),
            StaffGroup("north-staff", "North Station staff"),
        ),
        routes=(
            # Medical emergencies and feeling unsafe alert everyone at once.
            Route(
                "central-urgent",
                central,
                ("medical_now", "unsafe"),
                (EscalationStep("central-staff", 0), EscalationStep("central-control", 0)),
            ),
            Route(
                "central-all",
                central,
                (),
                (EscalationStep("central-staff", 0), EscalationStep("central-control", 90)),
            ),
            Route("north-all", ("north-p1",), (), (EscalationStep("north-staff", 0),)),
        ),
    )


def site_passphrase() -> bytes | None:
    """The operator's passphrase for the site and CA keys, if they chose one."""
    value = os.environ.get("KIOSK_SITE_PASSPHRASE", "")
    return value.encode() if value else None


def init_site(layout: SiteLayout, site: Site, hub_hosts: list[str]) -> Site:
    if (layout.operator / "site.key").exists():
        raise SiteError(f"{layout.root} already holds a site; choose another --data directory")
    passphrase = site_passphrase()
    site_key = SiteKey.generate()
    site_key.save(layout.operator / "site.key", passphrase)
    ca = create_site_ca(site.name, passphrase=passphrase)
    write_private_file(layout.operator / "ca.key", ca.private_key)
    (layout.operator / "ca.pem").write_bytes(ca.certificate)
    server = issue_server_certificate(ca, hub_hosts, ca_passphrase=passphrase)
    (layout.hub / "tls").mkdir(parents=True, exist_ok=True)
    (layout.hub / "tls" / "hub.pem").write_bytes(server.certificate + ca.certificate)
    write_private_file(layout.hub / "tls" / "hub.key", server.private_key)
    (layout.hub / "ca.pem").write_bytes(ca.certificate)
    (layout.hub / "site.pub").write_bytes(site_key.public)
    site = dataclasses.replace(site, tls_ca_sha256=certificate_sha256(ca.certificate))
    site, signed = layout.state().sign_next(site, first=True)
    LocalHubAdmin(layout.store()).put_manifest(signed)  # the hub runs later
    return site


def current_site(layout: SiteLayout) -> Site:
    """The last manifest this operator signed: never what the hub holds."""
    return layout.state().last_site()


def site_fingerprint(layout: SiteLayout) -> str:
    """What devices pin at enrolment, from the site key itself."""
    return fingerprint(layout.state().site_public())


def publish(layout: SiteLayout, site: Site, hub: HubAdmin | None = None) -> Site:
    """Sign `site` as the version after the operator's last one and hand it to the hub.

    Refused, with nothing signed, when the hub holds a manifest this operator did
    not sign last.
    """
    state = layout.state()
    hub = hub or layout.hub_admin
    check_hub_base(state, hub.manifest())
    site, signed = state.sign_next(site)
    hub.put_manifest(signed)
    return site


def refresh(layout: SiteLayout, *, force: bool = False, now: float | None = None) -> Site | None:
    """Re-sign the last manifest with a new validity once half of it has passed
    (or at once with `force`); None when it is not due yet. Run by a timer."""
    now = time.time() if now is None else now
    last = current_site(layout)
    half = last.limits.manifest_valid_hours * 3600 / 2
    if not force and last.valid_until - now > half:
        return None
    return publish(layout, last)


def check_placement(
    site: Site, role: DeviceRole, device_id: str, location_id: str | None, group_id: str | None
) -> None:
    """Refuse, with the allowed values, an enrolment the site cannot place."""
    if not _DEVICE_ID.match(device_id):
        raise SiteError("device id: 2-63 lowercase letters, digits and dashes")
    if site.device(device_id) is not None:
        raise SiteError(f"device {device_id} is already enrolled")
    if role is DeviceRole.KIOSK and site.location(location_id or "") is None:
        known = ", ".join(x.id for x in site.locations) or "none"
        raise SiteError(f"unknown location {location_id!r} (known: {known})")
    if role is DeviceRole.STAFF and group_id not in {g.id for g in site.groups}:
        known = ", ".join(g.id for g in site.groups) or "none"
        raise SiteError(f"unknown staff group {group_id!r} (known: {known})")


def new_device_id(role: DeviceRole) -> str:
    return f"{role.value}-{secrets.token_hex(3)}"


def enrol_local_device(
    layout: SiteLayout,
    role: DeviceRole,
    hub_url: str,
    *,
    location_id: str | None = None,
    group_id: str | None = None,
    device_id: str | None = None,
) -> DeviceConfig:
    """Enrol a device whose directory is on this machine (the demo, tests, one-box sites).

    Its keys are generated straight into its own directory, as the device
    itself would; for a device elsewhere use an enrolment code.
    """
    site = current_site(layout)
    device_id = device_id or new_device_id(role)
    check_placement(site, role, device_id, location_id, group_id)
    keys = DeviceKeys.generate()
    directory = layout.device(device_id)
    keys.save(directory)
    shutil.copyfile(layout.operator / "ca.pem", directory / "ca.pem")
    config = DeviceConfig(
        directory=directory,
        device_id=device_id,
        role=role,
        hub_url=hub_url,
        site_public=layout.state().site_public(),
        location_id=location_id if role is DeviceRole.KIOSK else None,
        group_id=group_id if role is DeviceRole.STAFF else None,
    )
    config.save()
    publish(
        layout,
        site.with_device(
            DeviceRecord(
                id=device_id,
                role=role,
                sign_public=keys.sign_public,
                hpke_public=keys.hpke_public,
                location_id=config.location_id,
                group_id=config.group_id,
            )
        ),
    )
    return config
