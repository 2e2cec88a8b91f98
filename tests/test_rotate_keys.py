"""`kiosk admin rotate-keys`: an enrolled device gets new keys in the same role and
place; the old keys are refused from the next manifest on, the new ones work."""

from __future__ import annotations

import subprocess
import sys

import pytest

from kiosk.client import HubClient
from kiosk.client.enrolment import enrol_with_code
from kiosk.core.body import TicketBody
from kiosk.core.categories import Category, Urgency
from kiosk.core.errors import HubRefused, SiteError
from kiosk.core.ticket import new_ticket_id
from kiosk.crypto import DeviceKeys
from kiosk.operator.enrolment import create_rotation, device_fingerprint, publish_enrolled
from tests.conftest import HubProcess, Site


def test_rotating_a_kiosk_here_refuses_the_old_keys_and_accepts_the_new(
    site: Site, hub: HubProcess
) -> None:
    old = site.client(site.kiosk)
    old.site()
    run = subprocess.run(
        [sys.executable, "-m", "kiosk", "admin", "rotate-keys", site.kiosk.device_id, "--here",
         "--data", str(site.layout.root)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "new keys for kiosk-p3" in run.stdout
    with pytest.raises(HubRefused) as refused:
        old.site()
    assert refused.value.status == 401
    new = HubClient(site.kiosk, DeviceKeys.load(site.kiosk.directory))
    ticket_id = new_ticket_id()
    new.submit_ticket(new.site(), ticket_id, TicketBody(Category.LOST, Urgency.NORMAL, "en"))
    staff = site.client(site.staff)
    view = staff.ticket(ticket_id)
    assert staff.open_ticket(view).body.language == "en"  # signed by the new key, verified
    for client in (old, new, staff):
        client.close()


def test_rotating_a_staff_handheld_by_code(site: Site, hub: HubProcess) -> None:
    kiosk = site.client(site.kiosk)
    old_staff = site.client(site.staff)
    issued = create_rotation(site.layout, site.staff.device_id)
    with pytest.raises(SiteError, match="already holds"):
        enrol_with_code(site.hub_url, issued.code, issued.site_fingerprint, site.staff.directory)
    config = enrol_with_code(
        site.hub_url, issued.code, issued.site_fingerprint, site.staff.directory, rotate=True
    )
    assert (config.device_id, config.group_id) == (site.staff.device_id, "central-staff")
    keys = DeviceKeys.load(site.staff.directory)
    shown = device_fingerprint(keys.sign_public, keys.hpke_public)
    _site, added, waiting = publish_enrolled(site.layout, {})
    assert added == []
    assert waiting == [(site.staff.device_id, shown)]  # the operator must confirm first
    _site, added, _waiting = publish_enrolled(site.layout, {site.staff.device_id: shown})
    assert added == [site.staff.device_id]
    ticket_id = new_ticket_id()
    kiosk.submit_ticket(kiosk.site(), ticket_id, TicketBody(Category.UNWELL, Urgency.URGENT, "de"))
    new_staff = HubClient(config, keys)
    view = new_staff.ticket(ticket_id)
    assert new_staff.open_ticket(view).body.language == "de"  # sealed to the new key
    with pytest.raises(HubRefused):
        old_staff.ticket(ticket_id)  # the old key is refused
    for client in (kiosk, old_staff, new_staff):
        client.close()
