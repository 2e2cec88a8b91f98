"""Staff replies on the devices: a console seals and signs one to the kiosk;
the kiosk opens it and checks who sent it. Blocking: call from worker threads."""

from __future__ import annotations

import base64
import secrets
import time
from typing import Any

from kiosk.client.hub_client import HubClient
from kiosk.core.errors import BadSignature, CannotOpen, SiteError
from kiosk.core.reply import REPLY_ID_PATTERN, ReplyBody, reply_binding
from kiosk.core.site import DeviceRole
from kiosk.crypto import key_id_of, open_reply, seal_reply, sign_reply, verify_reply
from kiosk.crypto.signing import SIGNATURE_LENGTH

__all__ = ["open_staff_reply", "send_reply"]

_MAX_REPLY_AGE = 12 * 3600
_CLOCK_SLACK = 300
_X25519_PUBLIC = 32


def send_reply(
    client: HubClient, ticket_view: dict[str, Any], phrase: str, reply_key: bytes = b""
) -> dict[str, Any]:
    """Seal `phrase` (a REPLY_PHRASES id) to the ticket's kiosk and post it; the hub's view.

    `reply_key`: the kiosk's short-lived key for this ticket, from the sealed
    and kiosk-signed ticket body (so the hub cannot substitute it); the kiosk
    destroys it when the ticket closes. Without one (an older kiosk), the
    kiosk's long-term key from the verified manifest, never from the hub.
    """
    body = ReplyBody(phrase=phrase, sent_at=int(time.time()))
    ReplyBody.from_bytes(body.to_bytes())  # an unknown phrase is refused before sending
    ticket_id, kiosk_id = str(ticket_view["id"]), str(ticket_view["kiosk_id"])
    site = client.site()
    kiosk = site.device(kiosk_id)
    if kiosk is None or kiosk.role is not DeviceRole.KIOSK:
        raise SiteError("the request names a kiosk this site does not list")
    if kiosk.location_id != ticket_view.get("location_id"):
        raise SiteError("the request claims a location its kiosk is not at")
    reply_id = secrets.token_hex(16)
    staff_id = client.config.device_id
    binding = reply_binding(ticket_id, reply_id, staff_id)
    plain = body.to_bytes()
    signed = plain + sign_reply(client.keys, staff_id, binding, plain)
    if reply_key:
        # A kiosk on the classical suite sends only the X25519 half of its key.
        suite = "X25519" if len(reply_key) == _X25519_PUBLIC else site.hpke_suite
        sealed = seal_reply(signed, reply_key, binding, suite, key_id_of(reply_key))
    else:
        sealed = seal_reply(signed, kiosk.hpke_public, binding, site.hpke_suite)
    doc = {"id": reply_id, "sealed": base64.b64encode(sealed).decode()}
    return client.call("POST", f"/v1/tickets/{ticket_id}/replies", doc)


def open_staff_reply(
    client: HubClient, reply_view: dict[str, Any], ticket_id: str, category: str
) -> ReplyBody:
    """Open a reply pushed to this kiosk for its ticket `ticket_id`.

    CannotOpen if it is not for this kiosk and ticket or was altered;
    BadSignature if a staff device of this request's route did not sign it (a hub
    cannot invent replies) or it is stale; InvalidTicketBody (UnknownPhrase) if
    its phrase is not one this kiosk knows.
    """
    try:
        reply_id = str(reply_view["id"])
        staff_id = str(reply_view["staff_id"])
        sealed = base64.b64decode(str(reply_view.get("sealed") or ""), validate=True)
        if str(reply_view["ticket_id"]) != ticket_id or not REPLY_ID_PATTERN.match(reply_id):
            raise CannotOpen("this reply is not for this request")
    except (KeyError, ValueError, TypeError):
        raise CannotOpen("the hub sent a malformed reply") from None
    binding = reply_binding(ticket_id, reply_id, staff_id)
    reply_key = client.reply_keys.get(ticket_id)
    short_lived = (
        # Its id either way it was handed out: the whole key, or its X25519 half.
        {reply_key.key_id: reply_key, key_id_of(reply_key.public[-_X25519_PUBLIC:]): reply_key}
        if reply_key is not None
        else None
    )
    plain = open_reply(sealed, client.keys, binding, short_lived)
    body_bytes, signature = plain[:-SIGNATURE_LENGTH], plain[-SIGNATURE_LENGTH:]
    site = client.site()
    staff = site.device(staff_id)
    if staff is None or staff.role is not DeviceRole.STAFF:
        raise BadSignature("the reply names a staff device this site does not list")
    me = site.device(client.config.device_id)  # where this kiosk is: the signed manifest says
    if me is None or not site.staff_may_see(staff, me.location_id or "", category):
        raise BadSignature("this reply comes from a device not on this request's route")
    verify_reply(staff.sign_public, staff_id, binding, body_bytes, signature)
    body = ReplyBody.from_bytes(body_bytes)
    if not -_CLOCK_SLACK <= time.time() - body.sent_at <= _MAX_REPLY_AGE:
        raise BadSignature("this reply is too old to be genuine")
    return body
