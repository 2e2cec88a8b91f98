"""Tickets: raised by a kiosk, seen and moved on by staff of its route.

POST /v1/tickets                 kiosk: submit a sealed ticket (idempotent by id)
GET  /v1/tickets/{id}            the kiosk that raised it, or staff of its location
POST /v1/tickets/{id}/{action}   see TICKET_ACTION_EVENTS (openapi.py describes each)
"""

from __future__ import annotations

import base64
import time

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kiosk.core.clock import Clock
from kiosk.core.errors import IllegalTransition
from kiosk.core.rate_limit import RateLimiter
from kiosk.core.site import DeviceRole
from kiosk.core.ticket import Ticket, TicketEvent
from kiosk.hub.api_errors import ApiError
from kiosk.hub.field_rules import parse
from kiosk.hub.guarded import guarded_route
from kiosk.hub.handover import announce_handover, handover_group
from kiosk.hub.limits import slow_down
from kiosk.hub.logs import log_event, ticket_ref
from kiosk.hub.publisher import Publisher
from kiosk.hub.request_models import SEALED_COPY, TicketActionIn, TicketIn
from kiosk.hub.settings import HubSettings
from kiosk.hub.signed_calls import Caller, SignedCalls
from kiosk.hub.statistics import counting
from kiosk.hub.store import Store, TicketConflict
from kiosk.hub.views import Views

__all__ = ["TICKET_ACTION_EVENTS", "TicketRoutes"]

# POST /v1/tickets/{id}/{action}; openapi.py describes each (a test keeps them alike).
TICKET_ACTION_EVENTS = {
    "cancel": TicketEvent.CANCEL,
    "delivered": TicketEvent.DELIVER,
    "accept": TicketEvent.ACCEPT,
    "resolve": TicketEvent.RESOLVE,
    "hand_over": TicketEvent.HAND_OVER,
    "not_found": TicketEvent.NOT_FOUND,
}
_NO_TICKET = (404, "no_such_ticket", "no open ticket with this id")


def _found(ticket: Ticket | None) -> Ticket:
    if ticket is None:
        raise ApiError(*_NO_TICKET)
    return ticket


