"""Escalation: the next group on a route is alerted only when nobody has
accepted within its step's limit, and then it can open the ticket."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import queue
import time
from typing import Any

import pytest

from kiosk.client import HubClient
from kiosk.core.body import TicketBody
from kiosk.core.categories import Category, Urgency
from kiosk.core.events import TicketChanged
from kiosk.core.site import DeviceRole, EscalationStep
from kiosk.core.ticket import Ticket, TicketState, new_ticket_id
from kiosk.hub.app import Hub
from kiosk.operator import enrol_local_device
from kiosk.operator.site_admin import current_site, publish
from tests.conftest import HubProcess, Site
from tests.hub_events import listen


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


def _tickets(events: queue.Queue[dict[str, Any]], within: float) -> list[dict[str, Any]]:
    found, deadline = [], time.monotonic() + within
    while (left := deadline - time.monotonic()) > 0:
        try:
            event = events.get(timeout=left)
        except queue.Empty:
            break
        if event.get("type") == "ticket":
            found.append(event["ticket"])
    return found


def _control(site: Site) -> HubClient:
    config = enrol_local_device(
        site.layout, DeviceRole.STAFF, site.hub_url, group_id="central-control", device_id="ctl-1"
    )
    return site.client(config)


def test_the_next_group_is_alerted_when_nobody_accepts_in_time(
    site: Site, hub: HubProcess, kiosk_client: HubClient, staff_client: HubClient
) -> None:
    _with_control_after(site, 2)
    control = _control(site)
    first, second = listen(staff_client), listen(control)
    ticket_id = new_ticket_id()
    kiosk_client.submit_ticket(
        kiosk_client.site(), ticket_id, TicketBody(Category.LOST, Urgency.NORMAL, "en")
    )
    assert [t["id"] for t in _tickets(first, 1.0)] == [ticket_id]  # the first step at once
    assert _tickets(second, 1.0) == []  # the control room not yet
    escalated = _tickets(second, 4.0)
    assert [t["id"] for t in escalated] == [ticket_id]
    assert control.open_ticket(escalated[0]).body.category is Category.LOST


def test_an_accepted_ticket_is_not_escalated(
    site: Site, hub: HubProcess, kiosk_client: HubClient, staff_client: HubClient
) -> None:
    _with_control_after(site, 2)
    control = _control(site)
    second = listen(control)
    ticket_id = new_ticket_id()
    kiosk_client.submit_ticket(
        kiosk_client.site(), ticket_id, TicketBody(Category.LOST, Urgency.NORMAL, "en")
    )
    staff_client.act(ticket_id, "accept", 2)
    assert [t for t in _tickets(second, 4.0) if t["state"] != "accepted"] == []


def test_urgent_categories_alert_every_group_at_once(
    site: Site, hub: HubProcess, kiosk_client: HubClient
) -> None:
    second = listen(_control(site))  # the sample site routes medical_now to both at 0 s
    ticket_id = new_ticket_id()
    kiosk_client.submit_ticket(
        kiosk_client.site(), ticket_id, TicketBody(Category.MEDICAL_NOW, Urgency.URGENT, "en")
    )
    assert [t["id"] for t in _tickets(second, 1.5)] == [ticket_id]


def test_an_alert_whose_copies_could_not_be_read_goes_out_on_the_next_tick(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    _with_control_after(site, 1)
    hub = Hub(site.layout.hub_settings())
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
            await hub.escalator.run_once()
        await hub.escalator.run_once()
        await hub.escalator.run_once()  # sent once: nothing again

    asyncio.run(three_ticks())
    # "watcher" is no device of the manifest: the hub ends its stream ("revoked")
    # when it loads the site; only the ticket alerts count here.
    sent = [e for e in alerts.pending if isinstance(e, TicketChanged)]
    assert [a.ticket.id for a in sent] == [ticket.id]
    assert sent[0].audience.groups == {"central-control"}
    assert sent[0].sealed == {"staff-anna": base64.b64encode(b"sealed copy").decode()}
    hub.store.close_loop_reader()
    hub.store.engine.dispose()
