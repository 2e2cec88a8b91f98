"""Forward secrecy at a real hub: tickets sealed to consoles' epoch keys and
replies to the kiosk's per-ticket key; once the ticket is resolved and the
epoch over, no key any device still holds opens any copy captured meanwhile."""

from __future__ import annotations

import base64
import json
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from kiosk.client import HubClient
from kiosk.client.epoch_keys import verified_epoch_keys
from kiosk.client.replies import open_staff_reply, send_reply
from kiosk.core.body import TicketBody, binding_bytes
from kiosk.core.categories import Category, Urgency
from kiosk.core.errors import CannotOpen
from kiosk.core.reply import reply_binding
from kiosk.core.site import DeviceRole
from kiosk.core.ticket import new_ticket_id
from kiosk.crypto import (
    DeviceKeys,
    EphemeralKey,
    key_id_of,
    open_reply,
    open_ticket,
    sealed_key_id,
    sign_epoch_key,
)
from kiosk.operator import enrol_local_device
from kiosk.staff.inbox import StaffInbox
from kiosk.staff.key_ring import EpochPublisher, KeyRing, needed_key_ids
from tests.conftest import HubProcess, Site
from tests.hub_events import listen
from tests.test_hub_api import _error, _raw
from tests.waiting import wait_until

EPOCH_SECONDS = 2.0


class Console:
    """A staff console's key handling and inbox, without its Kivy screens."""

    def __init__(self, client: HubClient, epoch_seconds: float = EPOCH_SECONDS) -> None:
        self.client = client
        self.ring = KeyRing(client.config.device_id, epoch_seconds)
        self.publisher = EpochPublisher(client, self.ring, time.time)
        self.inbox = StaffInbox(lambda view: client.open_ticket(view, self.ring.held()).body)
        self.publisher.publish_due()

    def receive(self, ticket_id: str) -> dict[str, Any]:
        view: dict[str, Any] = self.client.call("GET", f"/v1/tickets/{ticket_id}")
        self.inbox.apply({"type": "ticket", "ticket": view})
        return view

    def resolve(self, ticket_id: str) -> dict[str, Any]:
        self.client.act(ticket_id, "accept", 3)
        view = self.client.act(ticket_id, "resolve")
        self.inbox.apply({"type": "ticket", "ticket": view})
        return view

    def tick(self, now: float | None = None) -> None:
        """What the console does every second: rotate, publish, destroy (the keys
        whose epoch has ended by `now`, by default the time it is)."""
        self.publisher.publish_due()
        self.ring.sweep(time.time() if now is None else now, needed_key_ids(self.inbox))

    def swept(self, key_ids: set[bytes]) -> bool:
        """A tick; whether none of `key_ids` is left."""
        self.tick()
        return not key_ids & set(self.ring.held())

    def held_keys(self) -> list[Any]:
        """Every key this device still has: long-term, and short-lived ones not destroyed."""
        return [self.client.keys, *self.ring.held().values()]


def assert_no_key_opens(
    ticket_copies: dict[str, tuple[bytes, bytes]],
    reply_copies: list[tuple[bytes, bytes]],
    keys: list[Any],
) -> None:
    """Each key, whichever way a copy is presented, fails: under the id it names,
    as a long-term copy, and as a reply (and a reply as a ticket)."""
    for sealed, binding in ticket_copies.values():
        for key in keys:
            named = {sealed_key_id(sealed) or b"": key}
            with pytest.raises(CannotOpen):
                open_ticket(sealed, key, binding, named)
            with pytest.raises(CannotOpen):
                open_ticket(bytes([sealed[0] & 0x7F]) + sealed[17:], key, binding)
    for sealed, binding in reply_copies:
        for key in keys:
            named = {sealed_key_id(sealed) or b"": key}
            with pytest.raises(CannotOpen):
                open_reply(sealed, key, binding, named)
            with pytest.raises(CannotOpen):
                open_reply(bytes([sealed[0] & 0x7F]) + sealed[17:], key, binding)


