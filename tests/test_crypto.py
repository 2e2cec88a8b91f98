"""Sealing, request signatures and the signed manifest."""

from __future__ import annotations

import dataclasses

import pytest

from kiosk.core.body import TicketBody, binding_bytes
from kiosk.core.categories import Category, Urgency
from kiosk.core.errors import BadSignature, CannotOpen
from kiosk.crypto import (
    DeviceKeys,
    SiteKey,
    open_ticket,
    seal_ticket,
    sign_manifest,
    sign_request,
    verify_manifest,
    verify_request,
)
from kiosk.crypto.signing import request_message
from kiosk.operator import sample_site


def _binding(category: Category = Category.UNWELL) -> bytes:
    return binding_bytes("a" * 32, "central-p3", category, Urgency.NORMAL)


def test_each_recipient_opens_its_own_copy() -> None:
    anna, ben = DeviceKeys.generate(), DeviceKeys.generate()
    body = TicketBody(Category.UNWELL, Urgency.NORMAL, "ar", ("sit_down",), "free text").to_bytes()
    sealed = seal_ticket(body, {"anna": anna.hpke_public, "ben": ben.hpke_public}, _binding())
    assert open_ticket(sealed["anna"], anna, _binding()) == body
    assert open_ticket(sealed["ben"], ben, _binding()) == body
    assert body not in sealed["anna"]
    with pytest.raises(CannotOpen):
        open_ticket(sealed["anna"], ben, _binding())


def test_a_hub_that_changes_the_routing_metadata_breaks_the_seal() -> None:
    anna = DeviceKeys.generate()
    sealed = seal_ticket(b"body", {"anna": anna.hpke_public}, _binding(Category.UNWELL))
    with pytest.raises(CannotOpen):
        open_ticket(sealed["anna"], anna, _binding(Category.LOST))


def test_keys_survive_a_save_and_load(tmp_path: object) -> None:
    from pathlib import Path

    directory = Path(str(tmp_path))
    keys = DeviceKeys.generate()
    keys.save(directory)
    assert (directory / "identity.key").stat().st_mode & 0o777 == 0o600
    loaded = DeviceKeys.load(directory)
    assert (loaded.sign_public, loaded.hpke_public) == (keys.sign_public, keys.hpke_public)


def test_request_signatures_cover_method_path_and_body() -> None:
    keys = DeviceKeys.generate()
    headers = sign_request(keys, "kiosk-1", "POST", "/v1/tickets", b'{"a":1}')
    message = request_message(
        "POST", "/v1/tickets", headers["Kiosk-Timestamp"], headers["Kiosk-Nonce"], b'{"a":1}'
    )
    verify_request(keys.sign_public, message, headers["Kiosk-Signature"])
    for changed in (
        request_message(
            "POST", "/v1/tickets", headers["Kiosk-Timestamp"], headers["Kiosk-Nonce"], b'{"a":2}'
        ),
        request_message(
            "GET", "/v1/tickets", headers["Kiosk-Timestamp"], headers["Kiosk-Nonce"], b'{"a":1}'
        ),
    ):
        with pytest.raises(BadSignature):
            verify_request(keys.sign_public, changed, headers["Kiosk-Signature"])


def test_manifest_signed_by_another_key_or_older_is_refused() -> None:
    site_key, impostor = SiteKey.generate(), SiteKey.generate()
    doc = dataclasses.replace(sample_site(), version=5).to_document()
    signed = sign_manifest(site_key, doc)
    assert verify_manifest(signed, site_key.public, min_version=5) == doc
    with pytest.raises(BadSignature):
        verify_manifest(sign_manifest(impostor, doc), site_key.public)
    with pytest.raises(BadSignature, match="older"):
        verify_manifest(signed, site_key.public, min_version=6)
    tampered = {"manifest": {**doc, "emergency_number": "999"}, "signature": signed["signature"]}
    with pytest.raises(BadSignature):
        verify_manifest(tampered, site_key.public)


def test_staff_replies_are_sealed_to_the_kiosk_and_cannot_pass_as_tickets() -> None:
    from kiosk.crypto import open_reply, seal_reply

    kiosk = DeviceKeys.generate()
    reply = seal_reply(b'{"phrase":"on_my_way"}', kiosk.hpke_public, _binding())
    assert open_reply(reply, kiosk, _binding()) == b'{"phrase":"on_my_way"}'
    with pytest.raises(CannotOpen):
        open_ticket(reply, kiosk, _binding())  # another purpose string: not a ticket
    with pytest.raises(CannotOpen):
        open_reply(reply, DeviceKeys.generate(), _binding())
