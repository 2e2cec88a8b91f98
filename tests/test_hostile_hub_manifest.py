"""A hostile hub administrator cannot make the operator sign a reader back in,
cannot make it sign a reader the hub added, and cannot freeze a revocation.

Each test plays the hub's administrator: it edits the hub's own database and
files, then runs an ordinary operator command.
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from kiosk.cli import main
from kiosk.core.body import TicketBody
from kiosk.core.categories import Category, Urgency
from kiosk.core.errors import KioskError, ManifestExpired, SiteError
from kiosk.core.site import DeviceRecord, DeviceRole
from kiosk.core.site import Site as SiteModel
from kiosk.core.ticket import new_ticket_id
from kiosk.crypto import DeviceKeys, SiteKey, fingerprint, sign_manifest, verify_manifest
from kiosk.operator import enrol_local_device
from kiosk.operator.enrolment import create_enrolment, revoke_device
from kiosk.operator.site_admin import (
    SiteLayout,
    current_site,
    publish,
    refresh,
    site_fingerprint,
)
from kiosk.operator.status import fleet_status
from kiosk.traveller.request_flow import TravellerRequest, send_request
from tests.conftest import HubProcess, Site
from tests.waiting import wait_until


def _hub_site(layout: SiteLayout) -> SiteModel:
    """The manifest the hub now serves, as a device would check it."""
    signed = layout.store().latest_manifest()
    assert signed is not None
    return SiteModel.from_document(verify_manifest(signed, layout.state().site_public()))


def _overwrite_row(layout: SiteLayout, version: int, signed: dict[str, object]) -> None:
    with layout.store().engine.begin() as c:
        c.execute(
            text("UPDATE manifests SET signed_document = :doc WHERE version = :v"),
            {"doc": json.dumps(signed, sort_keys=True), "v": version},
        )


def test_a_rolled_back_hub_row_does_not_sign_a_revoked_reader_back_in(
    site: Site, hub: HubProcess
) -> None:
    layout = site.layout
    handheld = enrol_local_device(
        layout, DeviceRole.STAFF, site.hub_url, group_id="central-staff", device_id="handheld-7"
    )
    before_revocation = layout.store().latest_manifest()
    assert before_revocation is not None
    revoked = revoke_device(layout, handheld.device_id)
    # The hub's administrator puts the signed manifest that still lists the
    # handheld back in the revocation's row.
    _overwrite_row(layout, revoked.version, before_revocation)

    refreshed = ["admin", "refresh", "--force", "--data", str(layout.root), "--hub", site.hub_url]
    assert main(refreshed) == 0  # over the admin API, as an operator would

    served = _hub_site(layout)
    assert served.version == revoked.version + 1
    assert served.device(handheld.device_id) is None
    assert served.device(site.staff.device_id) is not None


def test_a_swapped_site_key_and_a_hub_signed_manifest_add_no_reader(site: Site) -> None:
    layout = site.layout
    genuine = current_site(layout)
    impostor = SiteKey.generate()
    extra = DeviceKeys.generate()
    forged = genuine.with_device(
        DeviceRecord(
            "staff-mallory",
            DeviceRole.STAFF,
            extra.sign_public,
            extra.hpke_public,
            group_id="central-staff",
        )
    )
    forged = dataclasses.replace(forged, version=genuine.version + 1)
    (layout.hub / "site.pub").write_bytes(impostor.public)
    layout.store().add_manifest(forged.version, sign_manifest(impostor, forged.to_document()))

    with pytest.raises(SiteError, match="not the last one signed on this machine") as refused:
        refresh(layout, force=True)
    assert "\n" not in str(refused.value)
    real_public = layout.state().site_public()
    for row in _all_signed(layout):
        try:
            doc = verify_manifest(row, real_public)
        except KioskError:
            continue  # the impostor's own document
        assert all(d["id"] != "staff-mallory" for d in doc["devices"])
    # Devices are told to pin the key the operator holds, not the hub's copy.
    issued = create_enrolment(layout, DeviceRole.KIOSK, location_id="north-p1")
    assert issued.site_fingerprint == fingerprint(real_public) == site_fingerprint(layout)
    assert issued.site_fingerprint != fingerprint(impostor.public)


def _all_signed(layout: SiteLayout) -> list[dict[str, object]]:
    with layout.store().engine.connect() as c:
        return [json.loads(r[0]) for r in c.execute(text("SELECT signed_document FROM manifests"))]


def test_a_hub_ahead_of_the_operator_is_refused_in_one_line(site: Site) -> None:
    """Two manifests of one version: the hub's was not the operator's last."""
    layout = site.layout
    last = current_site(layout)
    other = layout.state().site_key()
    altered = sign_manifest(other, {**last.to_document(), "name": "Renamed by the hub"})
    _overwrite_row(layout, last.version, altered)
    with pytest.raises(SiteError, match="not the last one signed"):
        publish(layout, last)
    assert current_site(layout).version == last.version  # nothing signed


def test_a_hub_that_lags_behind_gets_the_next_version_built_on_the_operators(
    site: Site,
) -> None:
    layout = site.layout
    last = current_site(layout)
    with layout.store().engine.begin() as c:  # a hub restored from an old backup
        c.execute(text("DELETE FROM manifests WHERE version = :v"), {"v": last.version})
    published = publish(layout, last.without_device(site.staff.device_id))
    assert published.version == last.version + 1
    assert _hub_site(layout) == published


def test_every_manifest_carries_a_signed_validity_end(site: Site) -> None:
    site_now = current_site(site.layout)
    hours = site_now.limits.manifest_valid_hours
    assert hours == 24
    assert 0 < site_now.valid_until - time.time() <= hours * 3600
    assert _hub_site(site.layout).valid_until == site_now.valid_until
    # Not due: less than half of the validity has passed.
    assert refresh(site.layout) is None
    due = refresh(site.layout, now=site_now.valid_until - 3600)
    assert due is not None
    assert due.version == site_now.version + 1


def _expire(layout: SiteLayout) -> None:
    """The operator's last manifest, signed as if a day and more ago: long expired."""
    state = layout.state()
    _site, signed = state.sign_next(current_site(layout), now=time.time() - 25 * 3600)
    layout.hub_admin.put_manifest(signed)


