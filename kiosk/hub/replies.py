"""Staff replies to a traveller, on the hub.

    POST /v1/tickets/{id}/replies   staff who may see the ticket: {"id", "sealed"}

A reply is a phrase id that the staff console signed and HPKE-sealed to the
kiosk of the ticket (its key is in the signed manifest); the hub only stores
and forwards the ciphertext. It is pushed on the kiosk's event stream, repeated
in its reconnect snapshot, and deleted with the ticket by the one purge path.
Staff consoles of the ticket learn that a reply was sent and by whom, not what.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from kiosk.core.reply import REPLY_ID_PATTERN
from kiosk.core.site import DeviceRecord, DeviceRole
from kiosk.hub.api_errors import ApiError, decode_b64, json_object
from kiosk.hub.logs import log_event, ticket_ref
from kiosk.hub.reply_store import ReplyConflict, StoredReply, TooManyReplies

if TYPE_CHECKING:
    from kiosk.hub.app import Hub

__all__ = [
    "MAX_REPLIES_PER_TICKET",
    "MAX_SEALED_REPLY",
    "for_device",
    "post_reply",
    "relay_reply",
    "reply_events",
]

# A phrase id and a signature, sealed with the hybrid suite, is about 1.3 KB.
MAX_SEALED_REPLY = 4096
# Short replies, not a chat: enough for a long wait, bounded against a faulty console.
MAX_REPLIES_PER_TICKET = 20


def _view(reply: StoredReply, *, sealed: bool) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": reply.id,
        "ticket_id": reply.ticket_id,
        "staff_id": reply.staff_id,
        "created_at": reply.created_at,
    }
    if sealed:  # only the kiosk can open it; staff consoles are told it was sent
        view["sealed"] = base64.b64encode(reply.ciphertext).decode()
    return view


def reply_events(hub: Hub, device: DeviceRecord, ticket_ids: Iterable[str]) -> list[dict[str, Any]]:
    """Snapshot events for the replies of these (open, visible) tickets. Blocking."""
    kiosk = device.role is DeviceRole.KIOSK
    return [
        {"type": "reply", "reply": _view(r, sealed=kiosk)}
        for r in hub.replies.of_tickets(ticket_ids)
    ]


def for_device(device: DeviceRecord, event: dict[str, Any]) -> dict[str, Any]:
    """A pushed reply event as this device may see it."""
    reply: StoredReply = event["stored"]
    return {"type": "reply", "reply": _view(reply, sealed=device.role is DeviceRole.KIOSK)}


async def post_reply(hub: Hub, request: Request) -> Response:
    body = await hub.read_body(request)
    device, site = await hub.authenticate(request, body)
    if device.role is not DeviceRole.STAFF:
        raise ApiError(403, "staff_only", "only a staff device can reply to a traveller")
    ticket_id = request.path_params["ticket_id"]
    ticket = hub.ticket_or_404(await run_in_threadpool(hub.store.get_ticket, ticket_id))
    if not hub.may_see(device, site, ticket):
        raise ApiError(404, "no_such_ticket", "no open ticket with this id")
    doc = json_object(body)
    reply_id = doc.get("id")
    if not isinstance(reply_id, str) or not REPLY_ID_PATTERN.match(reply_id):
        raise ApiError(400, "bad_id", "id must be 32 lowercase hex characters")
    sealed = decode_b64(doc.get("sealed"), MAX_SEALED_REPLY, "the sealed reply", "bad_ciphertext")
    if not sealed or len(sealed) > MAX_SEALED_REPLY:
        raise ApiError(
            400, "bad_ciphertext", f"the sealed reply must be 1 to {MAX_SEALED_REPLY} bytes"
        )
    reply = StoredReply(reply_id, ticket.id, device.id, time.time(), sealed)
    try:
        created = await run_in_threadpool(hub.replies.add, reply, MAX_REPLIES_PER_TICKET)
    except ReplyConflict:
        raise ApiError(409, "id_in_use", "this reply id is already in use") from None
    except TooManyReplies:
        raise ApiError(
            409, "too_many_replies", f"a request takes at most {MAX_REPLIES_PER_TICKET} replies"
        ) from None
    if created is None:
        raise ApiError(404, "no_such_ticket", "no open ticket with this id")
    stored = await run_in_threadpool(hub.replies.get, reply_id)
    if stored is None:  # purged with its ticket just now
        raise ApiError(404, "no_such_ticket", "no open ticket with this id")
    if created:
        log_event("reply.stored", ref=ticket_ref(ticket.id))
        _publish(hub, stored, ticket.kiosk_id, hub.public_view(ticket, site))
        if hub.pg is not None:
            note = {"kind": "reply", "id": stored.id, "ticket_id": ticket.id}
            hub.pg.announce(note)
    return JSONResponse(_view(stored, sealed=False), status_code=201 if created else 200)


def _publish(hub: Hub, stored: StoredReply, kiosk_id: str, ticket_view: dict[str, Any]) -> None:
    # "ticket" lets the broker pick the staff devices that see this ticket.
    hub.broker.publish(
        {"type": "reply", "kiosk_id": kiosk_id, "ticket": ticket_view, "stored": stored}
    )


async def relay_reply(hub: Hub, event: dict[str, Any]) -> None:
    """Another hub stored a reply: push it to the devices connected here."""
    site = await hub.current_site()
    stored = await run_in_threadpool(hub.replies.get, str(event.get("id")))
    if site is None or stored is None:
        return
    ticket = await run_in_threadpool(hub.store.get_ticket, stored.ticket_id)
    if ticket is not None:
        _publish(hub, stored, ticket.kiosk_id, hub.public_view(ticket, site))
