"""A request nobody closes expires after the site's limit: in-process, on a
clock the test moves, each expiry sweep one call."""

from __future__ import annotations

import time

from kiosk.core.categories import Category, Urgency
from kiosk.core.ticket import new_ticket_id
from tests.conftest import Site
from tests.in_process_hub import FakeClock, InProcessHub

_TTL = 600


def test_an_open_request_expires_at_the_limit_and_its_kiosk_is_told(site: Site) -> None:
    clock = FakeClock(time.time())
    hub = InProcessHub(site.layout, clock, ticket_ttl_seconds=_TTL)
    try:
        kiosk, staff = hub.listen(site.kiosk.device_id), hub.listen(site.staff.device_id)
        ticket_id = new_ticket_id()
        request = {
            "id": ticket_id,
            "category": Category.LOST.value,
            "urgency": Urgency.NORMAL.value,
            "sealed": {site.staff.device_id: "c2VhbGVk"},  # the hub never reads it
        }
        assert hub.call(site.kiosk, "POST", "/v1/tickets", request).status_code == 201
        assert [t["state"] for t in kiosk.tickets()] == ["submitted"]
        assert [t["state"] for t in staff.tickets()] == ["submitted"]

        hub.run(hub.hub.expire_once(clock.advance(_TTL - 1)))
        assert kiosk.take() == []
        assert hub.hub.store.get_ticket(ticket_id) is not None

        hub.run(hub.hub.expire_once(clock.advance(2)))
        assert [(t["id"], t["state"]) for t in kiosk.tickets()] == [(ticket_id, "expired")]
        assert [t["state"] for t in staff.tickets()] == ["expired"]
        assert hub.hub.store.get_ticket(ticket_id) is None  # purged
        answer = hub.call(site.kiosk, "GET", f"/v1/tickets/{ticket_id}")
        assert answer.status_code == 404
    finally:
        hub.close()
