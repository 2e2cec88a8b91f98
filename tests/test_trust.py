"""One test per threat, against a real hub process on loopback (docs/threat-model.md)."""

from __future__ import annotations

import base64
import dataclasses
import sqlite3
import time
from pathlib import Path

import pytest

from kiosk.client import HubClient
from kiosk.client.enrolment import enrol_with_code
from kiosk.core.body import TicketBody
from kiosk.core.categories import Category, Urgency
from kiosk.core.errors import BadSignature, CannotOpen, CryptoError, HubRefused, SiteError
from kiosk.core.site import DeviceRecord, DeviceRole, Site
from kiosk.core.ticket import new_ticket_id
from kiosk.crypto import DeviceKeys, SiteKey, sign_manifest
from kiosk.operator import SiteLayout, enrol_local_device, init_site, sample_site
from kiosk.operator.enrolment import (
    create_enrolment,
    device_fingerprint,
    publish_enrolled,
    revoke_device,
)
from kiosk.operator.site_admin import current_site
from tests.conftest import HubProcess
from tests.conftest import Site as SiteFixture
from tests.hub_events import listen
from tests.waiting import wait_until


def _submit(kiosk: HubClient, category: Category = Category.UNWELL) -> str:
    ticket_id = new_ticket_id()
    kiosk.submit_ticket(kiosk.site(), ticket_id, TicketBody(category, Urgency.NORMAL, "en"))
    return ticket_id


def _hub_db(site: SiteFixture) -> sqlite3.Connection:
    return sqlite3.connect(site.layout.hub / "hub.db")


def test_a_hub_that_substitutes_a_recipient_key_is_refused_by_the_kiosk(
    site: SiteFixture, hub: HubProcess, kiosk_client: HubClient
) -> None:
    genuine = kiosk_client.site()
    # The hub's admin adds their own "staff" key and signs with their own site key.
    impostor_key, eavesdropper = SiteKey.generate(), DeviceKeys.generate()
    forged = genuine.with_device(
        DeviceRecord(
            "staff-eve",
            DeviceRole.STAFF,
            eavesdropper.sign_public,
            eavesdropper.hpke_public,
            group_id="central-staff",
        )
    )
    forged = dataclasses.replace(forged, version=genuine.version + 1)
    (site.layout.hub / "site.pub").write_bytes(impostor_key.public)
    site.layout.store().add_manifest(
        forged.version, sign_manifest(impostor_key, forged.to_document())
    )
    with pytest.raises(BadSignature):
        kiosk_client.site()
    # And nothing was sealed to the eavesdropper, because nothing was sent at all.


def test_a_rolled_back_manifest_is_refused_even_after_a_restart(
    site: SiteFixture, hub: HubProcess, kiosk_client: HubClient
) -> None:
    seen = kiosk_client.site().version
    with _hub_db(site) as db:  # the hub "forgets" the newest manifest
        db.execute("DELETE FROM manifests WHERE version = ?", (seen,))
    restarted = site.client(site.kiosk)  # a fresh process: only the floor file remembers
    with pytest.raises(BadSignature, match="older"):
        restarted.site()


def test_replayed_unknown_and_revoked_keys_are_refused(
    site: SiteFixture, hub: HubProcess, kiosk_client: HubClient, staff_client: HubClient
) -> None:
    ticket_before = _submit(kiosk_client)
    revoke_device(site.layout, "staff-anna")
    with pytest.raises(HubRefused) as refused:
        staff_client.act(ticket_before, "accept")
    assert (refused.value.status, refused.value.code) == (401, "unknown_device")
    # Tickets sealed after the revocation are not sealed to the revoked device...
    enrol_local_device(
        site.layout, DeviceRole.STAFF, site.hub_url, group_id="central-staff", device_id="staff-ben"
    )
    ticket_after = _submit(kiosk_client)
    with _hub_db(site) as db:
        recipients = {
            r
            for (r,) in db.execute(
                "SELECT recipient_id FROM sealed_copies WHERE ticket_id = ?", (ticket_after,)
            )
        }
    assert "staff-anna" not in recipients
    assert "staff-ben" in recipients


def test_a_ticket_whose_metadata_the_hub_altered_is_rejected_as_tampered(
    site: SiteFixture, hub: HubProcess, kiosk_client: HubClient, staff_client: HubClient
) -> None:
    ticket_id = _submit(kiosk_client, Category.UNWELL)
    with _hub_db(site) as db:  # the hub moves the ticket to another category
        db.execute("UPDATE tickets SET category = 'lost' WHERE id = ?", (ticket_id,))
    view = staff_client.ticket(ticket_id)
    assert view["category"] == "lost"
    with pytest.raises(CannotOpen):
        staff_client.open_ticket(view)


