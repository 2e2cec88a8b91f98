"""Forward secrecy: short-lived keys in memory, signed epoch keys, key ring, reply keys."""

from __future__ import annotations

import base64
import dataclasses
import time
from typing import Any

import pytest

from kiosk.client.epoch_keys import EpochPublicKey, verified_epoch_keys
from kiosk.core.body import TicketBody, binding_bytes
from kiosk.core.categories import Category, Urgency
from kiosk.core.errors import CannotOpen, InvalidTicketBody
from kiosk.core.site import DeviceRecord, DeviceRole
from kiosk.crypto import (
    DeviceKeys,
    EphemeralKey,
    open_reply,
    open_ticket,
    seal_reply,
    seal_ticket,
    sealed_key_id,
    sign_epoch_key,
)
from kiosk.operator import sample_site
from kiosk.staff.inbox import StaffInbox
from kiosk.staff.key_ring import KeyRing, escalation_grace, needed_key_ids


def _binding() -> bytes:
    return binding_bytes("a" * 32, "central-p3", Category.UNWELL, Urgency.NORMAL)


def _every_key_fails(sealed: bytes, keys: list[Any]) -> None:
    """No key opens `sealed`: not as named, not passed off as a long-term copy."""
    for key in keys:
        with pytest.raises(CannotOpen):
            open_ticket(sealed, key, _binding())
        as_long_term = bytes([sealed[0] & 0x7F]) + sealed[17:]
        with pytest.raises(CannotOpen):
            open_ticket(as_long_term, key, _binding())


@pytest.mark.parametrize("suite", ["MLKEM768_X25519", "X25519"])
def test_a_copy_sealed_to_an_epoch_key_opens_only_with_that_key(suite: str) -> None:
    device, epoch = DeviceKeys.generate(), EphemeralKey()
    sealed = seal_ticket(
        b"body", {"anna": epoch.public}, _binding(), suite, {"anna": epoch.key_id}
    )["anna"]
    assert sealed_key_id(sealed) == epoch.key_id
    assert open_ticket(sealed, device, _binding(), {epoch.key_id: epoch}) == b"body"
    # The long-term key alone cannot open it, whatever the copy is said to be.
    _every_key_fails(sealed, [device])
    # Another short-lived key under the right id does not open it either.
    other = EphemeralKey()
    with pytest.raises(CannotOpen):
        open_ticket(sealed, device, _binding(), {epoch.key_id: other})


def test_the_key_id_is_bound_into_the_seal() -> None:
    epoch, other = EphemeralKey(), EphemeralKey()
    sealed = seal_ticket(b"body", {"a": epoch.public}, _binding(), key_ids={"a": epoch.key_id})["a"]
    relabelled = sealed[:1] + other.key_id + sealed[17:]
    with pytest.raises(CannotOpen):
        open_ticket(relabelled, DeviceKeys.generate(), _binding(), {other.key_id: epoch})


def test_a_destroyed_key_opens_nothing_and_long_term_copies_still_work() -> None:
    device, epoch = DeviceKeys.generate(), EphemeralKey()
    sealed = seal_ticket(
        b"body",
        {"anna": epoch.public, "ben": device.hpke_public},
        _binding(),
        key_ids={"anna": epoch.key_id},
    )
    assert sealed_key_id(sealed["ben"]) is None
    assert open_ticket(sealed["ben"], device, _binding()) == b"body"  # older consoles
    epoch.destroy()
    assert epoch.destroyed
    with pytest.raises(CannotOpen):
        open_ticket(sealed["anna"], device, _binding(), {epoch.key_id: epoch})


def test_replies_sealed_to_a_reply_key_and_destroyed_with_it() -> None:
    kiosk, reply_key = DeviceKeys.generate(), EphemeralKey()
    sealed = seal_reply(b"phrase", reply_key.public, b"bind", key_id=reply_key.key_id)
    assert open_reply(sealed, kiosk, b"bind", {reply_key.key_id: reply_key}) == b"phrase"
    with pytest.raises(CannotOpen):
        open_reply(sealed, kiosk, b"bind")
    with pytest.raises(CannotOpen):  # a reply never passes as a ticket
        open_ticket(sealed, kiosk, b"bind", {reply_key.key_id: reply_key})
    reply_key.destroy()
    with pytest.raises(CannotOpen):
        open_reply(sealed, kiosk, b"bind", {reply_key.key_id: reply_key})


def test_ticket_body_carries_the_reply_key_and_still_parses_old_bodies() -> None:
    key = EphemeralKey()
    body = TicketBody(Category.UNWELL, Urgency.NORMAL, "ar", sent_at=5, reply_key=key.public)
    assert TicketBody.from_bytes(body.to_bytes()) == body
    old = dataclasses.replace(body, reply_key=b"")
    assert b"reply_key" not in old.to_bytes()
    assert TicketBody.from_bytes(old.to_bytes()).reply_key == b""
    with pytest.raises(InvalidTicketBody):
        TicketBody.from_bytes(old.to_bytes().replace(b'"v":1', b'"reply_key":"%%%","v":1'))


def _site_with(staff: dict[str, DeviceKeys]) -> Any:
    site = sample_site()
    for device_id, keys in staff.items():
        site = site.with_device(
            DeviceRecord(
                device_id,
                DeviceRole.STAFF,
                keys.sign_public,
                keys.hpke_public,
                None,
                "central-staff",
            )
        )
    return site


