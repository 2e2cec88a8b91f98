"""Forward secrecy against a hostile hub (issue 25, finding 6).

A hub cannot make kiosks give up on epoch keys by withholding them, cannot get
a console to open a copy sealed to its long-term key after it began publishing
epoch keys, and cannot keep an old epoch key alive by showing a made-up
request that names it: every key has a hard end.
"""

from __future__ import annotations

import base64
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from kiosk.client import HubClient
from kiosk.core.body import TicketBody, binding_bytes
from kiosk.core.categories import Category, Urgency
from kiosk.core.errors import CannotOpen, DowngradedSeal, SiteError
from kiosk.core.site import DeviceRole
from kiosk.core.ticket import new_ticket_id
from kiosk.crypto import DeviceKeys, EphemeralKey, open_ticket, seal_ticket, sealed_key_id
from kiosk.operator import enrol_local_device
from kiosk.staff.inbox import StaffInbox
from kiosk.staff.key_ring import KeyRing, needed_key_ids, open_request
from tests.conftest import HubProcess, Site
from tests.test_forward_secrecy_hub import Console
from tests.waiting import wait_until


def _view(ticket_id: str, sealed: bytes) -> dict[str, Any]:
    return {
        "id": ticket_id,
        "category": "unwell",
        "urgency": "normal",
        "location_id": "central-p3",
        "created_at": 1.0,
        "state": "submitted",
        "sealed": base64.b64encode(sealed).decode(),
    }


def test_a_made_up_request_naming_an_old_key_does_not_keep_it() -> None:
    ring = KeyRing("anna", epoch_seconds=100)
    (public,) = ring.rotate(1000.0)
    ring.mark_published(public.key_id)
    real_id, fake_id = "a" * 32, "b" * 32

    def open_body(view: dict[str, Any]) -> Any:
        binding = binding_bytes(str(view["id"]), "central-p3", Category.UNWELL, Urgency.NORMAL)
        try:
            open_ticket(
                base64.b64decode(view["sealed"]), DeviceKeys.generate(), binding, ring.held()
            )
        except CannotOpen:
            return None
        return TicketBody(Category.UNWELL, Urgency.NORMAL, "de")

    inbox = StaffInbox(open_body)
    binding = binding_bytes(real_id, "central-p3", Category.UNWELL, Urgency.NORMAL)
    sealed = seal_ticket(b"x", {"a": public.public}, binding, key_ids={"a": public.key_id})["a"]
    inbox.apply({"type": "ticket", "ticket": _view(real_id, sealed)})
    assert inbox.items[real_id].body is not None
    assert needed_key_ids(inbox) == {public.key_id}  # a real open request keeps it
    inbox.apply({"type": "ticket", "ticket": dict(_view(real_id, sealed), state="resolved")})

    # The hub shows a request that names the old key but never opened with it:
    # the real copy under another id, and one sealed to another key relabelled.
    other = EphemeralKey()
    relabelled = seal_ticket(b"x", {"a": other.public}, binding, key_ids={"a": other.key_id})["a"]
    relabelled = relabelled[:1] + public.key_id + relabelled[17:]
    inbox.apply({"type": "ticket", "ticket": _view(fake_id, sealed)})
    inbox.apply({"type": "ticket", "ticket": _view("c" * 32, relabelled)})
    assert {sealed_key_id(base64.b64decode(i.view.sealed or "")) for i in inbox.items.values()} == {
        public.key_id
    }
    assert all(item.body is None for item in inbox.items.values())
    assert needed_key_ids(inbox) == set()
    assert ring.sweep(1100.0, needed_key_ids(inbox)) == 1
    assert ring.held() == {}


def test_an_epoch_key_dies_at_its_hard_end_whatever_the_inbox_holds() -> None:
    ring = KeyRing("anna", epoch_seconds=100)
    ring.open_seconds = 600.0  # the manifest's request_expiry_seconds
    (public,) = ring.rotate(1000.0)
    key = ring.held()[public.key_id]
    needed = {public.key_id}  # the hub keeps showing a request that opened with it
    # A request sent just before the window closed may be open until it expires.
    assert ring.sweep(1100.0 + 600.0, needed) == 0
    assert ring.sweep(1100.0 + 600.0 + 300.0, needed) == 1
    assert key.destroyed
    # However long a manifest lets requests stay open, a day past the epoch at most.
    ring = KeyRing("anna", epoch_seconds=100)
    ring.open_seconds = ring.grace_seconds = 10**9
    (public,) = ring.rotate(1000.0)
    assert ring.sweep(1100.0 + 24 * 3600 + 300.0, {public.key_id}) == 1


def test_a_current_key_is_published_again() -> None:
    ring = KeyRing("anna", epoch_seconds=8 * 3600)
    (public,) = ring.rotate(1000.0)
    ring.mark_published(public.key_id)
    assert ring.rotate(1500.0) == []
    # Ten minutes on, the hub gets it again (it may have lost it, and kiosks
    # that know this console publishes keys seal nothing to it meanwhile).
    assert [k.key_id for k in ring.rotate(1600.0)] == [public.key_id]
    ring.destroy_all()


