"""GET /v1/admin/live in-process, on a clock the test moves: a console with a
live stream makes its group live and reached, escalation steps and the
fallback follow the route's times, and an accepted request stops counting
steps. Never an id, kind of help, urgency or kiosk."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from kiosk.core.categories import Category, Urgency
from kiosk.core.ticket import new_ticket_id
from kiosk.crypto import sign_admin_request
from kiosk.hub.fleet_admin_api import live_tickets
from kiosk.operator.hub_admin import LocalHubAdmin
from tests.conftest import Site
from tests.in_process_hub import InProcessHub, _call


def _live(site: Site, hub: InProcessHub) -> dict[str, Any]:
    path = "/v1/admin/live"
    headers = dict(sign_admin_request(site.layout.state().site_key(), "GET", path, b""))
    answer = asyncio.run(_call(hub.app, "GET", path, headers, b""))
    assert answer.status_code == 200, answer.body
    return dict(answer.json())


def _submit(site: Site, hub: InProcessHub) -> str:
    ticket_id = new_ticket_id()
    request = {
        "id": ticket_id,
        "category": Category.UNWELL.value,
        "urgency": Urgency.NORMAL.value,
        "sealed": {site.staff.device_id: "c2VhbGVk"},
    }
    assert hub.call(site.kiosk, "POST", "/v1/tickets", request).status_code == 201
    return ticket_id


def test_live_follows_streams_steps_and_acceptance(site: Site, in_hub: InProcessHub) -> None:
    in_hub.listen(site.staff.device_id)  # the platform staff's console streams
    ticket_id = _submit(site, in_hub)
    live = _live(site, in_hub)
    staff = next(g for g in live["groups"] if g["group_id"] == "central-staff")
    assert staff == {
        "group_id": "central-staff",
        "consoles": 1,
        "on_duty": 1,
        "live": 1,
        "reached": True,
    }
    (ticket,) = live["tickets"]
    assert (ticket["step"], ticket["steps"], ticket["fallback"]) == (1, 2, False)

    in_hub.escalate(after=91)  # the control room's step (90 s); nobody there: fallback
    live = _live(site, in_hub)
    (ticket,) = live["tickets"]
    assert (ticket["step"], ticket["fallback"], ticket["age_seconds"]) == (2, True, 91.0)
    assert live["now"] == in_hub.clock.now

    path = f"/v1/tickets/{ticket_id}/accept"
    assert in_hub.call(site.staff, "POST", path, {"eta_minutes": 2}).status_code == 200
    (ticket,) = _live(site, in_hub)["tickets"]
    assert (ticket["accepted"], ticket["step"], ticket["fallback"]) == (True, 2, False)
    text = json.dumps(_live(site, in_hub))
    for secret in (ticket_id, "unwell", "normal", site.kiosk.device_id):
        assert secret not in text


def test_a_request_accepted_before_the_next_step_stays_at_step_one(
    site: Site, in_hub: InProcessHub
) -> None:
    in_hub.listen(site.staff.device_id)
    ticket_id = _submit(site, in_hub)
    in_hub.clock.advance(30)
    path = f"/v1/tickets/{ticket_id}/accept"
    assert in_hub.call(site.staff, "POST", path, {"eta_minutes": 2}).status_code == 200
    in_hub.escalate(after=300)
    (ticket,) = _live(site, in_hub)["tickets"]
    assert (ticket["accepted"], ticket["step"]) == (True, 1)


def test_the_local_hub_admin_answers_as_a_hub_just_started(
    site: Site, in_hub: InProcessHub
) -> None:
    _submit(site, in_hub)
    local = LocalHubAdmin(in_hub.hub.store).live()
    assert [t["location_id"] for t in local["tickets"]] == ["central-p3"]
    assert all(g["live"] == 0 and not g["reached"] for g in local["groups"])
    assert local["relays"] == []
    assert live_tickets([], None, in_hub.hub.views, 0.0) == []
