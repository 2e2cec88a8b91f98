"""Enrolling devices with one-time codes, publishing them, and revoking them.

The operator creates a code for a role and place; the device generates its
own keys and presents them with the code; the operator then signs the next
manifest with the device in it. The hub only relays: it cannot add a reader.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

from kiosk.core.enrolment_code import code_hash, new_code
from kiosk.core.errors import BadSignature, SiteError
from kiosk.core.site import DeviceRecord, DeviceRole, Site
from kiosk.crypto import DeviceKeys, SiteKey, fingerprint, verify_signature
from kiosk.hub.enrolment_store import Enrolment
from kiosk.operator.site_admin import (
    SiteLayout,
    check_placement,
    current_site,
    new_device_id,
    publish,
    site_passphrase,
)

__all__ = [
    "DEFAULT_CODE_HOURS",
    "IssuedCode",
    "create_enrolment",
    "create_rotation",
    "device_fingerprint",
    "publish_enrolled",
    "revoke_device",
    "rotate_here",
]

_INTENT_PURPOSE = b"kiosk/enrolment-intent/v1"


def device_fingerprint(sign_public: bytes, hpke_public: bytes) -> str:
    """What the device shows after enrolling and the operator confirms before publishing."""
    return fingerprint(sign_public + hpke_public)


def _intent(
    device_id: str, role: str, location: str | None, group: str | None, hashed: str, expires: float
) -> bytes:
    fields = [device_id, role, location or "", group or "", hashed, f"{expires:.3f}"]
    return b"\x00".join([_INTENT_PURPOSE, *(f.encode() for f in fields)])


DEFAULT_CODE_HOURS = 24.0


@dataclass(frozen=True)
class IssuedCode:
    code: str
    device_id: str
    expires_at: float
    site_fingerprint: str


def create_enrolment(
    layout: SiteLayout,
    role: DeviceRole,
    *,
    location_id: str | None = None,
    group_id: str | None = None,
    device_id: str | None = None,
    hours: float | None = None,
    rotation: bool = False,
) -> IssuedCode:
    """`hours` None: the site file's retention.enrolment_code_hours. `rotation`: for a
    device already enrolled, which keeps its id, role and place (create_rotation)."""
    site = current_site(layout)
    if hours is None:
        hours = float(site.limits.enrolment_code_hours)
    if not 0 < hours <= 24 * 14:
        raise SiteError("an enrolment code lives between a few minutes and 14 days (--hours)")
    device_id = device_id or new_device_id(role)
    if not rotation:
        check_placement(site, role, device_id, location_id, group_id)
    code = new_code()
    expires_at = time.time() + hours * 3600
    location = location_id if role is DeviceRole.KIOSK else None
    group = group_id if role is DeviceRole.STAFF else None
    hashed = code_hash(code)
    site_key = SiteKey.load(layout.operator / "site.key", site_passphrase())
    layout.hub_admin.create_enrolment(
        Enrolment(
            device_id=device_id,
            role=role.value,
            location_id=location,
            group_id=group,
            expires_at=expires_at,
            used=False,
            sign_public=None,
            hpke_public=None,
            code_hash=hashed,
            intent_signature=site_key.sign(
                _intent(device_id, role.value, location, group, hashed, expires_at)
            ),
        )
    )
    return IssuedCode(code, device_id, expires_at, fingerprint(site_key.public))


def publish_enrolled(
    layout: SiteLayout, confirmed: dict[str, str] | None = None
) -> tuple[Site, list[str], list[tuple[str, str]]]:
    """Sign into the manifest every device that used its code and that the operator
    confirmed by the key fingerprint the device itself showed.

    Returns the site, the devices published, and those still waiting for
    confirmation (id, fingerprint of the keys the hub relayed). The hub saw
    the code, so it could have presented keys of its own: only the operator's
    comparison with the device's screen tells. Role and place come from the
    operator's signature made when the code was issued, not from the hub.
    """
    confirmed = {k: _plain(v) for k, v in (confirmed or {}).items()}
    hub = layout.hub_admin
    site_public = layout.state().site_public()
    site = current_site(layout)
    added: list[str] = []
    waiting: list[tuple[str, str]] = []
    enrolments = hub.enrolments()
    for e in enrolments:
        if not (e.used and e.sign_public and e.hpke_public):
            continue
        current = site.device(e.device_id)
        if current is not None and (current.sign_public, current.hpke_public) == (
            e.sign_public,
            e.hpke_public,
        ):
            continue  # published already (a rotation code brings new keys: it goes on)
        _check_intent(e, site_public)
        shown = device_fingerprint(e.sign_public, e.hpke_public)
        if confirmed.get(e.device_id) != _plain(shown):
            waiting.append((e.device_id, shown))
            continue
        site = site.with_device(
            DeviceRecord(
                id=e.device_id,
                role=DeviceRole(e.role),
                sign_public=e.sign_public,
                hpke_public=e.hpke_public,
                location_id=e.location_id,
                group_id=e.group_id,
            )
        )
        added.append(e.device_id)
    if added:
        site = publish(layout, site)
        hub.mark_published(added)
    # A code is kept no longer than its lifetime, spent or not.
    now = time.time()
    expired = [e.device_id for e in enrolments if e.expires_at < now]
    if expired:
        hub.remove_enrolments(expired)
    return site, added, waiting


def _plain(fingerprint_text: str) -> str:
    return "".join(ch for ch in fingerprint_text.upper() if ch.isalnum())


def _check_intent(e: Enrolment, site_public: bytes) -> None:
    message = _intent(e.device_id, e.role, e.location_id, e.group_id, e.code_hash, e.expires_at)
    try:
        verify_signature(site_public, message, e.intent_signature or b"")
    except BadSignature:
        raise SiteError(
            f"the enrolment of {e.device_id} was altered on the hub (its role or place no "
            "longer matches what you signed): do not publish it; issue a new code"
        ) from None


def _enrolled(site: Site, device_id: str) -> DeviceRecord:
    record = site.device(device_id)
    if record is None:
        known = ", ".join(d.id for d in site.devices) or "none"
        raise SiteError(f"no enrolled device {device_id!r} (enrolled: {known})")
    return record


def create_rotation(layout: SiteLayout, device_id: str, hours: float | None = None) -> IssuedCode:
    """A code with which an enrolled device replaces its keys, in the same role and
    place; its old keys work until the operator publishes the new ones."""
    site = current_site(layout)
    record = _enrolled(site, device_id)
    layout.hub_admin.remove_enrolments([device_id])  # its first enrolment's spent code
    return create_enrolment(
        layout,
        record.role,
        location_id=record.location_id,
        group_id=record.group_id,
        device_id=device_id,
        hours=hours,
        rotation=True,
    )


def rotate_here(layout: SiteLayout, device_id: str) -> tuple[Site, str]:
    """New keys for a device whose directory is on this machine (one-box sites, the
    demo), published at once; the device's app must restart to use them."""
    site = current_site(layout)
    record = _enrolled(site, device_id)
    directory = layout.device(device_id)
    if not (directory / "device.json").exists():
        raise SiteError(f"{directory} is not this device's directory: rotate it with a code")
    keys = DeviceKeys.generate()
    keys.save(directory)
    site = publish(
        layout,
        site.with_device(
            dataclasses.replace(record, sign_public=keys.sign_public, hpke_public=keys.hpke_public)
        ),
    )
    return site, device_fingerprint(keys.sign_public, keys.hpke_public)


def revoke_device(layout: SiteLayout, device_id: str) -> Site:
    """Drop a device from the manifest: the hub refuses it from its next call on,
    and tickets sealed after this are not sealed to it."""
    site = current_site(layout)
    if site.device(device_id) is None:
        known = ", ".join(d.id for d in site.devices) or "none"
        raise SiteError(f"no enrolled device {device_id!r} (enrolled: {known})")
    return publish(layout, site.without_device(device_id))
