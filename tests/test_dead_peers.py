"""A device that vanishes without a goodbye (power cut, cable pulled: no FIN, no
RST) is noticed by the hub's TCP timers (kiosk/hub/dead_peers.py), not after
TCP's retransmission timeout of many minutes: its stream ends, a kiosk is then
reported offline within the offline limit, and a console stops counting as
reached (kiosk/hub/reach.py).

A real hub process; each device's stream passes a fault proxy whose connection
to the hub is then dropped by the kernel (tests/black_hole.py). The device does
not beat meanwhile: only its stream keeps it alive.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Iterator
from typing import Any

import pytest

from kiosk import __version__
from kiosk.client import HubClient
from kiosk.core.body import TicketBody
from kiosk.core.categories import Category, Urgency
from kiosk.core.site import DeviceRole
from kiosk.core.ticket import new_ticket_id
from kiosk.hub.presence import Presence
from kiosk.operator import enrol_local_device
from tests import black_hole
from tests.conftest import HubProcess, Site, replace_hub_url, start_hub
from tests.fault_proxy import FaultProxy
from tests.hub_events import listen
from tests.test_escalation_presence import STEP, _control_after
from tests.waiting import wait_until

pytestmark = pytest.mark.skipif(
    not black_hole.available(), reason="dropping packets needs root and iptables"
)

DEAD_PEER = 4.0
OFFLINE_AFTER = 3.0
SWEEP = OFFLINE_AFTER / 4  # kiosk hub --offline-after sets it so
SLACK = 3.0  # a loaded machine's scheduling, and the escalation tick


@pytest.fixture
def quick_hub(site: Site) -> Iterator[HubProcess]:
    process = start_hub(
        site.layout,
        site.port,
        "--offline-after",
        str(OFFLINE_AFTER),
        "--dead-peer-after",
        str(DEAD_PEER),
    )
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def proxy(site: Site) -> Iterator[FaultProxy]:
    fault = FaultProxy(site.port)
    try:
        yield fault
    finally:
        fault.close()


def _streaming_through(site: Site, proxy: FaultProxy, device: Any) -> HubClient:
    """The device's stream through the proxy, and the proxy's one connection."""
    client = HubClient(replace_hub_url(device, proxy.url), site.client(device).keys)
    listen(client)
    assert len(proxy.hub_side_ports()) == 1
    return client


def _next_of(
    events: queue.Queue[dict[str, Any]], kind: str, key: str = "type"
) -> dict[str, Any] | None:
    """The next event of this type (and with `key`, if given), dropping others."""
    while True:
        try:
            event = events.get_nowait()
        except queue.Empty:
            return None
        if event.get("type") == kind and key in event:
            return event


def _stored_seen(site: Site, device_id: str) -> tuple[float, bool] | None:
    """The device's presence row as the hub stored it: last seen, offline."""
    store = site.layout.store()
    try:
        rows = Presence(store).rows()
    finally:
        store.engine.dispose()
    return next(((r.last_seen, r.offline) for r in rows if r.device_id == device_id), None)


def test_a_kiosk_whose_stream_goes_black_is_reported_offline_within_the_limit(
    site: Site, quick_hub: HubProcess, proxy: FaultProxy
) -> None:
    control_cfg = enrol_local_device(
        site.layout, DeviceRole.STAFF, site.hub_url, group_id="central-control"
    )
    control = site.client(control_cfg)
    room = listen(control)
    direct = site.client(site.kiosk)
    direct.heartbeat(__version__)  # its row (the apps beat as their stream connects)
    beat = wait_until(lambda: _stored_seen(site, site.kiosk.device_id), "the beat stored")
    kiosk = _streaming_through(site, proxy, site.kiosk)
    # Alive from its stream alone: stored as seen long after its beat, still online.

    def long_after_the_beat() -> tuple[float, bool] | None:
        seen = _stored_seen(site, site.kiosk.device_id)
        return seen if seen and seen[0] > beat[0] + 2 * OFFLINE_AFTER else None

    _seen, offline = wait_until(long_after_the_beat, "the stream to keep it seen", every=0.3)
    assert not offline
    assert _next_of(room, "device") is None
    [hub_side] = proxy.hub_side_ports()
    with black_hole.dropped(site.port, hub_side):
        cut = time.monotonic()
        gone = wait_until(
            lambda: _next_of(room, "device"),
            "the kiosk reported offline",
            timeout=DEAD_PEER + OFFLINE_AFTER + 2 * SWEEP + SLACK + 30,
        )
        took = time.monotonic() - cut
    assert (gone["state"], gone["device_id"]) == ("offline", site.kiosk.device_id)
    assert took <= DEAD_PEER + OFFLINE_AFTER + 2 * SWEEP + SLACK, took
    assert "event=stream.closed device=kiosk-p3" in quick_hub.log_text()
    for client in (control, kiosk, direct):
        client.close()


def test_a_console_whose_stream_goes_black_stops_counting_as_reached(
    site: Site, quick_hub: HubProcess, proxy: FaultProxy
) -> None:
    control_cfg = _control_after(site, STEP)
    control, kiosk = site.client(control_cfg), site.client(site.kiosk)
    room = listen(control)
    console = _streaming_through(site, proxy, site.staff)  # staff-anna, on duty
    [hub_side] = proxy.hub_side_ports()
    ticket_id = new_ticket_id()
    kiosk.submit_ticket(kiosk.site(), ticket_id, TicketBody(Category.LOST, Urgency.NORMAL, "en"))
    with black_hole.dropped(site.port, hub_side):
        cut = time.monotonic()
        alert = wait_until(
            lambda: _next_of(room, "ticket", key="skipped"),
            "the control room's alert",
            timeout=DEAD_PEER + SLACK + 30,
        )
        took = time.monotonic() - cut
    assert took <= DEAD_PEER + SLACK, took  # seconds, not the step's 600
    assert alert["ticket"]["id"] == ticket_id
    assert alert["skipped"] == {"reason": "unreached", "groups": ["central-staff"]}
    for client in (control, kiosk, console):
        client.close()