def test_long_term_copies_are_refused_from_a_clock_slack_after_the_first_key() -> None:
    ring = KeyRing("anna", epoch_seconds=8 * 3600)
    assert not ring.refuses_long_term(5000.0)  # never published: an older kiosk's copy is fine
    (public,) = ring.rotate(1000.0)
    assert not ring.refuses_long_term(5000.0)  # made, but the hub has not taken it
    ring.mark_published(public.key_id, 1000.0)
    # Copies sent before the console published, or within the clocks' slack, open.
    assert not ring.refuses_long_term(900.0)
    assert not ring.refuses_long_term(1300.0)
    assert ring.refuses_long_term(1301.0)
    ring.destroy_all()


def _withhold_epoch_keys(site: Site, client: HubClient) -> None:
    """What a hostile hub does: serve no epoch key to anyone (the hub answers
    from the keys it read lately for up to KEPT_SECONDS: waited out)."""
    with sqlite3.connect(site.layout.hub / "hub.db") as conn:
        conn.execute("DELETE FROM epoch_keys")
    conn.close()
    wait_until(lambda: client.call("GET", "/v1/epoch-keys")["keys"] == [], "no key served")


def _copies(db: Path, ticket_id: str) -> dict[str, bytes]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        rows = conn.execute(
            "SELECT recipient_id, ciphertext FROM sealed_copies WHERE ticket_id = ?", (ticket_id,)
        ).fetchall()
    conn.close()
    return dict(rows)


def _submit(client: HubClient, language: str = "de") -> str:
    ticket_id = new_ticket_id()
    client.submit_ticket(
        client.site(), ticket_id, TicketBody(Category.LOST, Urgency.NORMAL, language)
    )
    return ticket_id


def test_a_kiosk_that_saw_a_console_publish_never_seals_to_its_long_term_key(
    site: Site, hub: HubProcess, kiosk_client: HubClient, staff_client: HubClient
) -> None:
    anna = Console(staff_client, 600)
    assert "staff-anna" in kiosk_client.epoch_keys(kiosk_client.site())
    _withhold_epoch_keys(site, kiosk_client)
    kiosk_client.epoch_cache.forget()  # as when its event stream reconnects

    # Anna is the route's only reader: no copy is sealed at all (the kiosk
    # shows where else to get help, and tries again).
    with pytest.raises(SiteError):
        _submit(kiosk_client)

    # Ben, a console never seen publishing an epoch key, gets a long-term copy;
    # Anna gets none, also after the kiosk restarted.
    enrol_local_device(
        site.layout, DeviceRole.STAFF, site.hub_url, group_id="central-staff", device_id="staff-ben"
    )
    restarted = site.client(site.kiosk)
    try:
        ticket_id = _submit(restarted)
        copies = _copies(site.layout.hub / "hub.db", ticket_id)
        assert set(copies) == {"staff-ben"}
        assert sealed_key_id(copies["staff-ben"]) is None
    finally:
        restarted.close()
    # Once the hub serves Anna's key again, she gets her copy, sealed to it.
    # (It publishes its current key again every ten minutes: here, at once.)
    anna.ring.mark_published(next(iter(anna.ring.held())), time.time() - 600)
    anna.publisher.publish_due()
    kiosk_client.epoch_cache.forget()
    ticket_id = _submit(kiosk_client)
    copies = _copies(site.layout.hub / "hub.db", ticket_id)
    assert sealed_key_id(copies["staff-anna"]) in anna.ring.held()
    anna.ring.destroy_all()


def test_a_console_refuses_a_long_term_copy_sent_after_it_published(
    site: Site, hub: HubProcess, kiosk_client: HubClient, staff_client: HubClient
) -> None:
    # The hub keeps Anna's key from a kiosk that never saw it: the kiosk seals
    # to her long-term key (it cannot tell her from a console without keys).
    anna = Console(staff_client, 600)
    anna.ring.published_since = int(time.time()) - 3600  # published an hour ago
    _withhold_epoch_keys(site, kiosk_client)
    ticket_id = _submit(kiosk_client, "fr")
    view = staff_client.ticket(ticket_id)
    assert sealed_key_id(base64.b64decode(view["sealed"])) is None
    with pytest.raises(DowngradedSeal):
        open_request(staff_client, anna.ring, view)
    assert "event=ticket.long_term_copy_refused" not in hub.log_text()
    # The staff still see the request (its place and kind), without its details,
    # and it keeps no key alive.
    inbox = StaffInbox(lambda v: None)
    inbox.apply({"type": "ticket", "ticket": view})
    assert inbox.items[ticket_id].body is None
    assert needed_key_ids(inbox) == set()
    # A console that never published an epoch key opens such a copy as before.
    fresh = KeyRing("staff-anna")
    assert open_request(staff_client, fresh, view).body.language == "fr"
    anna.ring.destroy_all()
