"""On and off duty, hand-over, "could not find the traveller", reminders and
the kiosk's fallback, against a real hub process."""

from __future__ import annotations

import dataclasses
import queue
import time
from typing import Any

import pytest

from kiosk.client import HubClient
from kiosk.core.body import TicketBody
from kiosk.core.categories import Category, Urgency
from kiosk.core.errors import HubRefused
from kiosk.core.site import DeviceRole, EscalationStep
from kiosk.core.ticket import new_ticket_id
from kiosk.operator import enrol_local_device
from kiosk.operator.site_admin import current_site, publish
from tests.conftest import HubProcess, Site, start_hub
from tests.hub_events import listen


def _route(site: Site, **changes: Any) -> None:
    """Change the route of lost-and-found style requests at Platform 3."""
    current = current_site(site.layout)
    routes = tuple(
        dataclasses.replace(r, **changes) if r.id == "central-all" else r for r in current.routes
    )
    publish(site.layout, dataclasses.replace(current, routes=routes))


def _control(site: Site) -> HubClient:
    config = enrol_local_device(
        site.layout, DeviceRole.STAFF, site.hub_url, group_id="central-control", device_id="ctl-1"
    )
    return site.client(config)


def _events(events: queue.Queue[dict[str, Any]], within: float) -> list[dict[str, Any]]:
    found, deadline = [], time.monotonic() + within
    while (left := deadline - time.monotonic()) > 0:
        try:
            found.append(events.get(timeout=left))
        except queue.Empty:
            break
    return found


def _submit(kiosk: HubClient, category: Category = Category.LOST) -> str:
    ticket_id = new_ticket_id()
    kiosk.submit_ticket(kiosk.site(), ticket_id, TicketBody(category, Urgency.NORMAL, "en"))
    return ticket_id


def test_duty_is_stored_per_device_and_pushed_to_its_console(
    site: Site, hub: HubProcess, kiosk_client: HubClient, staff_client: HubClient
) -> None:
    events = listen(staff_client)
    assert staff_client.call("GET", "/v1/duty") == {"on_duty": True}  # on duty by default
    assert staff_client.set_duty(False) is False
    assert {"type": "duty", "on_duty": False} in _events(events, 1.0)
    assert staff_client.call("GET", "/v1/duty") == {"on_duty": False}
    with pytest.raises(HubRefused) as refused:
        kiosk_client.call("POST", "/v1/duty", {"on_duty": False})
    assert refused.value.status == 403
    with pytest.raises(HubRefused) as refused:
        staff_client.call("POST", "/v1/duty", {"on_duty": "no"})
    assert refused.value.status == 400
    # It survives a hub restart, and a (re)connecting console learns it first.
    hub.stop()
    restarted = start_hub(site.layout, site.port)
    try:
        fresh = site.client(site.staff)
        again = listen(fresh)  # returns after `synced`: the duty event came before it
        del again
        assert fresh.call("GET", "/v1/duty") == {"on_duty": False}
        fresh.close()
    finally:
        restarted.stop()


def test_escalation_does_not_wait_on_a_group_with_nobody_on_duty(
    site: Site, hub: HubProcess, kiosk_client: HubClient, staff_client: HubClient
) -> None:
    _route(site, steps=(EscalationStep("central-staff", 0), EscalationStep("central-control", 60)))
    control = _control(site)
    control_events = listen(control)
    assert staff_client.set_duty(False) is False  # the hub's own answer: it knows at once
    ticket_id = _submit(kiosk_client)
    alerted = [e for e in _events(control_events, 2.5) if e.get("type") == "ticket"]
    assert ticket_id in [e["ticket"]["id"] for e in alerted]  # at once, not after 60 s
    assert control.open_ticket(alerted[0]["ticket"]).body.category is Category.LOST


def test_hand_over_to_another_group_and_release(
    site: Site, hub: HubProcess, kiosk_client: HubClient, staff_client: HubClient
) -> None:
    _route(site, steps=(EscalationStep("central-staff", 0), EscalationStep("central-control", 600)))
    control = _control(site)
    listen(staff_client)  # the first step's console is there: the control room waits
    control_events, kiosk_events = listen(control), listen(kiosk_client)
    ticket_id = _submit(kiosk_client)
    staff_client.act(ticket_id, "accept", 5)
    assert _events(control_events, 0.5) == []  # not its step yet
    with pytest.raises(HubRefused) as refused:  # only groups on the route
        staff_client.act(ticket_id, "hand_over", group="north-staff")
    assert refused.value.status == 400
    with pytest.raises(HubRefused) as refused:  # only the accepter
        control.act(ticket_id, "hand_over", group="central-control")
    assert refused.value.status in (404, 409)

    view = staff_client.act(ticket_id, "hand_over", group="central-control")
    assert (view["state"], view["accepted_by"], view["handed_to"]) == (
        "delivered",
        None,
        "central-control",
    )
    got = [e for e in _events(control_events, 1.5) if e.get("type") == "ticket"]
    assert got
    assert got[0]["ticket"]["state"] == "delivered"
    assert control.open_ticket(got[0]["ticket"]).body.category is Category.LOST
    assert [e.get("alert") for e in got] == [None, "handed_over"]
    # The kiosk is told it is waiting again (seen by staff), not who has it.
    states = [e["ticket"] for e in _events(kiosk_events, 1.0) if e.get("type") == "ticket"]
    assert states[-1] == {
        "id": ticket_id,
        "state": "delivered",
        "eta_minutes": None,
        "fallback": False,
    }

    control.act(ticket_id, "accept", 2)
    control.act(ticket_id, "hand_over")  # back to colleagues of its own group
    assert control.act(ticket_id, "accept", 1)["accepted_by"] == "ctl-1"
    control.close()


