"""The bench's simulated staff member against a real hub that stops answering:
they tap again, as a person does, so a slow hub is not mistaken for a lost request."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from kiosk.bench.devices import Later, SimStaff
from kiosk.bench.fleet import Device
from kiosk.bench.record import Recorder
from kiosk.client import HubClient
from kiosk.core.body import TicketBody
from kiosk.core.categories import Category, Urgency
from kiosk.core.ticket import new_ticket_id
from kiosk.crypto import DeviceKeys
from tests.conftest import HubProcess, Site, start_hub
from tests.waiting import wait_until


def test_a_staff_member_taps_accept_again_until_the_hub_answers(
    site: Site, hub: HubProcess, kiosk_client: HubClient
) -> None:
    ticket_id = new_ticket_id()
    body = TicketBody(Category.UNWELL, Urgency.NORMAL, "en")
    kiosk_client.submit_ticket(kiosk_client.site(), ticket_id, body)
    recorder = Recorder()
    with ThreadPoolExecutor(2) as pool:
        later = Later(pool)
        device = Device(site.staff, DeviceKeys.load(site.staff.directory))
        staff = SimStaff(device, recorder, pool, later, marker="m", hold=0.1, escalate_after=2.0)
        hub.stop()  # the hub is down when the member taps Accept
        answer = pool.submit(staff.act_until_answered, ticket_id, "accept", eta_minutes=3)
        wait_until(lambda: recorder.staff_unanswered >= 1, "a tap the hub did not answer")
        again = start_hub(site.layout, site.port)
        try:
            assert answer.result(60) == "yes"
            assert recorder.staff_unanswered >= 1
            # Answered now, and a second accept is a plain refusal, not a retry.
            assert staff.act_until_answered(ticket_id, "accept") == "refused"
            assert staff.act_until_answered(ticket_id, "resolve") == "yes"
        finally:
            later.stop()
            staff.client.close()
            again.stop()
