"""A captured, signed `POST /v1/tickets` is refused after the hub restarts on the
same SQLite data directory: nonces of state-changing calls are stored with the
data, not only in the hub process's memory (issue 25, finding 7)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kiosk.client import DeviceConfig, HubClient
from kiosk.client.transport import HubRequest, HubResponse, TlsTransport
from kiosk.core.body import TicketBody
from kiosk.core.categories import Category, Urgency
from kiosk.core.errors import HubRefused
from kiosk.core.ticket import new_ticket_id
from kiosk.crypto import DeviceKeys
from tests.conftest import HubProcess, Site, start_hub


class _Recorder:
    """A device's network transport that keeps every request it sends, as sent."""

    def __init__(self, config: DeviceConfig) -> None:
        self.sent: list[HubRequest] = []
        self.network = TlsTransport(config.hub_url, config.ca_file)

    def send(self, request: HubRequest) -> HubResponse:
        self.sent.append(request)
        return self.network.send(request)


@pytest.fixture
def restartable(site: Site) -> Iterator[list[HubProcess]]:
    hubs = [start_hub(site.layout, site.port)]
    try:
        yield hubs
    finally:
        for hub in hubs:
            hub.stop()


def test_a_captured_ticket_post_is_refused_after_a_hub_restart(
    site: Site, restartable: list[HubProcess]
) -> None:
    recorder = _Recorder(site.kiosk)
    kiosk = HubClient(site.kiosk, DeviceKeys.load(site.kiosk.directory), recorder)
    staff = site.client(site.staff)
    ticket_id = new_ticket_id()
    kiosk.submit_ticket(
        kiosk.site(), ticket_id, TicketBody(Category.UNWELL, Urgency.NORMAL, "en", ())
    )
    staff.act(ticket_id, "accept", 2)
    staff.act(ticket_id, "resolve")  # purged: the id is free again on the hub
    (captured,) = [r for r in recorder.sent if r.method == "POST" and r.path == "/v1/tickets"]
    kiosk.close()
    recorder.network.close()
    staff.close()

    restartable[0].process.kill()  # no clean stop: a hostile admin needs none
    restartable[0].process.wait(10)
    restartable.append(start_hub(site.layout, site.port))

    network = TlsTransport(site.kiosk.hub_url, site.kiosk.ca_file)
    replay = network.send(captured)  # the same signed bytes, sent again
    network.close()
    assert replay.status_code == 401, replay.read()
    assert replay.json()["error"] == "replay"
    again = site.client(site.staff)
    with pytest.raises(HubRefused) as refused:  # and no old request is open again
        again.ticket(ticket_id)
    again.close()
    assert refused.value.status == 404
