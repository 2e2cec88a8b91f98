"""Escalation: the next group on a route is alerted only when nobody has
accepted within its step's limit, and then it can open the ticket.

In-process, on a clock the test moves: each escalation tick is one call.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import time
from typing import Any

import pytest

from kiosk.client import DeviceConfig
from kiosk.core.body import TicketBody, binding_bytes
from kiosk.core.categories import Category, Urgency
from kiosk.core.events import TicketChanged
from kiosk.core.site import DeviceRole, EscalationStep
from kiosk.core.ticket import Ticket, TicketState, new_ticket_id
from kiosk.crypto import DeviceKeys, seal_ticket, sign_ticket
from kiosk.hub.app import Hub
from kiosk.operator import enrol_local_device
from kiosk.operator.site_admin import current_site, publish
from tests.conftest import Site
from tests.in_process_hub import FakeClock, InProcessHub


def _with_control_after(site: Site, seconds: int) -> None:
    current = current_site(site.layout)
    routes = tuple(
        dataclasses.replace(
            r,
            steps=(EscalationStep("central-staff", 0), EscalationStep("central-control", seconds)),
        )
        if r.id == "central-all"
        else r
        for r in current.routes
    )
    publish(site.layout, dataclasses.replace(current, routes=routes))


def _control(site: Site) -> DeviceConfig:
    return enrol_local_device(
        site.layout, DeviceRole.STAFF, site.hub_url, group_id="central-control", device_id="ctl-1"
    )


def _sealed_request(
    site: Site, category: Category, urgency: Urgency, to: list[DeviceConfig]
) -> dict[str, Any]:
    """What the kiosk sends: its signed request, sealed to each of `to`."""
    ticket_id = new_ticket_id()
    binding = binding_bytes(ticket_id, "central-p3", category, urgency)
    body = TicketBody(category, urgency, "en", sent_at=int(time.time())).to_bytes()
    signed = body + sign_ticket(DeviceKeys.load(site.kiosk.directory), "kiosk-p3", binding, body)
    publics = {d.device_id: DeviceKeys.load(d.directory).hpke_public for d in to}
    sealed = seal_ticket(signed, publics, binding)
    return {
        "id": ticket_id,
        "category": category.value,
        "urgency": urgency.value,
        "sealed": {k: base64.b64encode(v).decode() for k, v in sealed.items()},
    }


def test_the_next_group_is_alerted_when_nobody_accepts_in_time(
    site: Site, in_hub: InProcessHub
) -> None:
    _with_control_after(site, 2)
    control = _control(site)
    first, second = in_hub.listen("staff-anna"), in_hub.listen("ctl-1")
    request = _sealed_request(site, Category.LOST, Urgency.NORMAL, [site.staff, control])
    assert in_hub.call(site.kiosk, "POST", "/v1/tickets", request).status_code == 201
    assert [t["id"] for t in first.tickets()] == [request["id"]]  # the first step at once
    assert second.tickets() == []  # the control room not yet
    in_hub.escalate(after=1.9)
    assert second.tickets() == []
    in_hub.escalate(after=0.1)  # its step's limit, with nobody accepting
    escalated = second.tickets()
    assert [t["id"] for t in escalated] == [request["id"]]
    reader = site.client(control)
    try:
        reader._site = current_site(site.layout)  # as if verified from the hub
        assert reader.open_ticket(escalated[0]).body.category is Category.LOST
    finally:
        reader.close()
    in_hub.escalate(after=60)
    assert second.tickets() == []  # once only
    assert first.tickets() == []  # the first step was alerted already


def test_an_accepted_ticket_is_not_escalated(site: Site, in_hub: InProcessHub) -> None:
    _with_control_after(site, 2)
    control = _control(site)
    in_hub.listen("staff-anna")  # the first step's console is there (a live stream)
    second = in_hub.listen("ctl-1")
    request = _sealed_request(site, Category.LOST, Urgency.NORMAL, [site.staff, control])
    in_hub.call(site.kiosk, "POST", "/v1/tickets", request)
    path = f"/v1/tickets/{request['id']}/accept"
    assert in_hub.call(site.staff, "POST", path, {"eta_minutes": 2}).status_code == 200
    in_hub.escalate(after=2)
    in_hub.escalate(after=30)
    assert [t for t in second.tickets() if t["state"] != "accepted"] == []


def test_urgent_categories_alert_every_group_at_once(site: Site, in_hub: InProcessHub) -> None:
    second = in_hub.listen(_control(site).device_id)  # the sample site: medical_now to both at 0 s
    request = _sealed_request(site, Category.MEDICAL_NOW, Urgency.URGENT, [site.staff])
    in_hub.call(site.kiosk, "POST", "/v1/tickets", request)
    assert [t["id"] for t in second.tickets()] == [request["id"]]


def test_an_alert_whose_copies_could_not_be_read_goes_out_on_the_next_tick(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    _with_control_after(site, 1)
    hub = Hub(site.layout.hub_settings(), clock=FakeClock(time.time()))
    ticket = Ticket(
        id=new_ticket_id(),
        kiosk_id="kiosk-p3",
        location_id="central-p3",
        category=Category.LOST,
        urgency=Urgency.NORMAL,
        created_at=time.time() - 60,  # the control room's step came long ago
        state=TicketState.SUBMITTED,
    )
    hub.store.insert_ticket(ticket, {"staff-anna": b"sealed copy"})
    read = hub.store.sealed_copies_of
    reads: list[list[str]] = []

    def away_once(ids: list[str]) -> dict[str, dict[str, bytes]]:
        reads.append(ids)
        if len(reads) == 1:
            raise ConnectionError("the database is away for a moment")
        return read(ids)

    monkeypatch.setattr(hub.store, "sealed_copies_of", away_once)
    alerts = hub.broker.subscribe(
        "watcher", lambda e: isinstance(e, TicketChanged) and e.audience.groups is not None
    )

    async def three_ticks() -> None:
        with pytest.raises(ConnectionError):
            await hub.escalate_once()
        await hub.escalate_once()
        await hub.escalate_once()  # sent once: nothing again

    asyncio.run(three_ticks())
    # "watcher" is no device of the manifest: the hub ends its stream ("revoked")
    # when it loads the site; only the ticket alerts count here.
    sent = [e for e in alerts.pending if isinstance(e, TicketChanged)]
    assert [a.ticket.id for a in sent] == [ticket.id]
    assert sent[0].audience.groups == frozenset({"central-control"})
    assert sent[0].sealed == {"staff-anna": base64.b64encode(b"sealed copy").decode()}
    hub.store.close_loop_reader()
    hub.store.engine.dispose()
