"""Heartbeats: a kiosk that falls silent is reported offline to its station's
control room (the last step of its routes) and in `kiosk admin status`, and
reported back when it beats again."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from kiosk import __version__
from kiosk.client import Heartbeat, HubClient
from kiosk.core.site import DeviceRole
from kiosk.operator import enrol_local_device
from kiosk.operator.site_admin import current_site
from tests.conftest import HubProcess, Site, start_hub
from tests.in_process_hub import FakeClock, InProcessHub
from tests.waiting import wait_until

OFFLINE_AFTER = 2.0


@pytest.fixture
def quick_hub(site: Site) -> Iterator[HubProcess]:
    process = start_hub(site.layout, site.port, "--offline-after", str(OFFLINE_AFTER))
    try:
        yield process
    finally:
        process.stop()


def _status(site: Site, offline_after: float = OFFLINE_AFTER) -> tuple[int, dict[str, Any]]:
    run = subprocess.run(
        [sys.executable, "-m", "kiosk", "admin", "status", "--data", str(site.layout.root),
         "--offline-after", str(offline_after), "--json"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    return run.returncode, json.loads(run.stdout)


def _state(status: dict[str, Any], device_id: str) -> str:
    return next(str(d["state"]) for d in status["devices"] if d["id"] == device_id)


def test_a_silent_kiosk_is_reported_offline_to_the_control_room_and_back(site: Site) -> None:
    """In-process, on a clock the test moves: each presence sweep is one call.
    (`kiosk admin status` asks a real hub: the test after this one.)"""
    control_cfg = enrol_local_device(
        site.layout, DeviceRole.STAFF, site.hub_url, group_id="central-control"
    )
    clock = FakeClock(time.time())
    hub = InProcessHub(site.layout, clock, offline_after_seconds=OFFLINE_AFTER)
    try:
        control = hub.listen(control_cfg.device_id)
        platform = hub.listen(site.staff.device_id)  # central-staff: not the last step
        manifest_version = current_site(site.layout).version
        beat = {"version": __version__, "manifest_version": manifest_version}

        def sweep(after: float) -> list[dict[str, Any]]:
            hub.run(hub.hub.presence_once(clock.advance(after)))
            return [e for e in control.take() if e["type"] == "device"]

        answer = hub.call(site.kiosk, "POST", "/v1/heartbeat", beat)
        assert answer.json()["offline_after"] == OFFLINE_AFTER
        assert sweep(after=0) == []  # a first beat: online, nothing to tell

        # The kiosk loses power: no beat for longer than the limit.
        assert sweep(after=OFFLINE_AFTER) == []  # not yet
        [offline] = sweep(after=1)
        assert offline["state"] == "offline"
        assert offline["device_id"] == site.kiosk.device_id
        assert offline["location_label"] == "Platform 3, north stairs"
        assert "groups" not in offline  # routing detail stays on the hub
        assert sweep(after=60) == []  # told once

        hub.call(site.kiosk, "POST", "/v1/heartbeat", beat)
        [online] = sweep(after=0)
        assert (online["state"], online["device_id"]) == ("online", site.kiosk.device_id)
        assert all(e["type"] != "device" for e in platform.take())
    finally:
        hub.close()


def test_status_shows_each_device_online_offline_or_never_seen(
    site: Site, quick_hub: HubProcess
) -> None:
    """Against a real hub: the beats it stores, as `kiosk admin status` reads them."""
    control_cfg = enrol_local_device(
        site.layout, DeviceRole.STAFF, site.hub_url, group_id="central-control"
    )
    kiosk = site.client(site.kiosk)
    kiosk.site()  # as the app does at start: beats then carry the manifest it runs on
    beats = Heartbeat(kiosk, interval=0.3)
    beats.start()

    def stored() -> tuple[int, dict[str, Any]] | None:
        code, status = _status(site)
        return (code, status) if _state(status, site.kiosk.device_id) != "never seen" else None

    try:
        code, status = wait_until(stored, "the hub to store the kiosk's beat", every=0.5)
    finally:
        beats.stop()
    assert _state(status, site.kiosk.device_id) == "online"
    assert _state(status, control_cfg.device_id) == "never seen"
    assert code == 1  # a monitor's check fails while any device is not online
    kiosk_row = next(d for d in status["devices"] if d["id"] == site.kiosk.device_id)
    assert kiosk_row["version"]
    assert kiosk_row["manifest_version"] == status["manifest_version"]
    # Silent for longer than the limit (a limit every stored beat is past): offline.
    _code, status = _status(site, offline_after=0.001)
    assert _state(status, site.kiosk.device_id) == "offline"
    kiosk.close()


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
