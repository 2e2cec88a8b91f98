"""`kiosk admin audit`: passes on a clean data directory, finds planted residue."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk.client import HubClient
from kiosk.core.body import TicketBody
from kiosk.core.categories import Category, Urgency
from kiosk.core.site import DeviceRole
from kiosk.core.ticket import new_ticket_id
from kiosk.hub.database import make_engine, upgrade_schema
from kiosk.hub.store import Store
from kiosk.operator import enrol_local_device
from tests.conftest import HubProcess, Site, empty_postgres
from tests.tickets import open_ticket


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
    hub.stop()
    result = _audit(site.layout.root, "--ttl", "0")  # any open ticket is past a zero limit
    assert result.returncode == 1
    assert "past the 0 min limit" in result.stdout or "overdue" in result.stdout


def test_a_site_whose_database_it_cannot_see_is_never_passed(tmp_path: Path) -> None:
    # A PostgreSQL site's data directory holds no hub.db: without --db the
    # audit verified nothing of a request, and must not say that nothing remains.
    data = tmp_path / "pg-site"
    (data / "hub").mkdir(parents=True)
    (data / "hub" / "hub.log").write_text("event=ticket.created ref=0a1b2c3d4e\n")
    result = _audit(data)
    assert result.returncode == 2, result.stdout
    assert "nothing of a closed request remains" not in result.stdout
    assert "no hub database found" in result.stdout
    assert "--db" in result.stdout


def _plant(db: Path, ticket_id: str, *, state: str, created_at: float) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO tickets (id, kiosk_id, location_id, category, urgency, state,"
            " created_at, updated_at) VALUES (?, 'kiosk-p3', 'central-p3', 'lost', 'normal',"
            " ?, ?, ?)",
            (ticket_id, state, created_at, created_at),
        )
    conn.close()


def test_sqlite_rows_of_closed_requests_are_reported(site: Site) -> None:
    closed = new_ticket_id()
    _plant(site.layout.hub / "hub.db", closed, state="resolved", created_at=time.time())
    result = _audit(site.layout.root, "--find", closed)
    assert result.returncode == 1, result.stdout
    assert "closed-rows hub.db: 1 row(s) of closed requests in tickets" in result.stdout
    assert f"found       hub.db: a row names '{closed}'" in result.stdout
    assert "nothing of a closed request remains" not in result.stdout


PG_URL = os.environ.get("KIOSK_TEST_POSTGRES_URL", "")


@pytest.mark.skipif(not PG_URL, reason="set KIOSK_TEST_POSTGRES_URL (.ci/run does)")
def test_postgresql_rows_are_audited_and_the_limits_said(site: Site) -> None:
    empty_postgres(PG_URL)
    engine = make_engine(PG_URL, pooled=False)
    upgrade_schema(engine)
    store = Store(engine)
    fresh = open_ticket(created_at=time.time())
    store.insert_ticket(fresh, {"staff-anna": b"sealed"})

    clean = _audit(site.layout.root, "--db", PG_URL, "--find", new_ticket_id())
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "checked: rows of the PostgreSQL database" in clean.stdout
    assert "cannot be audited byte by byte" in clean.stdout
    assert "crypto-shredding" in clean.stdout
    assert "nothing of a closed request remains" not in clean.stdout  # only SQLite earns it

    old = open_ticket(created_at=time.time() - 3 * 3600)
    store.insert_ticket(old, {"staff-anna": b"sealed"})
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE tickets SET state = 'cancelled' WHERE id = %s", (fresh.id,))
    engine.dispose()
    found = _audit(site.layout.root, "--db", PG_URL, "--ttl", "3600", "--find", old.id)
    assert found.returncode == 1, found.stdout + found.stderr
    assert "closed-rows database: 1 row(s) of closed requests in tickets" in found.stdout
    assert "overdue     database: an open ticket is 180 min old" in found.stdout
    assert f"found       database: a row names '{old.id}'" in found.stdout
