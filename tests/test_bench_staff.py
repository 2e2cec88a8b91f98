"""The bench's simulated staff member against a real hub that stops answering:
they tap again, as a person does, so a slow hub is not mistaken for a lost request."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

import pytest

from kiosk.bench.aio_client import FleetShared
from kiosk.bench.devices import SimStaff
from kiosk.bench.fleet import Device
from kiosk.bench.record import Recorder
from kiosk.bench.relay import Relay
from kiosk.client import HubClient
from kiosk.core.body import TicketBody
from kiosk.core.categories import Category, Urgency
from kiosk.core.ticket import new_ticket_id
from kiosk.crypto import DeviceKeys
from tests.conftest import HubProcess, Site, start_hub
from tests.waiting import wait_until

T = TypeVar("T")


class _Loop:
    """An asyncio loop on a thread of its own, as a bench shard runs one."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, job: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        return asyncio.run_coroutine_threadsafe(job, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()


@pytest.fixture
def loop() -> Iterator[_Loop]:
    running = _Loop()
    try:
        yield running
    finally:
        running.close()


def _recorded(recorder: Recorder) -> Relay:
    """What the shard's devices report, straight into a Recorder (as shards.py does)."""
    return Relay(lambda message: getattr(recorder, message[0])(*message[1:]))


def test_a_staff_member_taps_accept_again_until_the_hub_answers(
    site: Site, hub: HubProcess, kiosk_client: HubClient, loop: _Loop
) -> None:
    ticket_id = new_ticket_id()
    body = TicketBody(Category.UNWELL, Urgency.NORMAL, "en")
    manifest = kiosk_client.site()
    kiosk_client.submit_ticket(manifest, ticket_id, body)
    recorder = Recorder()
    device = Device(site.staff, DeviceKeys.load(site.staff.directory))
    shared = FleetShared.for_ca(site.staff.ca_file, handshakes=4)
    staff = SimStaff(
        device,
        _recorded(recorder),
        shared,
        manifest,
        marker="m",
        hold=0.1,
        escalate_after=2.0,
    )
    hub.stop()  # the hub is down when the member taps Accept
    answer = asyncio.run_coroutine_threadsafe(
        staff.act_until_answered(ticket_id, "accept", eta_minutes=3), loop.loop
    )
    wait_until(lambda: recorder.staff_unanswered >= 1, "a tap the hub did not answer")
    again = start_hub(site.layout, site.port)
    try:
        assert answer.result(60) == "yes"
        assert recorder.staff_unanswered >= 1
        # Answered now, and a second accept is a plain refusal, not a retry.
        assert loop.run(staff.act_until_answered(ticket_id, "accept")) == "refused"
        assert loop.run(staff.act_until_answered(ticket_id, "resolve")) == "yes"
    finally:
        loop.loop.call_soon_threadsafe(staff.stop)
        again.stop()
