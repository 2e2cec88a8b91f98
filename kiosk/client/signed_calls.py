"""The pure parts of a device's calls to the hub: a signed call's bytes and
headers, and a kiosk's sealed request. No I/O and no state: the blocking
`HubClient` and the bench's asyncio fleet (kiosk/bench/aio_client.py) build
their calls with these same functions, so what the bench measures is what the
apps send."""

from __future__ import annotations

import base64
import dataclasses
import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

from kiosk.client.epoch_keys import EpochKeyCache
from kiosk.core.body import TicketBody, binding_bytes
from kiosk.core.errors import ManifestExpired, SiteError
from kiosk.core.site import DeviceRecord, Site
from kiosk.crypto import DeviceKeys, seal_ticket, sign_request, sign_ticket

__all__ = ["check_recipients", "sealed_ticket_doc", "signed_call", "ticket_readers"]

_LOG = logging.getLogger("kiosk.client")
_X25519_PUBLIC = 32


def signed_call(
    keys: DeviceKeys,
    device_id: str,
    method: str,
    path: str,
    body: Mapping[str, Any] | None = None,
    *,
    signed: bool = True,
    headers: Mapping[str, str] | None = None,
) -> tuple[bytes, dict[str, str]]:
    """A call's body (`body` as compact JSON) and its headers, signed by this
    device unless `signed` is false."""
    data = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
    sent = dict(headers or {})
    if signed:
        sent.update(sign_request(keys, device_id, method, path, data))
    if body is not None:
        sent["Content-Type"] = "application/json"
    return data, sent


def ticket_readers(
    site: Site, device_id: str, body: TicketBody, now: float
) -> tuple[str, list[DeviceRecord]]:
    """Where this kiosk is and the staff devices its request goes to, from the
    operator's signed manifest (not from anything the hub said at enrolment)."""
    if site.expired(now):
        # The hub may be freezing a revocation by serving an old manifest, or the
        # operator's refresh stopped: either way its readers are not vouched for now.
        raise ManifestExpired("the site manifest has expired: nothing is sealed to it")
    record = site.device(device_id)
    location = record.location_id if record is not None else None
    if location is None:
        raise SiteError("this device is not a kiosk of this site")
    readers = site.recipients_for(location, body.category.value, body.urgency.value)
    if not readers:
        raise SiteError(f"no staff device is enrolled for location {location}")
    return location, list(readers)


def check_recipients(
    recipients: Mapping[str, bytes],
    key_ids: Mapping[str, bytes],
    left_out: int,
    cache: EpochKeyCache,
) -> None:
    """What `sealing_keys` chose, logged; SiteError if nobody can read the request."""
    if left_out:
        _LOG.warning("event=ticket.console_without_epoch_key devices=%d", left_out)
    if not recipients:
        cache.forget()  # a retry fetches them again
        raise SiteError("no console of this route has a current epoch key")
    if len(key_ids) < len(recipients):
        _LOG.warning("event=ticket.sealed_long_term devices=%d", len(recipients) - len(key_ids))


def sealed_ticket_doc(
    site: Site,
    keys: DeviceKeys,
    device_id: str,
    ticket_id: str,
    location: str,
    body: TicketBody,
    sealing: tuple[Mapping[str, bytes], Mapping[str, bytes]],
    reply_public: Callable[[], bytes],
    now: float,
) -> dict[str, Any]:
    """The POST /v1/tickets document: `body` signed by the kiosk and sealed to
    each of `sealing` (device id → public key, device id → epoch key id).
    `reply_public` gives this ticket's reply key when the body carries none."""
    recipients, key_ids = sealing
    binding = binding_bytes(ticket_id, location, body.category, body.urgency)
    if not body.sent_at:
        body = dataclasses.replace(body, sent_at=int(now))
    if not body.reply_key:
        public = reply_public()
        if site.hpke_suite == "X25519":  # the classical suite needs only the X25519 half
            public = public[-_X25519_PUBLIC:]
        body = dataclasses.replace(body, reply_key=public)
    plain = body.to_bytes()
    signed = plain + sign_ticket(keys, device_id, binding, plain)
    sealed = seal_ticket(signed, recipients, binding, site.hpke_suite, key_ids)
    return {
        "id": ticket_id,
        "category": body.category.value,
        "urgency": body.urgency.value,
        "sealed": {k: base64.b64encode(v).decode() for k, v in sealed.items()},
    }