def _entry(
    keys: DeviceKeys, device_id: str, public: bytes, nb: int, na: int, signer_id: str | None = None
) -> dict[str, Any]:
    signature = sign_epoch_key(keys, signer_id or device_id, "e1", nb, na, public)
    return {
        "device_id": device_id,
        "epoch_id": "e1",
        "not_before": nb,
        "not_after": na,
        "public": base64.b64encode(public).decode(),
        "signature": base64.b64encode(signature).decode(),
    }


def test_kiosks_take_only_signed_current_epoch_keys_of_listed_staff() -> None:
    anna, ben, mallory = DeviceKeys.generate(), DeviceKeys.generate(), DeviceKeys.generate()
    site = _site_with({"anna": anna, "ben": ben})
    now = int(time.time())
    good, newer = EphemeralKey(), EphemeralKey()
    doc = {
        "keys": [
            _entry(anna, "anna", good.public, now - 10, now + 100),
            _entry(anna, "anna", newer.public, now - 5, now + 200),  # the newest wins
            # Forged by the hub (or anyone without ben's identity key):
            _entry(mallory, "ben", EphemeralKey().public, now - 10, now + 100),
            # Ben's key presented as Anna's:
            _entry(ben, "anna", EphemeralKey().public, now, now + 900, signer_id="ben"),
            # Expired, though genuinely signed:
            _entry(ben, "ben", EphemeralKey().public, now - 100, now - 1),
            # A device the manifest does not list:
            _entry(mallory, "mallory", EphemeralKey().public, now - 10, now + 100),
            {"device_id": "anna", "public": "%%%"},  # malformed
        ]
    }
    found = verified_epoch_keys(site, doc, now)
    assert set(found) == {"anna"}
    assert found["anna"].public == newer.public
    assert found["anna"].key_id == newer.key_id
    # A validity window altered after signing is refused.
    altered = _entry(ben, "ben", EphemeralKey().public, now - 10, now + 100)
    altered["not_after"] = now + 10**6
    assert verified_epoch_keys(site, {"keys": [altered]}, now) == {}
    assert verified_epoch_keys(site, "junk", now) == {}


def test_key_ring_rotates_before_the_end_and_destroys_ended_unneeded_keys() -> None:
    ring = KeyRing("anna", epoch_seconds=100)
    first = ring.rotate(1000.0)
    assert len(first) == 1
    assert isinstance(first[0], EpochPublicKey)
    assert (first[0].not_before, first[0].not_after) == (1000, 1100)
    ring.mark_published(first[0].key_id)
    assert ring.rotate(1050.0) == []
    nxt = ring.rotate(1080.0)  # within the lead time (25 s): the next epoch's key
    assert len(nxt) == 1
    assert nxt[0].key_id != first[0].key_id
    ring.mark_published(nxt[0].key_id)
    old = ring.held()[first[0].key_id]
    # Ended, but an open request still needs it: kept.
    assert ring.sweep(1100.0, {first[0].key_id}) == 0
    assert first[0].key_id in ring.held()
    # The request closed: destroyed.
    assert ring.sweep(1101.0, set()) == 1
    assert set(ring.held()) == {nxt[0].key_id}
    assert old.destroyed
    ring.destroy_all()
    assert ring.held() == {}


def test_needed_key_ids_are_those_of_open_requests() -> None:
    epoch = EphemeralKey()
    sealed = seal_ticket(b"x", {"a": epoch.public}, _binding(), key_ids={"a": epoch.key_id})["a"]
    # A request this console opened (one it could not open keeps no key).
    inbox = StaffInbox(lambda _view: TicketBody(Category.UNWELL, Urgency.NORMAL, "de"))
    view = {
        "id": "a" * 32,
        "category": "unwell",
        "urgency": "normal",
        "created_at": 1.0,
        "state": "submitted",
        "sealed": base64.b64encode(sealed).decode(),
    }
    inbox.apply({"type": "ticket", "ticket": view})
    assert needed_key_ids(inbox) == {epoch.key_id}
    inbox.apply({"type": "ticket", "ticket": dict(view, state="resolved")})
    assert needed_key_ids(inbox) == set()


def test_a_later_escalation_step_keeps_ended_keys_for_its_delay() -> None:
    site = sample_site()
    route = site.routes[0]
    steps = tuple(
        dataclasses.replace(st, after_seconds=600) if st.group_id == "central-control" else st
        for st in route.steps
    )
    site = dataclasses.replace(
        site, routes=(dataclasses.replace(route, steps=steps), *site.routes[1:])
    )
    site = site.with_device(
        DeviceRecord("lena", DeviceRole.STAFF, b"s" * 32, b"h" * 1216, None, "central-control")
    )
    assert escalation_grace(site, "lena") == 600.0
    assert escalation_grace(site, "nobody") == 0.0
    ring = KeyRing("lena", epoch_seconds=100)
    ring.grace_seconds = escalation_grace(site, "lena")
    (first,) = ring.rotate(1000.0)
    assert ring.sweep(1100.0, set()) == 0  # a request sent at 1099 is due here at 1699
    assert ring.sweep(1699.0, set()) == 0
    assert ring.sweep(1700.0, set()) == 1
    assert first.key_id not in ring.held()
