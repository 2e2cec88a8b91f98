"""No malformed ciphertext, manifest, signature or body makes a component crash:
each is refused with the one exception the API documents for it."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.core.body import TicketBody
from kiosk.core.errors import BadSignature, CannotOpen, CryptoError, InvalidTicketBody, SiteError
from kiosk.core.site import Site
from kiosk.crypto import (
    DeviceKeys,
    SiteKey,
    open_ticket,
    sign_manifest,
    verify_manifest,
    verify_request,
)
from kiosk.crypto.keys import hpke_public_key
from kiosk.operator import sample_site

KEYS = DeviceKeys.generate()
SITE_KEY = SiteKey.generate()

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=20,
)


@given(st.binary(max_size=2400))
def test_any_bytes_as_a_sealed_copy_are_refused_cleanly(blob: bytes) -> None:
    with pytest.raises(CannotOpen):
        open_ticket(blob, KEYS, b"binding")


@given(st.sampled_from([1, 2]), st.binary(max_size=1400))
def test_sealed_copies_with_a_valid_suite_byte_are_refused_cleanly(tag: int, blob: bytes) -> None:
    with pytest.raises(CannotOpen):
        open_ticket(bytes([tag]) + blob, KEYS, b"binding")


@given(st.binary(max_size=1300))
def test_any_bytes_as_a_recipient_key_are_refused_cleanly(blob: bytes) -> None:
    with pytest.raises(CryptoError):
        hpke_public_key(blob)


@given(json_values)
def test_any_json_as_a_signed_manifest_is_refused_cleanly(doc: Any) -> None:
    with pytest.raises((BadSignature, SiteError)):
        verify_manifest(doc, SITE_KEY.public)


@settings(max_examples=200)
@given(json_values, st.sampled_from(sorted(sample_site().to_document())))
def test_a_validly_signed_but_malformed_manifest_is_refused_cleanly(value: Any, field: str) -> None:
    """Even the operator's own key cannot make a device crash with a broken manifest."""
    doc = sample_site().to_document()
    doc[field] = value
    signed = sign_manifest(SITE_KEY, doc)
    with contextlib.suppress(BadSignature, SiteError):
        Site.from_document(verify_manifest(signed, SITE_KEY.public))


@given(st.text(max_size=120), st.binary(max_size=200))
def test_any_signature_text_is_refused_cleanly(signature: str, message: bytes) -> None:
    with pytest.raises(BadSignature):
        verify_request(KEYS.sign_public, message, signature)


@given(st.binary(max_size=600))
def test_any_bytes_as_a_ticket_body_are_refused_cleanly(blob: bytes) -> None:
    with contextlib.suppress(InvalidTicketBody):
        TicketBody.from_bytes(blob)


@given(json_values)
def test_any_json_as_a_ticket_body_is_refused_cleanly(doc: Any) -> None:
    import json

    with contextlib.suppress(InvalidTicketBody):
        TicketBody.from_bytes(json.dumps(doc).encode())