def _db_copies(db: Path) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """Sealed ticket copies and replies straight from the database file, as a disk copy."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        tickets = dict(conn.execute("SELECT ticket_id, ciphertext FROM sealed_copies").fetchall())
        replies = dict(conn.execute("SELECT ticket_id, ciphertext FROM replies").fetchall())
    conn.close()
    return tickets, replies


def test_epoch_keys_at_the_hub_are_signed_by_their_console(
    site: Site, hub: HubProcess, kiosk_client: HubClient, staff_client: HubClient
) -> None:
    console = Console(staff_client, epoch_seconds=600)
    doc = kiosk_client.call("GET", "/v1/epoch-keys")
    found = verified_epoch_keys(kiosk_client.site(), doc)
    assert set(found) == {"staff-anna"}
    assert found["staff-anna"].key_id in console.ring.held()

    now = int(time.time())
    keys = DeviceKeys.load(site.layout.device("staff-anna"))
    public = EphemeralKey().public

    def post(device: str, doc: dict[str, Any]) -> Any:
        return _raw(site, "POST", "/v1/epoch-keys", json.dumps(doc).encode(), device=device)

    def entry(nb: int, na: int, signer: DeviceKeys = keys, sign_as: str = "staff-anna") -> Any:
        signature = sign_epoch_key(signer, sign_as, "e2", nb, na, public)
        return {
            "epoch_id": "e2",
            "not_before": nb,
            "not_after": na,
            "public": base64.b64encode(public).decode(),
            "signature": base64.b64encode(signature).decode(),
        }

    _error(post("kiosk-p3", entry(now, now + 60)), 403, "staff_only")
    kiosk_keys = DeviceKeys.load(site.layout.device("kiosk-p3"))
    _error(post("staff-anna", entry(now, now + 60, signer=kiosk_keys)), 400, "bad_signature")
    _error(post("staff-anna", entry(now, now + 60, sign_as="staff-ben")), 400, "bad_signature")
    _error(post("staff-anna", entry(now - 100, now - 10)), 400, "bad_epoch_key")
    _error(post("staff-anna", entry(now, now + 10**7)), 400, "bad_epoch_key")
    _error(post("staff-anna", dict(entry(now, now + 60), public="%%%")), 400, "bad_epoch_key")
    _error(post("staff-anna", dict(entry(now, now + 60), epoch_id="../x")), 400, "bad_epoch_key")
    assert post("staff-anna", entry(now, now + 60)).status_code == 201
    # The newest valid key is the one kiosks seal to.
    found = verified_epoch_keys(kiosk_client.site(), kiosk_client.call("GET", "/v1/epoch-keys"))
    assert found["staff-anna"].key_id == key_id_of(public)
    console.ring.destroy_all()


def test_resolved_tickets_outlive_every_key_that_could_open_them(
    site: Site, hub: HubProcess, kiosk_client: HubClient, staff_client: HubClient
) -> None:
    console = Console(staff_client)
    first_key = next(iter(console.ring.held()))
    ticket_id = new_ticket_id()
    body = TicketBody(Category.UNWELL, Urgency.NORMAL, "ar", ("sit_down",), "أحتاج مساعدة")
    kiosk_client.submit_ticket(kiosk_client.site(), ticket_id, body)

    # The console reads it with its epoch key; the copy names that key.
    view = console.receive(ticket_id)
    sealed = base64.b64decode(view["sealed"])
    assert sealed_key_id(sealed) == first_key
    opened = console.inbox.items[ticket_id].body
    assert opened is not None
    assert opened.free_text == "أحتاج مساعدة"
    assert opened.reply_key == kiosk_client.reply_keys[ticket_id].public
    binding = binding_bytes(ticket_id, "central-p3", Category.UNWELL, Urgency.NORMAL)

    # Staff reply to the kiosk's per-ticket key, which only the sealed body carried.
    sent = send_reply(staff_client, view, "reply.stay_put", opened.reply_key)
    db_tickets, db_replies = _db_copies(site.layout.hub / "hub.db")
    reply_sealed = db_replies[ticket_id]
    assert sealed_key_id(reply_sealed) == kiosk_client.reply_keys[ticket_id].key_id
    reply_view = {
        "id": sent["id"],
        "ticket_id": ticket_id,
        "staff_id": "staff-anna",
        "sealed": base64.b64encode(reply_sealed).decode(),
    }
    assert open_staff_reply(kiosk_client, reply_view, ticket_id, "unwell").phrase == (
        "reply.stay_put"
    )
    reply_binding_bytes = reply_binding(ticket_id, sent["id"], "staff-anna")
    with pytest.raises(CannotOpen):  # the kiosk's long-term key alone cannot
        open_reply(reply_sealed, kiosk_client.keys, reply_binding_bytes)
    assert db_tickets[ticket_id] == sealed

    # Resolved during the epoch: the key stays until the epoch ends.
    console.resolve(ticket_id)
    kiosk_client.forget_reply_key(ticket_id)  # the kiosk's app does this when the ticket closes
    wait_until(lambda: console.swept({first_key}), "the epoch's end", 4 * EPOCH_SECONDS, every=0.2)
    assert console.ring.held(), "a new epoch key receives new requests"

    every_key = [
        *console.held_keys(),
        kiosk_client.keys,
        *kiosk_client.reply_keys.values(),
    ]
    assert_no_key_opens(
        {ticket_id: (sealed, binding)}, [(reply_sealed, reply_binding_bytes)], every_key
    )
    console.ring.destroy_all()


def test_an_open_ticket_keeps_its_key_past_the_epoch_until_it_is_resolved(
    site: Site, hub: HubProcess, kiosk_client: HubClient, staff_client: HubClient
) -> None:
    console = Console(staff_client)
    first_key = next(iter(console.ring.held()))
    ticket_id = new_ticket_id()
    kiosk_client.submit_ticket(
        kiosk_client.site(), ticket_id, TicketBody(Category.LOST, Urgency.NORMAL, "ja")
    )
    console.receive(ticket_id)
    past_the_epoch = time.time() + EPOCH_SECONDS + 1  # the ring takes the time it is told
    console.tick(past_the_epoch)
    assert first_key in console.ring.held()  # still needed by the open request
    view = staff_client.call("GET", f"/v1/tickets/{ticket_id}")
    assert staff_client.open_ticket(view, console.ring.held()).body.language == "ja"
    console.resolve(ticket_id)
    console.tick(past_the_epoch)
    assert first_key not in console.ring.held()
    with pytest.raises(CannotOpen):
        staff_client.open_ticket(view, console.ring.held())
    console.ring.destroy_all()


def test_a_restarted_console_cannot_open_old_tickets_its_colleague_can(
    site: Site, hub: HubProcess, kiosk_client: HubClient, staff_client: HubClient
) -> None:
    ben_config = enrol_local_device(
        site.layout, DeviceRole.STAFF, site.hub_url, group_id="central-staff", device_id="staff-ben"
    )
    ben_client = site.client(ben_config)
    try:
        anna, ben = Console(staff_client, 600), Console(ben_client, 600)
        ticket_id = new_ticket_id()
        kiosk_client.submit_ticket(
            kiosk_client.site(), ticket_id, TicketBody(Category.LOST, Urgency.NORMAL, "de")
        )
        anna.ring.destroy_all()  # a restart: the old epoch key is gone with the process
        restarted = Console(staff_client, 600)
        view = staff_client.call("GET", f"/v1/tickets/{ticket_id}")
        with pytest.raises(CannotOpen):
            staff_client.open_ticket(view, restarted.ring.held())
        assert ben.receive(ticket_id)["id"] == ticket_id
        assert ben.inbox.items[ticket_id].body is not None
        restarted.ring.destroy_all()
        ben.ring.destroy_all()
    finally:
        ben_client.close()


def test_without_an_epoch_key_a_request_is_sealed_to_the_long_term_key(
    site: Site, hub: HubProcess, kiosk_client: HubClient, staff_client: HubClient
) -> None:
    ticket_id = new_ticket_id()
    kiosk_client.submit_ticket(
        kiosk_client.site(), ticket_id, TicketBody(Category.LOST, Urgency.NORMAL, "fr")
    )
    view = staff_client.call("GET", f"/v1/tickets/{ticket_id}")
    assert sealed_key_id(base64.b64decode(view["sealed"])) is None
    assert staff_client.open_ticket(view).body.language == "fr"
    assert "event=ticket.sealed_long_term" not in hub.log_text()  # the kiosk logs it, not the hub


def test_a_kiosk_gets_the_keys_of_its_own_routes_only(
    site: Site, hub: HubProcess, kiosk_client: HubClient, staff_client: HubClient
) -> None:
    nora_config = enrol_local_device(
        site.layout, DeviceRole.STAFF, site.hub_url, group_id="north-staff", device_id="staff-nora"
    )
    nora_client = site.client(nora_config)
    try:
        anna, nora = Console(staff_client, 600), Console(nora_client, 600)
        kiosk_view = kiosk_client.call("GET", "/v1/epoch-keys")
        assert {k["device_id"] for k in kiosk_view["keys"]} == {"staff-anna"}
        staff_view = staff_client.call("GET", "/v1/epoch-keys")
        assert {k["device_id"] for k in staff_view["keys"]} == {"staff-anna", "staff-nora"}
        anna.ring.destroy_all()
        nora.ring.destroy_all()
    finally:
        nora_client.close()


def test_a_published_key_is_pushed_to_kiosks_which_keep_it(
    site: Site, hub: HubProcess, kiosk_client: HubClient, staff_client: HubClient
) -> None:
    first = Console(staff_client, 600)
    kiosk_site = kiosk_client.site()
    kept = kiosk_client.epoch_keys(kiosk_site)
    assert kept["staff-anna"].key_id in first.ring.held()

    listener = site.client(site.kiosk)
    events = listen(listener)
    first.ring.destroy_all()
    restarted = Console(staff_client, 600)  # a restart: a new key, published at once
    new_key_id = next(iter(restarted.ring.held()))
    pushed = events.get(timeout=10)
    assert pushed["type"] == "epoch_keys"
    assert pushed["key"]["device_id"] == "staff-anna"
    # The kiosk keeps the pushed key (checked against the manifest) without fetching.
    kiosk_client.epoch_cache.pushed(pushed["key"])
    assert kiosk_client.epoch_cache.get(kiosk_site)["staff-anna"].key_id == new_key_id
    # A pushed key the console did not sign is not kept.
    forged = dict(pushed["key"], public=base64.b64encode(EphemeralKey().public).decode())
    kiosk_client.epoch_cache.pushed(forged)
    assert kiosk_client.epoch_cache.get(kiosk_site)["staff-anna"].key_id == new_key_id
    listener.close()
    restarted.ring.destroy_all()
