"""A captured, signed `POST /v1/tickets` is refused after the hub restarts on the
same SQLite data directory: nonces of state-changing calls are stored with the
data, not only in the hub process's memory (issue 25, finding 7)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from kiosk.client import HubClient
from kiosk.core.body import TicketBody
from kiosk.core.categories import Category, Urgency
from kiosk.core.errors import HubRefused
from kiosk.core.ticket import new_ticket_id
from tests.conftest import HubProcess, Site, start_hub


class _Recorder:
    """Wraps a client's session: keeps a copy of every request it sends."""

    def __init__(self, client: HubClient) -> None:
        self.sent: list[requests.PreparedRequest] = []
        self._send = client._session.send
        client._session.send = self  # type: ignore[method-assign]

    def __call__(self, request: requests.PreparedRequest, **kw: object) -> requests.Response:
        self.sent.append(request.copy())
        return self._send(request, **kw)  # type: ignore[arg-type]


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
    kiosk, staff = site.client(site.kiosk), site.client(site.staff)
    recorder = _Recorder(kiosk)
    ticket_id = new_ticket_id()
    kiosk.submit_ticket(
        kiosk.site(), ticket_id, TicketBody(Category.UNWELL, Urgency.NORMAL, "en", ())
    )
    staff.act(ticket_id, "accept", 2)
    staff.act(ticket_id, "resolve")  # purged: the id is free again on the hub
    (captured,) = [r for r in recorder.sent if r.method == "POST" and r.path_url == "/v1/tickets"]
    kiosk.close()
    staff.close()

    restartable[0].process.kill()  # no clean stop: a hostile admin needs none
    restartable[0].process.wait(10)
    restartable.append(start_hub(site.layout, site.port))

    session = requests.Session()
    session.trust_env = False
    replay = session.send(captured, verify=str(site.layout.operator / "ca.pem"), timeout=10)
    assert replay.status_code == 401, replay.text
    assert replay.json()["error"] == "replay"
    again = site.client(site.staff)
    with pytest.raises(HubRefused) as refused:  # and no old request is open again
        again._json("GET", f"/v1/tickets/{ticket_id}")
    again.close()
    assert refused.value.status == 404
