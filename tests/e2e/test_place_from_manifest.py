"""Where staff are sent comes from the operator-signed manifest, not from the hub.

The hub adds a station name and a place label to every ticket view; a hostile
hub could send staff to the wrong platform while the traveller waits. The
console renders the place from the verified manifest by the location id that
is sealed with the request.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.core.body import TicketBody
from kiosk.core.categories import Category, Urgency
from kiosk.core.ticket import new_ticket_id
from tests.app_driver import AppDriver
from tests.conftest import HubProcess, Site, start_hub
from tests.hostile_hub import FAKE_LABEL, FAKE_STATION

pytestmark = pytest.mark.usefixtures("display")


@pytest.fixture
def lying_hub(site: Site) -> Iterator[HubProcess]:
    process = start_hub(site.layout, site.port, program=("tests.hostile_hub",))
    try:
        yield process
    finally:
        process.stop()


def test_the_console_shows_the_signed_place_whatever_the_hub_says(
    site: Site, lying_hub: HubProcess, tmp_path: Path
) -> None:
    staff = AppDriver("staff", site.staff.directory, "900x1000", tmp_path / "staff.log")
    kiosk = site.client(site.kiosk)
    try:
        staff.wait_until(lambda s: s["connected"], "staff console connected")
        ticket_id = new_ticket_id()
        kiosk.submit_ticket(
            kiosk.site(), ticket_id, TicketBody(Category.LOST, Urgency.NORMAL, "en")
        )
        lie = site.client(site.staff).call("GET", f"/v1/tickets/{ticket_id}")
        assert lie["location_label"] == FAKE_LABEL  # the hub does lie in its views

        state = staff.wait_until(lambda s: len(s["cards"]) == 1, "the request on the console")
        texts = [*state["texts"], state["cards"][0]["location"]]
        assert "Central Station · Platform 3, north stairs" in state["cards"][0]["location"]
        assert any("New help request at Platform 3, north stairs" in t for t in state["texts"])
        assert not any(FAKE_LABEL in t or FAKE_STATION in t for t in texts)
    finally:
        kiosk.close()
        staff.close()