class TicketRoutes:
    def __init__(
        self,
        settings: HubSettings,
        calls: SignedCalls,
        store: Store,
        views: Views,
        publisher: Publisher,
        clock: Clock,
    ) -> None:
        self._calls = calls
        self._clock = clock
        self._store = store
        self._views = views
        self._publisher = publisher
        # New tickets per kiosk (retries of one are free).
        self.ticket_limits = RateLimiter(settings.new_ticket_bucket)

    def routes(self) -> list[Route]:
        signed = self._calls.authenticated
        return [
            guarded_route("/v1/tickets", signed(self.submit), ["POST"]),
            guarded_route("/v1/tickets/{ticket_id}", signed(self.show), ["GET"]),
        ]

    def action_routes(self) -> list[Route]:
        """After the other /v1/tickets/{id}/... routes (replies), which it would match."""
        signed = self._calls.authenticated
        return [guarded_route("/v1/tickets/{ticket_id}/{action}", signed(self.act), ["POST"])]

    async def submit(self, request: Request, caller: Caller) -> Response:
        device, site = caller.device, caller.site
        if device.role is not DeviceRole.KIOSK or device.location_id is None:
            raise ApiError(403, "kiosks_only", "only a kiosk can raise a ticket")
        body = parse(TicketIn, caller.doc())
        ticket_id, category, urgency = body.id, body.category, body.urgency
        allowed = {
            d.id for d in site.recipients_for(device.location_id, category.value, urgency.value)
        }
        sealed = _sealed_copies(body.sealed, allowed)
        # A new ticket spends an allowance, a retry of a stored one is free. The
        # allowance is taken first and given back for a retry, so that the usual
        # case is one trip to a worker thread, not one to look and one to store.
        wait = self.ticket_limits.take(device.id, time.monotonic())
        now = self._clock()
        ticket = Ticket(
            id=ticket_id,
            kiosk_id=device.id,
            location_id=device.location_id,
            category=category,
            urgency=urgency,
            created_at=now,
            updated_at=now,  # as stored: the answer is the stored ticket, not re-read
        )

        def store() -> tuple[bool, Ticket | None]:
            if wait > 0:  # over the allowance: only a retry may go on
                return False, self._store.stored_as(ticket)
            created = self._store.insert_ticket(ticket, sealed)
            return created, (ticket if created else self._store.get_ticket(ticket_id))

        try:
            created, found = await run_in_threadpool(store)
        except TicketConflict:
            raise ApiError(409, "id_in_use", "this ticket id is already in use") from None
        if wait > 0 and found is None:
            # The wait measured before the trip: asking the bucket again could find
            # a token refilled meanwhile, and the ticket is not stored.
            slow_down(device.id, wait)
        if wait == 0 and not created:
            self.ticket_limits.give_back(device.id)
        stored = _found(found)
        if created:
            # The kind and the opaque ref only: a category or place beside a
            # timestamp would outlive the purge (docs/privacy.md).
            log_event("ticket.created", ref=ticket_ref(ticket_id), recipients=len(sealed))
            # The copies as the kiosk sent them, checked above to be base64 of a
            # sealed copy: consoles decode them to the bytes stored, and the hub
            # saves encoding every copy again (2 % of its CPU under load).
            as_sent = {r: str(body.sealed[r]) for r in sealed}
            self._publisher.ticket(stored, site, as_sent)
        view = self._views.kiosk_view(stored, site)
        return JSONResponse(view, status_code=201 if created else 200)

    async def show(self, request: Request, caller: Caller) -> Response:
        device, site = caller.device, caller.site
        ticket_id = request.path_params["ticket_id"]
        ticket = _found(await run_in_threadpool(self._store.get_ticket, ticket_id))
        if not self._views.may_see(device, site, ticket):
            raise ApiError(*_NO_TICKET)
        if device.role is DeviceRole.KIOSK:
            return JSONResponse(self._views.kiosk_view(ticket, site))
        view = self._views.public_view(ticket, site).as_json()
        copy = await run_in_threadpool(self._store.sealed_copy, ticket.id, device.id)
        view["sealed"] = base64.b64encode(copy).decode() if copy else None
        return JSONResponse(view)

    async def act(self, request: Request, caller: Caller) -> Response:
        device, site = caller.device, caller.site
        action = request.path_params["action"]
        event = TICKET_ACTION_EVENTS.get(action)
        if event is None:
            raise ApiError(404, "no_such_action", f"unknown action {action!r}")
        needs_kiosk = event is TicketEvent.CANCEL
        if needs_kiosk != (device.role is DeviceRole.KIOSK):
            raise ApiError(403, "wrong_role", f"a {device.role.value} cannot {action} a ticket")
        doc = caller.doc(optional=True)
        eta = parse(TicketActionIn, doc).eta_minutes
        ticket_id = request.path_params["ticket_id"]
        # On the loop, where who is reached is kept: what a close adds to the counters.
        count = counting(self._views, site)

        def apply() -> tuple[Ticket, Ticket | None, str | None]:
            # Read, check and write in one trip to a worker thread.
            before = self._store.get_ticket(ticket_id)
            if before is None or not self._views.may_see(device, site, before):
                raise ApiError(*_NO_TICKET)
            group = (
                handover_group(doc, device, site, before)
                if event is TicketEvent.HAND_OVER
                else None
            )
            after = self._store.apply_event(
                ticket_id,
                event,
                actor=device.id,
                eta_minutes=eta,
                group=group,
                seen=before,
                at=self._clock(),
                count=count,
            )
            return before, after, group

        try:
            before, after, group = await run_in_threadpool(apply)
        except IllegalTransition as exc:
            raise ApiError(409, "conflict", str(exc)) from None
        after = _found(after)
        log_event(f"ticket.{event.value}", ref=ticket_ref(ticket_id))
        if group is not None:
            await announce_handover(self._publisher, self._store, after, site, group, device.id)
        elif (after.state, after.accepted_by) != (before.state, before.accepted_by):
            # Every console reports delivery; only the first changes what anyone
            # sees, and pushing the others to every console and the kiosk would
            # be most of a busy hub's work.
            self._publisher.ticket(after, site)
        if device.role is DeviceRole.KIOSK:
            return JSONResponse(self._views.kiosk_view(after, site))
        return JSONResponse(self._views.public_view(after, site).as_json())


def _sealed_copies(sealed_in: dict[str, object], allowed: set[str]) -> dict[str, bytes]:
    """The body's sealed copies, each addressed to a device of the ticket's route."""
    sealed: dict[str, bytes] = {}
    for recipient, text in sealed_in.items():
        if recipient not in allowed:
            raise ApiError(
                400, "bad_recipient", "a sealed copy is addressed to a device not on this route"
            )
        sealed[recipient] = SEALED_COPY.check(text)
    return sealed