def test_a_kiosk_seals_nothing_to_an_expired_manifest(site: Site, hub: HubProcess) -> None:
    _expire(site.layout)
    kiosk = site.client(site.kiosk)
    try:
        with pytest.raises(ManifestExpired):
            kiosk.submit_ticket(
                kiosk.site(), new_ticket_id(), TicketBody(Category.UNWELL, Urgency.NORMAL, "en")
            )
        troubles: list[Exception] = []
        request = TravellerRequest("en", Category.UNWELL)
        with pytest.raises(ManifestExpired):
            send_request(kiosk, request, patience_seconds=1.0, on_trouble=troubles.append)
        assert troubles
        assert isinstance(troubles[0], ManifestExpired)
        assert hub_has_no_tickets(site.layout)

        due = ["admin", "refresh", "--data", str(site.layout.root), "--hub", site.hub_url]
        assert main(due) == 0  # due: expired
        request = TravellerRequest("en", Category.UNWELL)
        assert send_request(kiosk, request, patience_seconds=10.0) == "submitted"
    finally:
        kiosk.close()


def hub_has_no_tickets(layout: SiteLayout) -> bool:
    return not layout.store().open_tickets()


def test_status_names_the_devices_that_hold_an_expired_manifest(
    site: Site, hub: HubProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    _expire(site.layout)
    kiosk = site.client(site.kiosk)
    try:
        kiosk.site()
        kiosk.heartbeat("test")
    finally:
        kiosk.close()

    def kiosk_row() -> dict[str, Any] | None:
        rows = fleet_status(site.layout)["devices"]
        row = next(d for d in rows if d["id"] == site.kiosk.device_id)
        return row if row["manifest_version"] is not None else None

    assert wait_until(kiosk_row, "the kiosk's heartbeat in the hub's presence")["manifest_expired"]
    status = ["admin", "status", "--json", "--data", str(site.layout.root), "--hub", site.hub_url]
    assert main(status) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["manifest_expired"] is True
    by_id = {d["id"]: d for d in report["devices"]}
    assert by_id[site.kiosk.device_id]["manifest_expired"] is True


def test_the_refresh_timer_is_packaged() -> None:
    units = Path(__file__).parent.parent / "packaging" / "systemd"
    timer = (units / "kiosk-refresh.timer").read_text()
    service = (units / "kiosk-refresh.service").read_text()
    assert "OnCalendar=hourly" in timer
    assert "kiosk admin refresh" in service


def test_a_lost_operator_record_is_an_error_not_a_new_start(site: Site) -> None:
    """Without its record the operator would sign version 1 again, on nothing."""
    (site.layout.operator / "manifest.json").unlink()
    with pytest.raises(SiteError, match=r"manifest\.json is missing"):
        refresh(site.layout, force=True)
