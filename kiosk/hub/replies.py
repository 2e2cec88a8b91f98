"""Staff replies to a traveller, on the hub.

    POST /v1/tickets/{id}/replies   staff who may see the ticket: {"id", "sealed"}

A reply is a phrase id that the staff console signed and HPKE-sealed to the
kiosk of the ticket (its key is in the signed manifest); the hub only stores
and forwards the ciphertext. It is pushed on the kiosk's event stream, repeated
in its reconnect snapshot, and deleted with the ticket by the one purge path.
Staff consoles of the ticket learn that a reply was sent and by whom, not what.
"""

from __future__ import annotations

import time

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kiosk.core.site import DeviceRole
from kiosk.hub.api_errors import ApiError
from kiosk.hub.field_rules import parse
from kiosk.hub.guarded import guarded_route
from kiosk.hub.logs import log_event, ticket_ref
from kiosk.hub.publisher import Publisher
from kiosk.hub.reply_store import ReplyConflict, ReplyStore, StoredReply, TooManyReplies
from kiosk.hub.request_models import MAX_SEALED_REPLY, ReplyIn
from kiosk.hub.signed_calls import Caller, SignedCalls
from kiosk.hub.store import Store
from kiosk.hub.views import Views
from kiosk.hub.wire import reply_json

__all__ = ["MAX_REPLIES_PER_TICKET", "MAX_SEALED_REPLY", "reply_routes"]

# Short replies, not a chat: enough for a long wait, bounded against a faulty console.
MAX_REPLIES_PER_TICKET = 20
_NO_TICKET = (404, "no_such_ticket", "no open ticket with this id")


def reply_routes(
    calls: SignedCalls, store: Store, replies: ReplyStore, publisher: Publisher
) -> list[Route]:
    async def post_reply(request: Request, caller: Caller) -> Response:
        device, site = caller.device, caller.site
        if device.role is not DeviceRole.STAFF:
            raise ApiError(403, "staff_only", "only a staff device can reply to a traveller")
        ticket_id = request.path_params["ticket_id"]
        ticket = await run_in_threadpool(store.get_ticket, ticket_id)
        if ticket is None or not Views.may_see(device, site, ticket):
            raise ApiError(*_NO_TICKET)
        body = parse(ReplyIn, caller.doc())
        reply_id, sealed = body.id, body.sealed
        reply = StoredReply(reply_id, ticket.id, device.id, time.time(), sealed)
        try:
            created = await run_in_threadpool(replies.add, reply, MAX_REPLIES_PER_TICKET)
        except ReplyConflict:
            raise ApiError(409, "id_in_use", "this reply id is already in use") from None
        except TooManyReplies:
            raise ApiError(
                409, "too_many_replies", f"a request takes at most {MAX_REPLIES_PER_TICKET} replies"
            ) from None
        stored = None if created is None else await run_in_threadpool(replies.get, reply_id)
        if stored is None:  # its ticket was purged meanwhile
            raise ApiError(*_NO_TICKET)
        if created:
            log_event("reply.stored", ref=ticket_ref(ticket.id))
            publisher.reply(stored, ticket, site)
        return JSONResponse(reply_json(stored, sealed=False), status_code=201 if created else 200)

    return [
        guarded_route("/v1/tickets/{ticket_id}/replies", calls.authenticated(post_reply), ["POST"])
    ]
