"""A staff console opens a request only as old as the site lets requests live:
a hub replaying an older genuine one is refused (no hub process needed)."""

from __future__ import annotations

import base64
import dataclasses
import time
from typing import Any

import pytest

from kiosk.core.body import TicketBody, binding_bytes
from kiosk.core.categories import Category, Urgency
from kiosk.core.errors import BadSignature
from kiosk.core.ticket import new_ticket_id
from kiosk.crypto import DeviceKeys, seal_ticket, sign_ticket
from kiosk.operator.site_admin import current_site
from tests.conftest import Site as SiteFixture

_LIFETIME = 3600  # the site's request_expiry_seconds in these tests


def _view(site: SiteFixture, sent_at: int) -> dict[str, Any]:
    """A genuine kiosk's signed and sealed request, as a hub would serve it."""
    ticket_id = new_ticket_id()
    binding = binding_bytes(ticket_id, "central-p3", Category.UNWELL, Urgency.NORMAL)
    body = TicketBody(Category.UNWELL, Urgency.NORMAL, "en", sent_at=sent_at).to_bytes()
    signed = body + sign_ticket(DeviceKeys.load(site.kiosk.directory), "kiosk-p3", binding, body)
    staff_public = DeviceKeys.load(site.staff.directory).hpke_public
    sealed = seal_ticket(signed, {"staff-anna": staff_public}, binding)["staff-anna"]
    return {
        "id": ticket_id,
        "kiosk_id": "kiosk-p3",
        "location_id": "central-p3",
        "category": "unwell",
        "urgency": "normal",
        "sealed": base64.b64encode(sealed).decode(),
    }


def test_a_request_older_than_the_sites_request_lifetime_is_refused(site: SiteFixture) -> None:
    verified = current_site(site.layout)
    limits = dataclasses.replace(verified.limits, request_expiry_seconds=_LIFETIME)
    staff = site.client(site.staff)
    try:
        staff._site = dataclasses.replace(verified, limits=limits)  # as if verified from the hub
        now = int(time.time())
        assert staff.open_ticket(_view(site, now - _LIFETIME + 60)).body.sent_at > 0
        # Expired and deleted by the hub long ago: only a replay can bring it back.
        with pytest.raises(BadSignature, match="too old"):
            staff.open_ticket(_view(site, now - 2 * _LIFETIME))
        assert staff.max_ticket_age() < 2 * _LIFETIME
    finally:
        staff.close()
