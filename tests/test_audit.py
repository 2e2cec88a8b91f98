"""`kiosk admin audit`: passes on a clean data directory, finds planted residue."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

from kiosk.client import HubClient
from kiosk.core.body import TicketBody
from kiosk.core.categories import Category, Urgency
from kiosk.core.site import DeviceRole
from kiosk.core.ticket import new_ticket_id
from kiosk.operator import enrol_local_device
from tests.conftest import HubProcess, Site


def _audit(data: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", "admin", "audit", str(data), *extra],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def _run_tickets(kiosks: list[HubClient], staff: HubClient, marker: str) -> list[str]:
    """Resolved, cancelled and (by the hub's own path) closed tickets, each with the
    marker, from several kiosks (one kiosk sending twelve at once is slowed down)."""
    site = kiosks[0].site()
    ids = []
    for i in range(12):
        kiosk = kiosks[i % len(kiosks)]
        ticket_id = new_ticket_id()
        ids.append(ticket_id)
        body = TicketBody(Category.UNWELL, Urgency.NORMAL, "fr", (), f"{marker} {i}")
        kiosk.submit_ticket(site, ticket_id, body)
        if i % 2:
            kiosk.cancel(ticket_id)
        else:
            staff.act(ticket_id, "accept", 3)
            staff.act(ticket_id, "resolve")
    return ids


def test_a_clean_run_passes_and_planted_residue_is_found(
    site: Site, hub: HubProcess, kiosk_client: HubClient, staff_client: HubClient, tmp_path: Path
) -> None:
    marker = "AUDIT-MARKER-9QX"
    others = [
        site.client(enrol_local_device(site.layout, DeviceRole.KIOSK, site.hub_url, location_id=p))
        for p in ("central-p3", "central-hall")
    ]
    ids = _run_tickets([kiosk_client, *others], staff_client, marker)
    for other in others:
        other.close()
    hub.stop()
    clean = _audit(site.layout.root, "--find", marker, *(f"--find={i}" for i in ids[:3]))
    assert clean.returncode == 0, clean.stdout
    assert "nothing of a closed request remains" in clean.stdout

    # Plant: a stray backup with an old ticket id, and a log line with the marker.
    planted = tmp_path / "planted"
    shutil.copytree(site.layout.root, planted)
    (planted / "hub" / "hub.db.bak").write_bytes(b"\x00" * 64 + ids[0].encode() + b"\x00" * 64)
    (planted / "hub" / "old.log").write_text(f"debug body={marker}\n")
    found = _audit(planted, "--find", marker)
    assert found.returncode == 1
    assert f"residue     hub/hub.db.bak: 1 ticket id(s) of no open ticket, e.g. {ids[0]}" in (
        found.stdout
    )
    assert f"found       hub/old.log: contains '{marker}'" in found.stdout


def test_an_open_ticket_past_its_limit_is_reported(
    site: Site, hub: HubProcess, kiosk_client: HubClient
) -> None:
    kiosk_client.submit_ticket(
        kiosk_client.site(), new_ticket_id(), TicketBody(Category.LOST, Urgency.NORMAL, "en")
    )
    time.sleep(1.5)
    hub.stop()
    result = _audit(site.layout.root, "--ttl", "1")
    assert result.returncode == 1
    assert "past the 0 min limit" in result.stdout or "overdue" in result.stdout
