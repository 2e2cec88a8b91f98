"""The real staff console with short epochs: it publishes an in-memory epoch
key, opens a request sealed to it, and once the request is resolved and the
epoch over no longer holds the key, so no copy of that request opens again."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from kiosk.client import HubClient
from kiosk.client.epoch_keys import verified_epoch_keys
from kiosk.core.body import TicketBody
from kiosk.core.categories import Category, Urgency
from kiosk.core.errors import CannotOpen
from kiosk.core.ticket import new_ticket_id
from kiosk.crypto import sealed_key_id
from tests.app_driver import AppDriver
from tests.conftest import HubProcess, Site
from tests.waiting import wait_until

pytestmark = pytest.mark.usefixtures("display")


def test_the_console_reads_with_its_epoch_key_and_destroys_it_after_resolve(
    site: Site, hub: HubProcess, tmp_path: Path, kiosk_client: HubClient, staff_client: HubClient
) -> None:
    staff = AppDriver(
        "staff",
        site.staff.directory,
        "900x1000",
        tmp_path / "staff.log",
        env={"KIOSK_TEST_EPOCH_SECONDS": "3"},
    )
    try:
        staff.wait_until(lambda s: s["connected"], "staff console connected")
        published = wait_until(
            lambda: dict(
                verified_epoch_keys(kiosk_client.site(), kiosk_client.call("GET", "/v1/epoch-keys"))
            ),
            "the console's epoch key at the hub",
            10,
            every=0.2,  # each look is a call the hub counts
        )
        assert set(published) == {"staff-anna"}

        ticket_id = new_ticket_id()
        body = TicketBody(Category.LOST, Urgency.NORMAL, "ja", ("wheelchair",))
        kiosk_client.submit_ticket(kiosk_client.site(), ticket_id, body)
        staff.wait_until(
            lambda s: len(s["cards"]) == 1 and s["cards"][0]["details"], "details on the card"
        )
        view = staff_client.call("GET", f"/v1/tickets/{ticket_id}")
        sealed = base64.b64decode(view["sealed"])
        key_id = sealed_key_id(sealed)
        assert key_id is not None
        assert key_id.hex() in staff.call("key_ring")["held"]

        staff.press(card=0, id="accept")
        staff.wait_until(lambda s: s["cards"] and s["cards"][0]["accepted"], "accepted")
        staff.press(card=0, id="resolve")
        staff.wait_until(lambda s: not s["cards"], "resolved")
        held = staff.wait_until(
            lambda _s: key_id.hex() not in staff.call("key_ring")["held"], "epoch key destroyed"
        )
        assert held is not None
        assert staff.call("key_ring")["held"], "a new epoch key receives new requests"
        # Only the named key opened it; the long-term key on the device's disk does not.
        with pytest.raises(CannotOpen):
            staff_client.open_ticket(view)
        assert "event=epoch_key.destroyed" in (tmp_path / "staff.log").read_text()
    finally:
        staff.close()
