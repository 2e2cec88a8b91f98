"""Clients against the hub in this process (`create_hub` behind an
AsgiTransport): the signed protocol end to end, with no socket and no hub
process. TLS, kept connections and the real server stay with the tests that
start a hub (test_client_tls.py and the rest)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from kiosk.client import HubClient
from kiosk.client.in_process import AsgiTransport
from kiosk.client.transport import HubRequest
from kiosk.core.body import TicketBody
from kiosk.core.categories import Category, Urgency
from kiosk.core.errors import HubRefused
from kiosk.core.ticket import new_ticket_id
from kiosk.crypto import DeviceKeys
from kiosk.hub.app import create_hub
from tests.conftest import Site


@pytest.fixture
def transport(site: Site) -> Iterator[AsgiTransport]:
    with AsgiTransport(create_hub(site.layout.hub_settings())) as transport:
        yield transport


@pytest.fixture
def kiosk(site: Site, transport: AsgiTransport) -> Iterator[HubClient]:
    client = HubClient(site.kiosk, DeviceKeys.load(site.kiosk.directory), transport)
    yield client
    client.close()


@pytest.fixture
def staff(site: Site, transport: AsgiTransport) -> Iterator[HubClient]:
    client = HubClient(site.staff, DeviceKeys.load(site.staff.directory), transport)
    yield client
    client.close()


def _submit(kiosk: HubClient) -> str:
    ticket_id = new_ticket_id()
    body = TicketBody(Category.UNWELL, Urgency.NORMAL, "ar", ("sit_down", "in_pain"))
    kiosk.submit_ticket(kiosk.site(), ticket_id, body)
    return ticket_id


def test_a_request_is_sent_opened_accepted_and_read_back(
    kiosk: HubClient, staff: HubClient
) -> None:
    ticket_id = _submit(kiosk)

    view = staff.call("GET", f"/v1/tickets/{ticket_id}")
    opened = staff.open_ticket(view)
    assert opened.body.details == ("sit_down", "in_pain")
    assert opened.body.language == "ar"
    staff.act(ticket_id, "accept", 4)

    seen = kiosk.ticket(ticket_id)
    assert seen["id"] == ticket_id
    assert seen["state"] == "accepted"
    assert seen["eta_minutes"] == 4
    assert "sealed" not in seen  # a kiosk is not sent its own sealed copy back


def test_the_manifest_is_verified_and_kept_until_it_changes(kiosk: HubClient) -> None:
    first = kiosk.site()
    assert kiosk.site() is first  # the hub answered 304: the verified one is kept
    assert first.device("kiosk-p3") is not None


def test_refusals_carry_the_hubs_code(kiosk: HubClient, staff: HubClient) -> None:
    ticket_id = _submit(kiosk)
    with pytest.raises(HubRefused) as refused:
        kiosk.call("POST", f"/v1/tickets/{ticket_id}/accept", {"eta_minutes": 2})
    assert refused.value.status == 403
    with pytest.raises(HubRefused) as unsigned:
        staff.call("GET", f"/v1/tickets/{ticket_id}", signed=False)
    assert unsigned.value.status == 401
    with pytest.raises(HubRefused) as missing:
        staff.call("GET", f"/v1/tickets/{new_ticket_id()}")
    assert (missing.value.status, missing.value.code) == (404, "no_such_ticket")


def test_the_event_stream_sends_the_snapshot_then_live_tickets(
    kiosk: HubClient, staff: HubClient
) -> None:
    waiting = _submit(kiosk)
    events = staff.events()
    snapshot: list[dict[str, Any]] = []
    for event in events:
        if event["type"] == "synced":
            break
        snapshot.append(event)
    assert [e["ticket"]["id"] for e in snapshot if e["type"] == "ticket"] == [waiting]

    pushed = _submit(kiosk)
    event = next(e for e in events if e["type"] == "ticket")
    assert event["ticket"]["id"] == pushed
    assert staff.open_ticket(event["ticket"]).body.language == "ar"
    events.close()  # hangs up; the transport goes on serving calls
    assert staff.ticket(pushed)["state"] == "submitted"


def test_redirects_are_refused_not_followed(site: Site) -> None:
    async def redirecting(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        headers = [(b"location", b"https://elsewhere.example/")]
        await send({"type": "http.response.start", "status": 307, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    with AsgiTransport(redirecting) as transport:
        answer = transport.send(HubRequest("GET", "/v1/duty"))
        assert (answer.status_code, answer.headers["location"]) == (
            307,
            "https://elsewhere.example/",
        )
        client = HubClient(site.kiosk, DeviceKeys.load(site.kiosk.directory), transport)
        with pytest.raises(HubRefused) as refused:
            client.call("GET", "/v1/duty")
        assert (refused.value.status, refused.value.code) == (307, "redirect")
