"""Two hub processes sharing one real PostgreSQL server: a staff console on hub B
sees a ticket posted to hub A, the kiosk on A sees B's accept and resolve,
a request replayed to the other hub is refused, and a hub killed behind a load
balancer loses nothing: its devices go on with the other.

.ci/run starts PostgreSQL on loopback and sets KIOSK_TEST_POSTGRES_URL."""

from __future__ import annotations

import os
import queue
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import create_engine, text

from kiosk.client import DeviceConfig, HubClient
from kiosk.core.body import TicketBody
from kiosk.core.categories import Category, Urgency
from kiosk.core.site import DeviceRole
from kiosk.core.ticket import new_ticket_id
from kiosk.crypto import DeviceKeys, sign_request
from kiosk.operator import SiteLayout, enrol_local_device, init_site, sample_site
from tests.conftest import HubProcess, empty_postgres, free_port, start_hub
from tests.fault_proxy import FaultProxy
from tests.hub_events import listen
from tests.resilience import Console, Travellers

PG_URL = os.environ.get("KIOSK_TEST_POSTGRES_URL", "")
pytestmark = pytest.mark.skipif(not PG_URL, reason="set KIOSK_TEST_POSTGRES_URL (.ci/run does)")


@pytest.fixture
def pg_site(tmp_path: Path) -> SiteLayout:
    empty_postgres(PG_URL)
    layout = SiteLayout(tmp_path / "site", PG_URL)
    init_site(layout, sample_site(), ["127.0.0.1"])
    return layout


@pytest.fixture
def two_hubs(pg_site: SiteLayout) -> Iterator[tuple[HubProcess, HubProcess, int, int]]:
    port_a, port_b = free_port(), free_port()
    hub_a = start_hub(pg_site, port_a, "--db", PG_URL)
    hub_b = start_hub(pg_site, port_b, "--db", PG_URL)
    try:
        yield hub_a, hub_b, port_a, port_b
    finally:
        hub_a.stop()
        hub_b.stop()


def _next_ticket(events: queue.Queue[dict[str, Any]], state: str) -> dict[str, Any]:
    while True:
        event = events.get(timeout=10)
        if event.get("type") == "ticket" and event["ticket"]["state"] == state:
            return event["ticket"]  # type: ignore[no-any-return]


def test_a_console_on_hub_b_sees_and_answers_a_ticket_sent_to_hub_a(
    pg_site: SiteLayout, two_hubs: tuple[HubProcess, HubProcess, int, int]
) -> None:
    _, _, port_a, port_b = two_hubs
    url_a, url_b = f"https://127.0.0.1:{port_a}", f"https://127.0.0.1:{port_b}"
    kiosk_cfg = enrol_local_device(pg_site, DeviceRole.KIOSK, url_a, location_id="central-p3")
    staff_cfg = enrol_local_device(pg_site, DeviceRole.STAFF, url_b, group_id="central-staff")
    kiosk = HubClient(kiosk_cfg, DeviceKeys.load(kiosk_cfg.directory))
    staff = HubClient(staff_cfg, DeviceKeys.load(staff_cfg.directory))
    staff_events, kiosk_events = listen(staff), listen(kiosk)  # both streams live

    ticket_id = new_ticket_id()
    kiosk.submit_ticket(kiosk.site(), ticket_id, TicketBody(Category.UNWELL, Urgency.NORMAL, "de"))
    seen_on_b = _next_ticket(staff_events, "submitted")  # relayed from hub A by NOTIFY
    assert seen_on_b["id"] == ticket_id
    assert staff.open_ticket(seen_on_b).body.language == "de"

    staff.act(ticket_id, "accept", 4)  # on hub B
    accepted = _next_ticket(kiosk_events, "accepted")  # the kiosk is on hub A
    assert (accepted["id"], accepted["eta_minutes"]) == (ticket_id, 4)
    staff.act(ticket_id, "resolve")
    assert _next_ticket(kiosk_events, "resolved")["id"] == ticket_id

    engine = create_engine(PG_URL)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM tickets")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM sealed_copies")).scalar() == 0
    engine.dispose()