def test_could_not_find_the_traveller_closes_through_the_purge(
    site: Site, hub: HubProcess, kiosk_client: HubClient, staff_client: HubClient
) -> None:
    kiosk_events = listen(kiosk_client)
    ticket_id = _submit(kiosk_client)
    with pytest.raises(HubRefused):  # nobody went yet
        staff_client.act(ticket_id, "not_found")
    staff_client.act(ticket_id, "accept", 3)
    assert staff_client.act(ticket_id, "not_found")["state"] == "not_found"
    states = [e["ticket"]["state"] for e in _events(kiosk_events, 1.0) if e.get("type") == "ticket"]
    assert states[-1] == "not_found"
    assert site.layout.store().count_rows() == {"tickets": 0, "sealed_copies": 0, "replies": 0}
    with pytest.raises(HubRefused) as refused:
        staff_client.act(ticket_id, "resolve")
    assert refused.value.status == 404


def test_reminder_then_reescalation_of_an_accepted_request_survive_a_restart(
    site: Site, hub: HubProcess, kiosk_client: HubClient, staff_client: HubClient
) -> None:
    _route(
        site,
        steps=(EscalationStep("central-staff", 0), EscalationStep("central-control", 600)),
        remind_after_seconds=3,
        reescalate_after_seconds=5,
    )
    control = _control(site)  # enrolled before: the ticket is sealed to it too
    ticket_id = _submit(kiosk_client)
    staff_client.act(ticket_id, "accept", 5)
    hub.stop()  # the timers count from the stored time of the accept
    restarted = start_hub(site.layout, site.port)
    try:
        staff_events, control_events = listen(staff_client), listen(control)
        alerts = [e for e in _events(staff_events, 8.0) if e.get("alert")]
        assert [e["alert"] for e in alerts] == ["reminder", "reescalated"]  # once each
        assert alerts[0]["ticket"]["id"] == ticket_id
        again = [e for e in _events(control_events, 0.5) if e.get("alert")]
        assert [e["alert"] for e in again] == ["reescalated"]  # every step, not only the first
        assert control.open_ticket(again[0]["ticket"]).body.category is Category.LOST
        control.close()
    finally:
        restarted.stop()


def test_the_kiosk_shows_the_fallback_when_the_last_step_passes(
    site: Site, hub: HubProcess, kiosk_client: HubClient, staff_client: HubClient
) -> None:
    _route(site, steps=(EscalationStep("central-staff", 0),), fallback_after_seconds=2)
    listen(staff_client)  # the step's console is there: nobody there shows it at once
    kiosk_events = listen(kiosk_client)
    ticket_id = _submit(kiosk_client)
    assert kiosk_client.ticket(ticket_id)["fallback"] is False
    seen = [e["ticket"] for e in _events(kiosk_events, 3.5) if e.get("type") == "ticket"]
    assert seen[-1]["fallback"] is True
    assert seen[-1]["state"] in ("submitted", "delivered")  # still open for staff
    assert kiosk_client.ticket(ticket_id)["fallback"] is True
    staff_client.act(ticket_id, "delivered")  # a later update keeps the advice on screen
    later = [e["ticket"] for e in _events(kiosk_events, 1.0) if e.get("type") == "ticket"]
    assert later[-1] == {
        "id": ticket_id,
        "state": "delivered",
        "eta_minutes": None,
        "fallback": True,
    }
    assert staff_client.act(ticket_id, "accept", 2)["state"] == "accepted"
    accepted = [e["ticket"] for e in _events(kiosk_events, 1.0) if e.get("type") == "ticket"]
    assert accepted[-1]["fallback"] is False
    staff_client.act(ticket_id, "hand_over")  # staff did answer: no fallback after a hand-over
    time.sleep(1.5)  # escalation ticks go by on the hub's own clock: none brings it back
    assert kiosk_client.ticket(ticket_id) == {
        "id": ticket_id,
        "state": "delivered",
        "eta_minutes": None,
        "fallback": False,
    }
    assert kiosk_client.ticket(ticket_id)["fallback"] is False
