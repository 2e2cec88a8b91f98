"""PostgreSQL restarted under load: two hubs share it, kiosks on hub A keep
sending, a console on hub B keeps watching. The hubs reconnect by themselves,
every acknowledged ticket is there once, and the console converges on exactly
the open tickets (hub B ends its streams when LISTEN comes back, so devices
resynchronise from a snapshot instead of missing what hub A did meanwhile).

Needs root to restart the server (as .ci/run is); skipped otherwise."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from kiosk.client import DeviceConfig, HubClient
from kiosk.core.body import TicketBody
from kiosk.core.categories import Category, Urgency
from kiosk.core.site import DeviceRole
from kiosk.core.ticket import new_ticket_id
from kiosk.crypto import DeviceKeys
from kiosk.operator import SiteLayout, enrol_local_device, init_site, sample_site
from tests.conftest import empty_postgres, free_port, start_hub
from tests.resilience import Console, send_until_stored
from tests.waiting import wait_until

PG_URL = os.environ.get("KIOSK_TEST_POSTGRES_URL", "")
pytestmark = pytest.mark.skipif(
    not PG_URL or os.geteuid() != 0 or shutil.which("pg_ctlcluster") is None,
    reason="needs KIOSK_TEST_POSTGRES_URL, root and pg_ctlcluster (as in .ci/run)",
)


def _client(config: DeviceConfig) -> HubClient:
    return HubClient(config, DeviceKeys.load(config.directory))


def _restart_postgres() -> None:
    port = PG_URL.rsplit(":", 1)[1].split("/")[0]
    for line in subprocess.run(
        ["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True
    ).stdout.splitlines():
        version, cluster, cluster_port = line.split()[:3]
        if cluster_port == port:
            subprocess.run(["pg_ctlcluster", version, cluster, "restart"], check=True, timeout=60)
            return
    raise AssertionError(f"no PostgreSQL cluster on port {port}")


def test_postgresql_restart_under_load_loses_nothing(tmp_path: Path) -> None:
    empty_postgres(PG_URL)
    layout = SiteLayout(tmp_path / "site", PG_URL)
    init_site(layout, sample_site(), ["127.0.0.1"])
    port_a, port_b = free_port(), free_port()
    url_a, url_b = f"https://127.0.0.1:{port_a}", f"https://127.0.0.1:{port_b}"
    kiosk_cfgs = [
        enrol_local_device(layout, DeviceRole.KIOSK, url_a, location_id=place)
        for place in ("central-p3", "central-hall", "central-p3")
    ]
    staff_cfg = enrol_local_device(layout, DeviceRole.STAFF, url_b, group_id="central-staff")
    hub_a = start_hub(layout, port_a, "--db", PG_URL)
    hub_b = start_hub(layout, port_b, "--db", PG_URL)
    kiosks = [_client(c) for c in kiosk_cfgs]
    console = Console(_client(staff_cfg))
    try:
        assert console.connected.wait(20)
        sent: list[str] = []
        stored: list[str] = []
        lock = threading.Lock()
        restarting = threading.Event()

        def keep_sending(kiosk_index: int) -> None:
            for n in range(4):
                if n == 2:  # the other half goes out as the server restarts
                    restarting.wait(90)
                ticket_id = new_ticket_id()
                with lock:
                    sent.append(ticket_id)
                body = TicketBody(Category.ASSISTANCE, Urgency.NORMAL, "it")
                send_until_stored(kiosks[kiosk_index], ticket_id, body, 90)
                with lock:
                    stored.append(ticket_id)

        threads = [threading.Thread(target=keep_sending, args=(i,)) for i in range(3)]
        for t in threads:
            t.start()
        wait_until(lambda: len(stored) == 6, "each kiosk's first two tickets stored", 90)
        restarting.set()
        _restart_postgres()
        for t in threads:
            t.join(120)
        assert len(sent) == 12
        console.wait_for(set(sent), timeout=90)
        assert hub_a.process.poll() is None
        assert hub_b.process.poll() is None
    finally:
        console.close()
        for k in kiosks:
            k.close()
        hub_a.stop()
        hub_b.stop()
