"""Heartbeats against a real hub: a kiosk that falls silent is reported offline to
its station's control room (the last step of its routes) and in `kiosk admin
status`, and reported back when it beats again. Short limits stand in for the
defaults (25 s, so under 30 s with the sweep)."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from kiosk.client import Heartbeat, HubClient
from kiosk.core.site import DeviceRole
from kiosk.operator import enrol_local_device
from tests.conftest import HubProcess, Site, start_hub
from tests.hub_events import listen

OFFLINE_AFTER = 2.0


@pytest.fixture
def quick_hub(site: Site) -> Iterator[HubProcess]:
    process = start_hub(site.layout, site.port, "--offline-after", str(OFFLINE_AFTER))
    try:
        yield process
    finally:
        process.stop()


def _device_event(events: queue.Queue[dict[str, Any]], state: str) -> dict[str, Any]:
    deadline = time.monotonic() + OFFLINE_AFTER + 15
    while True:
        event = events.get(timeout=max(0.1, deadline - time.monotonic()))
        if event.get("type") == "device" and event["state"] == state:
            return event


def _status(site: Site) -> tuple[int, dict[str, Any]]:
    run = subprocess.run(
        [sys.executable, "-m", "kiosk", "admin", "status", "--data", str(site.layout.root),
         "--offline-after", str(OFFLINE_AFTER), "--json"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    return run.returncode, json.loads(run.stdout)


def _state(status: dict[str, Any], device_id: str) -> str:
    return next(str(d["state"]) for d in status["devices"] if d["id"] == device_id)


def test_a_silent_kiosk_is_reported_offline_to_the_control_room_and_back(
    site: Site, quick_hub: HubProcess
) -> None:
    control_cfg = enrol_local_device(
        site.layout, DeviceRole.STAFF, site.hub_url, group_id="central-control"
    )
    control = site.client(control_cfg)
    platform = site.client(site.staff)  # central-staff: not the last step, not told
    kiosk = site.client(site.kiosk)
    control_events, platform_events = listen(control), listen(platform)

    kiosk.site()  # as the app does at start: beats then carry the manifest it runs on
    beats = Heartbeat(kiosk, interval=0.3)
    beats.start()
    time.sleep(OFFLINE_AFTER)
    code, status = _status(site)
    assert _state(status, site.kiosk.device_id) == "online"
    assert _state(status, control_cfg.device_id) == "never seen"
    assert code == 1  # a monitor's check fails while any device is not online
    kiosk_row = next(d for d in status["devices"] if d["id"] == site.kiosk.device_id)
    assert kiosk_row["version"]
    assert kiosk_row["manifest_version"] == status["manifest_version"]

    beats.stop()  # the kiosk loses power
    offline = _device_event(control_events, "offline")
    assert offline["device_id"] == site.kiosk.device_id
    assert offline["location_label"] == "Platform 3, north stairs"
    assert "groups" not in offline  # routing detail stays on the hub
    _code, status = _status(site)
    assert _state(status, site.kiosk.device_id) == "offline"

    again = Heartbeat(kiosk, interval=0.3)
    again.start()
    assert _device_event(control_events, "online")["device_id"] == site.kiosk.device_id
    again.stop()
    assert all(e.get("type") != "device" for e in list(platform_events.queue))
    for client in (control, platform, kiosk):
        client.close()


def test_status_counts_open_requests_per_station_without_content(
    site: Site, quick_hub: HubProcess, kiosk_client: HubClient
) -> None:
    from kiosk.core.body import TicketBody
    from kiosk.core.categories import Category, Urgency
    from kiosk.core.ticket import new_ticket_id

    ticket_id = new_ticket_id()
    kiosk_client.submit_ticket(
        kiosk_client.site(),
        ticket_id,
        TicketBody(Category.LOST, Urgency.NORMAL, "en", (), "SECRET"),
    )
    _code, status = _status(site)
    assert status["open_requests"] == {"Central Station": 1, "North Station": 0}
    text = json.dumps(status)
    assert ticket_id not in text
    assert "SECRET" not in text
    run = subprocess.run(
        [sys.executable, "-m", "kiosk", "admin", "status", "--data", str(site.layout.root)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert "open requests per station: Central Station 1, North Station 0" in run.stdout
    assert site.kiosk.device_id in run.stdout
    assert "Traceback" not in run.stderr