def test_staff_of_another_station_can_neither_see_nor_act(
    site: SiteFixture, hub: HubProcess, kiosk_client: HubClient
) -> None:
    north = enrol_local_device(
        site.layout, DeviceRole.STAFF, site.hub_url, group_id="north-staff", device_id="staff-nora"
    )
    outsider = site.client(north)
    ticket_id = _submit(kiosk_client)
    for call in (
        lambda: outsider.ticket(ticket_id),
        lambda: outsider.act(ticket_id, "accept"),
        lambda: outsider.act(ticket_id, "resolve"),
    ):
        with pytest.raises(HubRefused) as refused:
            call()
        assert refused.value.status == 404
    events = outsider.events()
    assert next(events) == {"type": "duty", "on_duty": True}  # a console's own state first
    assert next(events) == {"type": "synced"}  # its snapshot lists no ticket
    events.close()
    with _hub_db(site) as db:
        (copies,) = db.execute(
            "SELECT count(*) FROM sealed_copies WHERE recipient_id = 'staff-nora'"
        ).fetchone()
    assert copies == 0


def test_enrolment_with_a_code_end_to_end(
    site: SiteFixture, hub: HubProcess, tmp_path: Path
) -> None:
    issued = create_enrolment(site.layout, DeviceRole.STAFF, group_id="central-control")
    device_dir = tmp_path / "handheld"
    config = enrol_with_code(site.hub_url, issued.code.lower(), issued.site_fingerprint, device_dir)
    assert config.device_id == issued.device_id
    assert (device_dir / "identity.key").stat().st_mode & 0o777 == 0o600
    keys = DeviceKeys.load(device_dir)
    shown_on_device = device_fingerprint(keys.sign_public, keys.hpke_public)
    # Not without the operator comparing the fingerprint the device shows.
    _, added, waiting = publish_enrolled(site.layout)
    assert added == []
    assert waiting == [(issued.device_id, shown_on_device)]
    _, added, _ = publish_enrolled(site.layout, {issued.device_id: shown_on_device.lower()})
    assert added == [issued.device_id]
    client = site.client(config)
    assert client.site().device(issued.device_id) is not None  # it can now call the hub
    # The code was single use.
    with pytest.raises(HubRefused) as refused:
        enrol_with_code(site.hub_url, issued.code, issued.site_fingerprint, tmp_path / "again")
    assert refused.value.code == "code_used"


def test_expired_and_wrong_codes_and_wrong_fingerprints_are_refused(
    site: SiteFixture, hub: HubProcess, tmp_path: Path
) -> None:
    issued = create_enrolment(
        site.layout, DeviceRole.KIOSK, location_id="central-hall", hours=0.0001
    )
    wait_until(lambda: time.time() > issued.expires_at, "the code's expiry (in 0.36 s)")
    with pytest.raises(HubRefused) as refused:
        enrol_with_code(site.hub_url, issued.code, issued.site_fingerprint, tmp_path / "a")
    assert refused.value.code == "code_expired"
    with pytest.raises(HubRefused) as refused:
        enrol_with_code(site.hub_url, "AAAA-BBBB-CCCC", issued.site_fingerprint, tmp_path / "b")
    assert refused.value.code == "unknown_code"
    fresh = create_enrolment(site.layout, DeviceRole.KIOSK, location_id="central-hall")
    with pytest.raises(BadSignature, match="fingerprint"):
        enrol_with_code(site.hub_url, fresh.code, "0000-0000-0000-0000", tmp_path / "c")
    # The refused attempt did not spend the code.
    enrol_with_code(site.hub_url, fresh.code, fresh.site_fingerprint, tmp_path / "d")