def test_a_request_replayed_to_the_other_hub_is_refused(
    pg_site: SiteLayout, two_hubs: tuple[HubProcess, HubProcess, int, int]
) -> None:
    _, _, port_a, port_b = two_hubs
    kiosk_cfg = enrol_local_device(
        pg_site, DeviceRole.KIOSK, f"https://127.0.0.1:{port_a}", location_id="central-p3"
    )
    keys = DeviceKeys.load(kiosk_cfg.directory)
    headers = sign_request(keys, kiosk_cfg.device_id, "GET", "/v1/manifest", b"")
    ca = str(pg_site.operator / "ca.pem")
    with requests.Session() as s:
        s.trust_env = False
        first = s.get(f"https://127.0.0.1:{port_a}/v1/manifest", headers=headers, verify=ca)
        replay = s.get(f"https://127.0.0.1:{port_b}/v1/manifest", headers=headers, verify=ca)
    assert first.status_code == 200
    assert (replay.status_code, replay.json()["error"]) == (401, "replay")


def test_of_one_request_sent_at_once_to_both_hubs_many_times_exactly_one_is_served(
    pg_site: SiteLayout, two_hubs: tuple[HubProcess, HubProcess, int, int]
) -> None:
    """The calls that arrive together share one nonce insert: a copy in the same
    batch, or in another hub's, is still refused."""
    _, _, port_a, port_b = two_hubs
    kiosk_cfg = enrol_local_device(
        pg_site, DeviceRole.KIOSK, f"https://127.0.0.1:{port_a}", location_id="central-p3"
    )
    headers = sign_request(
        DeviceKeys.load(kiosk_cfg.directory), kiosk_cfg.device_id, "GET", "/v1/manifest", b""
    )
    ca = str(pg_site.operator / "ca.pem")

    def send(port: int) -> tuple[int, str]:
        with requests.Session() as s:
            s.trust_env = False
            answer = s.get(f"https://127.0.0.1:{port}/v1/manifest", headers=headers, verify=ca)
        return answer.status_code, "" if answer.ok else answer.json()["error"]

    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(send, [port_a, port_b] * 6))
    assert sorted(answers) == [(200, "")] + [(401, "replay")] * 11


def test_a_hub_killed_behind_the_load_balancer_loses_nothing_and_duplicates_nothing(
    pg_site: SiteLayout, two_hubs: tuple[HubProcess, HubProcess, int, int]
) -> None:
    """Every device knows one address, the balancer's; it sends each new connection
    to hub A while A answers, then to B. Hub A is killed (SIGKILL) mid-stream."""
    hub_a, hub_b, port_a, port_b = two_hubs
    balancer = FaultProxy(port_a, port_b)

    def client(config: DeviceConfig) -> HubClient:
        return HubClient(config, DeviceKeys.load(config.directory))

    def enrol(role: DeviceRole, **where: str) -> DeviceConfig:
        return enrol_local_device(pg_site, role, balancer.url, **where)

    kiosks = [client(enrol(DeviceRole.KIOSK, location_id="central-p3")) for _ in range(3)]
    staff = enrol(DeviceRole.STAFF, group_id="central-staff")
    console = Console(client(staff))
    assert console.connected.wait(20)
    travellers = Travellers(kiosks, 4, TicketBody(Category.LOST, Urgency.NORMAL, "fr"))
    try:
        travellers.wait_for_acknowledged(4)
        hub_a.process.kill()  # no shutdown, no flush, mid-request
        hub_a.process.wait(10)
        travellers.join()
        assert len(travellers.acknowledged) == len(travellers.sent) == 12
        console.wait_for(set(travellers.sent))  # on hub B now: every one and no other
        store = pg_site.store()
        assert store.count_rows()["tickets"] == 12  # each stored once
        store.engine.dispose()
        check = client(staff)  # the console's device, as its app opens a ticket
        try:
            opened = [check.open_ticket(v) for v in console.open.values() if v.get("sealed")]
        finally:
            check.close()
        assert [o.body.language for o in opened] == ["fr"] * 12  # nothing half-written
        assert hub_b.process.poll() is None
        # Both served: A until it was killed, B after.
        assert "event=ticket.created" in hub_a.log_text()
        assert "event=ticket.created" in hub_b.log_text()
    finally:
        console.close()
        for k in kiosks:
            k.close()
        balancer.close()
