"""GET /v1/events is answered ahead of the router (kiosk/hub/streams_first.py):
the answers are the route's, whatever the call; other methods still reach the
route. In-process, on the hub's ASGI app."""

from __future__ import annotations

import asyncio
import time

from kiosk.hub.events import Broker
from tests.conftest import Site
from tests.in_process_hub import FakeClock, InProcessHub, _call


def test_the_event_stream_answers_as_its_route_did(site: Site) -> None:
    hub = InProcessHub(site.layout, FakeClock(time.time()))
    broker: Broker = hub.hub.broker
    try:
        unsigned = asyncio.run(_call(hub.app, "GET", "/v1/events", {}, b""))
        by_route = asyncio.run(_call(hub.app.router, "GET", "/v1/events", {}, b""))
        assert unsigned.status_code == 401
        assert unsigned == by_route
        posted = hub.call(site.kiosk, "POST", "/v1/events", {})
        assert posted.status_code == 405
        assert posted.json()["error"] == "method_not_allowed"
        # A signed one streams, and ends with its connection (here at once).
        answer = hub.call(site.kiosk, "GET", "/v1/events")
        assert answer.status_code == 200
        assert broker.streams_of(site.kiosk.device_id) == 0
        # Any other path is the router's, as before (its redirect to the path without "/").
        assert hub.call(site.kiosk, "GET", "/v1/events/").status_code == 307
    finally:
        hub.close()
