"""Applying a site file to a real site: round trip, all or nothing, no request
left without a reader, and the command line's exit codes and messages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.client import HubClient
from kiosk.core.body import TicketBody
from kiosk.core.categories import Category, Urgency
from kiosk.core.errors import SiteError
from kiosk.core.ticket import new_ticket_id
from kiosk.operator import SiteLayout
from kiosk.operator.site_admin import current_site
from kiosk.operator.site_changes import apply_site_file, export_site_file, plan_site_file
from kiosk.operator.site_file import SiteFileInvalid
from tests.conftest import REPO, HubProcess, Site

EXAMPLE = REPO / "packaging" / "examples" / "site.toml"


def kiosk(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args], capture_output=True, text=True, timeout=60
    )


def _version(layout: SiteLayout) -> int:
    return layout.store().latest_manifest_version()


def _write(tmp_path: Path, text: str, name: str = "site.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _submit(client: HubClient, category: Category = Category.UNWELL) -> str:
    ticket_id = new_ticket_id()
    client.submit_ticket(client.site(), ticket_id, TicketBody(category, Urgency.NORMAL, "en"))
    return ticket_id


def test_apply_then_export_gives_back_the_same_file(site: Site, tmp_path: Path) -> None:
    before = _version(site.layout)
    plan = apply_site_file(site.layout, EXAMPLE)
    assert plan.target.version == before + 1
    assert export_site_file(site.layout) == EXAMPLE.read_text()
    # The sample's devices stood at kiosks and groups the example does not have.
    assert "- device kiosk-p3: revoked, its kiosk central-p3 is removed" in plan.changes
    assert "+ kiosk riverside-p3-north: Riverside Station, Platform 3, north stairs" in (
        plan.changes
    )
    # Applying the same file again publishes nothing.
    again = apply_site_file(site.layout, EXAMPLE)
    assert again.changes == []
    assert _version(site.layout) == before + 1


def test_devices_are_kept_and_changes_are_listed(site: Site, tmp_path: Path) -> None:
    exported = export_site_file(site.layout)
    edited = exported.replace("inactivity_seconds = 90", "inactivity_seconds = 120").replace(
        'label = "Platform 1"', 'label = "Platform 1, lifts"'
    )
    plan = apply_site_file(site.layout, _write(tmp_path, edited))
    assert plan.changes == [
        "~ kiosk north-p1: label: 'Platform 1' -> 'Platform 1, lifts'",
        "~ setting limits.inactivity_seconds: 90 -> 120",
    ]
    after = current_site(site.layout)
    assert {d.id for d in after.devices} == {"kiosk-p3", "staff-anna"}
    assert after.limits.inactivity_seconds == 120
    assert export_site_file(site.layout) == edited


def test_a_bad_file_changes_nothing(site: Site, tmp_path: Path) -> None:
    before = _version(site.layout)
    signed_before = site.layout.store().latest_manifest()
    bad = EXAMPLE.read_text().replace("more_time_seconds = 30", "more_time_seconds = 5")
    with pytest.raises(SiteFileInvalid):
        apply_site_file(site.layout, _write(tmp_path, bad))
    assert _version(site.layout) == before
    assert site.layout.store().latest_manifest() == signed_before
    result = kiosk("admin", "apply", str(tmp_path / "site.toml"), "--data", str(site.layout.root))
    assert result.returncode == 1
    assert "more_time_seconds: 5 is out of range" in result.stderr
    assert "nothing was changed" in result.stderr
    assert "Traceback" not in result.stderr
    assert _version(site.layout) == before


def test_removing_a_kiosk_with_an_open_request_is_refused(
    site: Site, hub: HubProcess, kiosk_client: HubClient, tmp_path: Path
) -> None:
    _submit(kiosk_client)
    before = _version(site.layout)
    without_p3 = (
        export_site_file(site.layout)
        .replace(
            '[[station.area.kiosk]]\nid = "central-p3"\nlabel = "Platform 3, north stairs"\n'
            'orientation = "portrait"\n\n',
            "",
        )
        .replace('"central-p3", "central-hall"', '"central-hall"')
    )
    path = _write(tmp_path, without_p3)
    with pytest.raises(SiteError, match=r"kiosk central-p3 has 1 open request\b"):
        plan_site_file(site.layout, path)
    result = kiosk("admin", "apply", str(path), "--data", str(site.layout.root))
    assert result.returncode == 2
    assert "kiosk central-p3 has 1 open request" in result.stderr
    assert "Nothing was changed" in result.stderr
    assert "Traceback" not in result.stderr
    assert _version(site.layout) == before
    # --reassign names a staff group: it cannot move a request sealed for this kiosk's place.
    with pytest.raises(SiteError, match="kiosk central-p3 has 1 open request"):
        apply_site_file(site.layout, path, reassign="central-control")
    assert _version(site.layout) == before


def test_removing_a_group_with_an_open_request_needs_reassign(
    site: Site,
    hub: HubProcess,
    kiosk_client: HubClient,
    staff_client: HubClient,
    tmp_path: Path,
) -> None:
    ticket_id = _submit(kiosk_client, Category.LOST)
    exported = export_site_file(site.layout)
    without_staff = (
        exported.replace(
            '[[group]]\nid = "central-staff"\nname = "Central Station platform staff"\n\n', ""
        )
        .replace('  { group = "central-staff", after_seconds = 0 },\n', "")
        .replace('"central-control", after_seconds = 90', '"central-control", after_seconds = 0')
    )
    path = _write(tmp_path, without_staff)
    before = _version(site.layout)
    with pytest.raises(SiteError, match="group central-staff has 1 open request"):
        apply_site_file(site.layout, path)
    assert _version(site.layout) == before
    diff = kiosk(
        "admin", "diff", str(path), "--data", str(site.layout.root), "--reassign", "central-control"
    )
    assert diff.returncode == 0, diff.stderr
    assert "~ device staff-anna: moves from group central-staff to central-control" in diff.stdout
    assert "- group central-staff: Central Station platform staff" in diff.stdout
    assert _version(site.layout) == before  # diff changes nothing
    plan = apply_site_file(site.layout, path, reassign="central-control")
    assert plan.target.version == before + 1
    # The staff device, now in the control room, still reads and accepts the request.
    view = staff_client.ticket(ticket_id)
    assert staff_client.open_ticket(view).body.category is Category.LOST
    assert staff_client.act(ticket_id, "accept", 2)["state"] == "accepted"


def test_command_line_exit_codes_and_messages(site: Site, hub: HubProcess, tmp_path: Path) -> None:
    good = kiosk("admin", "validate", str(EXAMPLE))
    assert good.returncode == 0
    assert "valid: 1 station(s), 2 kiosk(s), 2 staff group(s), 2 route(s)" in good.stdout
    bad = _write(tmp_path, "[site]\nname = 3\nfoo = 1\n", "bad.toml")
    result = kiosk("admin", "validate", str(bad))
    assert result.returncode == 1
    assert f"{bad}:2: site.name: must be text in quotes, not a whole number" in result.stderr
    assert f"{bad}:3: site.foo: unknown key 'foo'; allowed here: name" in result.stderr
    assert f"{bad}:1: station: missing; write at least one [[station]] table" in result.stderr
    assert "Traceback" not in result.stderr
    missing = kiosk("admin", "validate", str(tmp_path / "nope.toml"))
    assert missing.returncode == 2
    assert "no such file" in missing.stderr
    exported = kiosk("admin", "export", "--data", str(site.layout.root))
    assert exported.returncode == 0
    same = _write(tmp_path, exported.stdout, "same.toml")
    diff = kiosk("admin", "diff", str(same), "--data", str(site.layout.root))
    assert diff.returncode == 0
    assert "no changes" in diff.stdout
    wrong_target = kiosk(
        "admin", "apply", str(same), "--data", str(site.layout.root), "--reassign", "nobody"
    )
    assert wrong_target.returncode == 2
    assert "--reassign nobody: no such staff group" in wrong_target.stderr
    for result in (missing, exported, diff, wrong_target):
        assert "Traceback" not in result.stderr


def test_init_from_a_site_file_then_export_gives_it_back(tmp_path: Path) -> None:
    data = tmp_path / "site"
    init = kiosk("admin", "init", "--data", str(data), "--site-file", str(EXAMPLE))
    assert init.returncode == 0, init.stderr
    exported = kiosk("admin", "export", "--data", str(data))
    assert exported.stdout == EXAMPLE.read_text()
    site = current_site(SiteLayout(data))
    assert site.version == 1
    assert site.emergency_number_at("riverside-p3-north") == "112"
    bad = _write(tmp_path, "[site]\n", "bad.toml")
    refused = kiosk("admin", "init", "--data", str(tmp_path / "other"), "--site-file", str(bad))
    assert refused.returncode == 1
    assert f"{bad}:1: site.name: missing" in refused.stderr
    assert not (tmp_path / "other" / "operator" / "site.key").exists()


def test_a_route_narrowed_by_urgency_decides_who_can_read_the_request(
    site: Site, hub: HubProcess, kiosk_client: HubClient, staff_client: HubClient, tmp_path: Path
) -> None:
    import sqlite3

    from kiosk.core.errors import HubRefused
    from kiosk.core.site import DeviceRole
    from kiosk.operator import enrol_local_device

    text = export_site_file(site.layout).replace(
        'categories = ["medical_now", "unsafe"]\nurgencies = []\nsteps = [\n'
        '  { group = "central-staff", after_seconds = 0 },\n'
        '  { group = "central-control", after_seconds = 0 },\n]',
        'categories = []\nurgencies = ["urgent"]\nsteps = [\n'
        '  { group = "central-control", after_seconds = 0 },\n]',
    )
    text = text.replace('  { group = "central-control", after_seconds = 90 },\n', "")
    assert 'urgencies = ["urgent"]' in text
    apply_site_file(site.layout, _write(tmp_path, text))
    enrol_local_device(
        site.layout,
        DeviceRole.STAFF,
        site.hub_url,
        group_id="central-control",
        device_id="staff-carl",
    )
    urgent, normal = new_ticket_id(), new_ticket_id()
    for ticket_id, urgency in ((urgent, Urgency.URGENT), (normal, Urgency.NORMAL)):
        kiosk_client.submit_ticket(
            kiosk_client.site(), ticket_id, TicketBody(Category.UNWELL, urgency, "en")
        )
    with sqlite3.connect(site.layout.hub / "hub.db") as db:
        readers = {
            t: {
                r
                for (r,) in db.execute(
                    "SELECT recipient_id FROM sealed_copies WHERE ticket_id = ?", (t,)
                )
            }
            for t in (urgent, normal)
        }
    db.close()
    assert readers == {urgent: {"staff-carl"}, normal: {"staff-anna"}}
    with pytest.raises(HubRefused) as refused:
        staff_client.ticket(urgent)
    assert refused.value.status == 404
    view = staff_client.ticket(normal)
    assert staff_client.open_ticket(view).body.urgency is Urgency.NORMAL


def test_reordering_is_a_change_so_export_still_gives_the_file_back(
    site: Site, tmp_path: Path
) -> None:
    exported = export_site_file(site.layout)
    staff = '[[group]]\nid = "central-staff"\nname = "Central Station platform staff"\n\n'
    control = '[[group]]\nid = "central-control"\nname = "Central Station control room"\n\n'
    swapped = exported.replace(staff + control, control + staff)
    assert swapped != exported
    plan = apply_site_file(site.layout, _write(tmp_path, swapped))
    assert plan.changes == [
        "~ group order: central-staff, central-control, north-staff"
        " -> central-control, central-staff, north-staff"
    ]
    assert export_site_file(site.layout) == swapped


def test_enrolment_codes_live_as_long_as_the_site_file_says(site: Site, tmp_path: Path) -> None:
    import time

    from kiosk.core.site import DeviceRole
    from kiosk.operator.enrolment import create_enrolment

    text = export_site_file(site.layout).replace(
        "enrolment_code_hours = 24", "enrolment_code_hours = 2"
    )
    apply_site_file(site.layout, _write(tmp_path, text))
    issued = create_enrolment(site.layout, DeviceRole.KIOSK, location_id="central-hall")
    assert abs(issued.expires_at - (time.time() + 2 * 3600)) < 60
    explicit = create_enrolment(site.layout, DeviceRole.KIOSK, location_id="north-p1", hours=0.5)
    assert abs(explicit.expires_at - (time.time() + 1800)) < 60