def test_site_key_encrypted_at_rest_with_a_passphrase(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIOSK_SITE_PASSPHRASE", "correct horse battery staple")
    layout = SiteLayout(tmp_path / "site")
    init_site(layout, sample_site(), ["127.0.0.1"])
    key_file = layout.operator / "site.key"
    assert b"ENCRYPTED PRIVATE KEY" in key_file.read_bytes()
    assert b"ENCRYPTED PRIVATE KEY" in (layout.operator / "ca.key").read_bytes()
    assert key_file.stat().st_mode & 0o777 == 0o600
    with pytest.raises(CryptoError, match="passphrase"):
        SiteKey.load(key_file)
    assert (
        SiteKey.load(key_file, b"correct horse battery staple").public
        == (layout.hub / "site.pub").read_bytes()
    )


def test_the_classical_fallback_suite_seals_and_opens(
    site: SiteFixture, hub: HubProcess, kiosk_client: HubClient, staff_client: HubClient
) -> None:
    from kiosk.operator.site_admin import publish

    publish(
        site.layout,
        dataclasses.replace(current_site(site.layout), hpke_suite="X25519"),
    )
    ticket_id = _submit(kiosk_client)
    view = staff_client.ticket(ticket_id)
    sealed = base64.b64decode(view["sealed"])
    assert sealed[0] == 2  # the X25519 suite
    assert len(sealed) < 600  # 48 bytes of overhead, not 1,136
    assert staff_client.open_ticket(view).body.category is Category.UNWELL


def test_site_document_round_trips() -> None:
    site = sample_site()
    assert Site.from_document(site.to_document()) == site


def test_a_hub_cannot_invent_a_request_or_replay_an_old_one(
    site: SiteFixture, hub: HubProcess, kiosk_client: HubClient, staff_client: HubClient
) -> None:
    """The hub holds every staff public key, so it could seal a body of its own;
    the kiosk's signature inside the seal is what staff trust."""
    from kiosk.core.body import binding_bytes
    from kiosk.crypto import seal_ticket, sign_ticket

    genuine_id = _submit(kiosk_client)
    view = staff_client.ticket(genuine_id)
    staff = staff_client.site().device("staff-anna")
    assert staff is not None

    def forge(body: bytes, signer: DeviceKeys) -> dict[str, object]:
        binding = binding_bytes(genuine_id, "central-p3", Category.UNWELL, Urgency.NORMAL)
        signed = body + sign_ticket(signer, "kiosk-p3", binding, body)
        sealed = seal_ticket(signed, {"staff-anna": staff.hpke_public}, binding)["staff-anna"]
        return {**view, "sealed": base64.b64encode(sealed).decode()}

    invented = TicketBody(
        Category.UNWELL, Urgency.NORMAL, "en", (), "come to the car park", int(time.time())
    ).to_bytes()
    with pytest.raises(BadSignature, match="not signed by the kiosk"):
        staff_client.open_ticket(forge(invented, DeviceKeys.generate()))
    # A genuine kiosk's old body, kept by the hub and served again much later.
    kiosk_keys = DeviceKeys.load(site.kiosk.directory)
    stale = TicketBody(
        Category.UNWELL, Urgency.NORMAL, "en", (), "", int(time.time()) - 13 * 3600
    ).to_bytes()
    with pytest.raises(BadSignature, match="too old"):
        staff_client.open_ticket(forge(stale, kiosk_keys))
    # The genuine one opens.
    assert staff_client.open_ticket(view).body.category is Category.UNWELL


def test_a_hub_cannot_add_a_reader_through_enrolment(
    site: SiteFixture, hub: HubProcess, tmp_path: Path
) -> None:
    """The hub sees the code: it may swap in its own keys or move the device to
    another group, but the operator's checks refuse both."""
    issued = create_enrolment(site.layout, DeviceRole.STAFF, group_id="central-staff")
    device_dir = tmp_path / "handheld"
    enrol_with_code(site.hub_url, issued.code, issued.site_fingerprint, device_dir)
    keys = DeviceKeys.load(device_dir)
    genuine = device_fingerprint(keys.sign_public, keys.hpke_public)
    eve = DeviceKeys.generate()
    with _hub_db(site) as db:
        db.execute(
            "UPDATE enrolments SET sign_public = ?, hpke_public = ? WHERE device_id = ?",
            (eve.sign_public, eve.hpke_public, issued.device_id),
        )
    _, added, waiting = publish_enrolled(site.layout, {issued.device_id: genuine})
    assert added == []  # the relayed keys are not the ones the device showed
    assert waiting[0][1] != genuine

    other = create_enrolment(site.layout, DeviceRole.STAFF, group_id="north-staff")
    enrol_with_code(site.hub_url, other.code, other.site_fingerprint, tmp_path / "second")
    with _hub_db(site) as db:
        db.execute(
            "UPDATE enrolments SET group_id = 'central-control' WHERE device_id = ?",
            (other.device_id,),
        )
    with pytest.raises(SiteError, match="altered on the hub"):
        publish_enrolled(site.layout)


def test_kiosks_are_told_of_a_new_manifest_and_fetch_it(
    site: SiteFixture, hub: HubProcess, kiosk_client: HubClient
) -> None:
    kept = kiosk_client.site()
    listener = site.client(site.kiosk)
    events = listen(listener)
    enrol_local_device(
        site.layout, DeviceRole.STAFF, site.hub_url, group_id="central-staff", device_id="staff-ben"
    )
    kiosk_client.heartbeat("test")  # the hub notices the new version on its next request
    pushed = events.get(timeout=10)
    assert pushed == {"type": "manifest"}
    # A kiosk told of it fetches it even though its kept one is not old.
    assert kiosk_client.site(max_age=300) is kept
    kiosk_client.site_changed()
    fresh = kiosk_client.site(max_age=300)
    assert fresh.version > kept.version
    assert fresh.device("staff-ben") is not None
    listener.close()
