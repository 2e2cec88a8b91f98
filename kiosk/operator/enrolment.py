"""Enrolling devices with one-time codes, publishing them, and revoking them.

The operator creates a code for a role and place; the device generates its
own keys and presents them with the code; the operator then signs the next
manifest with the device in it. The hub only relays: it cannot add a reader.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from kiosk.core.enrolment_code import code_hash, new_code
from kiosk.core.errors import SiteError
from kiosk.core.site import DeviceRecord, DeviceRole, Site
from kiosk.crypto import fingerprint
from kiosk.hub.enrolment_store import EnrolmentStore
from kiosk.operator.site_admin import (
    SiteLayout,
    check_placement,
    current_site,
    new_device_id,
    publish,
)

__all__ = [
    "DEFAULT_CODE_HOURS",
    "IssuedCode",
    "create_enrolment",
    "publish_enrolled",
    "revoke_device",
]

DEFAULT_CODE_HOURS = 24.0


@dataclass(frozen=True)
class IssuedCode:
    code: str
    device_id: str
    expires_at: float
    site_fingerprint: str


def _enrolments(layout: SiteLayout) -> EnrolmentStore:
    return EnrolmentStore(layout.store().engine)


def create_enrolment(
    layout: SiteLayout,
    role: DeviceRole,
    *,
    location_id: str | None = None,
    group_id: str | None = None,
    device_id: str | None = None,
    hours: float = DEFAULT_CODE_HOURS,
) -> IssuedCode:
    if not 0 < hours <= 24 * 14:
        raise SiteError("an enrolment code lives between a few minutes and 14 days (--hours)")
    site = current_site(layout, layout.store())
    device_id = device_id or new_device_id(role)
    check_placement(site, role, device_id, location_id, group_id)
    code = new_code()
    expires_at = time.time() + hours * 3600
    _enrolments(layout).create(
        code_hash(code),
        device_id,
        role.value,
        expires_at,
        location_id=location_id if role is DeviceRole.KIOSK else None,
        group_id=group_id if role is DeviceRole.STAFF else None,
    )
    site_public = (layout.hub / "site.pub").read_bytes()
    return IssuedCode(code, device_id, expires_at, fingerprint(site_public))


def publish_enrolled(layout: SiteLayout) -> tuple[Site, list[str]]:
    """Sign a manifest with every device that has used its code; the new site and their ids."""
    store = _enrolments(layout)
    used = [e for e in store.all() if e.used and e.sign_public and e.hpke_public]
    site = current_site(layout, layout.store())
    added = []
    for e in used:
        if site.device(e.device_id) is not None:
            continue
        site = site.with_device(
            DeviceRecord(
                id=e.device_id,
                role=DeviceRole(e.role),
                sign_public=e.sign_public or b"",
                hpke_public=e.hpke_public or b"",
                location_id=e.location_id,
                group_id=e.group_id,
            )
        )
        added.append(e.device_id)
    if added:
        site = publish(layout, site)
    store.mark_published([e.device_id for e in used])
    # A code is kept no longer than its lifetime, spent or not.
    now = time.time()
    store.remove([e.device_id for e in store.all() if e.expires_at < now])
    return site, added


def revoke_device(layout: SiteLayout, device_id: str) -> Site:
    """Drop a device from the manifest: the hub refuses it from its next call on,
    and tickets sealed after this are not sealed to it."""
    site = current_site(layout, layout.store())
    if site.device(device_id) is None:
        known = ", ".join(d.id for d in site.devices) or "none"
        raise SiteError(f"no enrolled device {device_id!r} (enrolled: {known})")
    return publish(layout, site.without_device(device_id))
