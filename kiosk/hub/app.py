"""The hub's HTTP API (ASGI, Starlette). Every call is signed by an enrolled device.

    GET  /v1/health                      no auth; liveness for load balancers
    GET  /v1/openapi.json                no auth; this API as OpenAPI 3.1 (openapi.py)
    GET  /v1/manifest                    the operator-signed site manifest
    POST /v1/tickets                     kiosk: submit a sealed ticket (idempotent by id)
    GET  /v1/tickets/{id}                the kiosk that raised it, or staff of its location
    POST /v1/tickets/{id}/cancel         kiosk: the traveller no longer needs help
    POST /v1/tickets/{id}/delivered      staff: opened on this console
    POST /v1/tickets/{id}/accept         staff: "on my way" (a second accept gets 409)
    POST /v1/tickets/{id}/resolve        staff: done; the ticket is purged
    POST /v1/tickets/{id}/hand_over      staff, the accepter: {"group": id} or {} (own group)
    POST /v1/tickets/{id}/not_found      staff, the accepter: went, found nobody; purged
    POST /v1/tickets/{id}/replies        staff: a sealed reply to the traveller (replies.py)
    GET  /v1/events                      server-sent events for this device (see events.py)
    GET|POST /v1/duty                    staff: on or off duty (see duty.py)
    POST /v1/heartbeat                   any device: alive, with its software and manifest version
    GET  /v1/enrol/bootstrap, POST /v1/enrol   before enrolment (enrolment_api.py)
    GET|POST /v1/epoch-keys              staff consoles' epoch keys (epoch_keys.py)

Errors are JSON `{"error": code, "message": text}` with a 4xx status.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING, Any, NoReturn

from anyio import to_thread
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kiosk import __version__
from kiosk.core.categories import Category, Urgency
from kiosk.core.errors import IllegalTransition, KioskError
from kiosk.core.escalation import alert_delays
from kiosk.core.rate_limit import RateLimiter
from kiosk.core.site import DeviceRecord, DeviceRole, Site
from kiosk.core.ticket import CLOSED_STATES, TICKET_ID_PATTERN, Ticket, TicketEvent, TicketState
from kiosk.hub.admin_api import admin_routes
from kiosk.hub.api_errors import ApiError, decode_b64, error_response, json_object
from kiosk.hub.auth import Authenticator, AuthError, Call, Signed, replayed
from kiosk.hub.batched import Batched
from kiosk.hub.database import make_engine, upgrade_schema
from kiosk.hub.duty import DutyBook, duty
from kiosk.hub.enrolment_api import EnrolmentGate, bootstrap, enrol
from kiosk.hub.enrolment_store import EnrolmentStore
from kiosk.hub.epoch_keys import EpochKeyStore, get_epoch_keys, post_epoch_key
from kiosk.hub.escalator import Escalator
from kiosk.hub.event_stream_response import EventStreamResponse
from kiosk.hub.events import KEEPALIVE, Broker, StreamContext, Subscription
from kiosk.hub.handover import announce_handover, handover_group
from kiosk.hub.large_response import PiecewiseResponse
from kiosk.hub.logs import log_event, ticket_ref
from kiosk.hub.openapi import openapi_document
from kiosk.hub.presence import Beat, Presence, presence_event, valid_beat
from kiosk.hub.replies import for_device as reply_for_device
from kiosk.hub.replies import post_reply, relay_reply, reply_events
from kiosk.hub.reply_store import ReplyStore
from kiosk.hub.request_body import read_body
from kiosk.hub.settings import DEFAULT_TICKET_TTL_SECONDS, HubSettings
from kiosk.hub.site_state import SiteState
from kiosk.hub.store import CHECKPOINT_GAP, Store, TicketConflict

if TYPE_CHECKING:  # psycopg (11 MB) is loaded only by hubs on PostgreSQL
    from kiosk.hub.pg_events import PgEvents

__all__ = ["TICKET_ACTION_EVENTS", "Hub", "create_hub"]

_LOG = logging.getLogger("kiosk.hub")
# POST /v1/tickets/{id}/{action}; openapi.py describes each (a test keeps them alike).
TICKET_ACTION_EVENTS = {
    "cancel": TicketEvent.CANCEL,
    "delivered": TicketEvent.DELIVER,
    "accept": TicketEvent.ACCEPT,
    "resolve": TicketEvent.RESOLVE,
    "hand_over": TicketEvent.HAND_OVER,
    "not_found": TicketEvent.NOT_FOUND,
}
_MAX_SEALED_COPY = 16 * 1024
_MAX_ETA_MINUTES = 120
_WORKER_THREADS = 16
_ALERT_DELAYS_KEPT = 4096  # routes x duty states; cleared whole when full
_RELAY_BATCH = 500  # other hubs' announcements relayed with one database trip
_EVENTS_PER_WRITE = 64  # queued events a stream writes at once, at most
_Authenticated = tuple["Site | None", "DeviceRecord | AuthError"]


def _open_ticket_announced(event: dict[str, Any]) -> bool:
    """A ticket announcement whose ticket must be read from the tables (still open)."""
    if event.get("kind") == "reply" or event.get("type") in ("device", "epoch_keys"):
        return False
    try:
        return TicketState(event["state"]) not in CLOSED_STATES and bool(event["id"])
    except (KeyError, ValueError, TypeError):
        return False  # malformed: _relay_ticket says so


class Hub:
    def __init__(self, settings: HubSettings, *, migrated: bool = False) -> None:
        """`migrated`: the schema was brought up to date already (`kiosk hub`
        does it in a child process, so that Alembic never loads in the hub)."""
        self.settings = settings
        engine = make_engine(settings.db_url)
        if not migrated:
            upgrade_schema(engine)
        self.store = Store(engine, loop_reader=True)
        self.replies = ReplyStore(engine)
        self.enrolments = EnrolmentStore(engine)
        self.enrol_gate = EnrolmentGate()  # the unsigned enrolment calls' limits
        self.epoch_keys = EpochKeyStore(self.store)
        self.duty = DutyBook(engine)
        self.duty.refresh()
        self.escalator = Escalator(self)
        self.site_state = SiteState(self.store, settings.data_dir / "site.pub")
        self.broker = Broker()
        self.loop: asyncio.AbstractEventLoop | None = None
        # Several hubs on one PostgreSQL database share events by LISTEN/NOTIFY;
        # one SQLite hub needs none.
        self.pg: PgEvents | None = None
        self._remote: asyncio.Queue[dict[str, Any]] = asyncio.Queue()  # other hubs' events
        # Nonces in the table (every hub's, and kept over a restart): the calls
        # that arrive together share one manifest read and one insert. On SQLite
        # reads keep theirs in memory (a replayed GET changes nothing and answers
        # only what its device may read); every other call's nonce is stored.
        self._shared_auth: Batched[Call, _Authenticated] = Batched(self._authenticate_together)
        self._reads_in_memory = engine.dialect.name == "sqlite"
        if engine.dialect.name == "postgresql":
            from kiosk.hub.pg_events import PgEvents

            self.pg = PgEvents(settings.db_url, self._on_remote, self._resync_devices)
        self.auth = Authenticator(settings.clock_skew_seconds)
        # Per device and per hub process: one device's flood never spends another's
        # allowance. Calls of any kind, and new tickets (retries of one are free).
        self.call_limits = RateLimiter(settings.call_bucket)
        self.ticket_limits = RateLimiter(settings.new_ticket_bucket)
        self.presence = Presence(self.store)
        self.closing = False
        self._site_version = 0
        self._latest_site: Site | None = None  # the newest manifest noticed
        self._openapi = openapi_document()
        self._alert_delays: dict[tuple[int, str, frozenset[str]], dict[str, float]] = {}

    def close_streams(self) -> None:
        """End every event stream (at shutdown); devices reconnect to another hub."""
        self.closing = True
        self.broker.end_all()

    # -- request plumbing ---------------------------------------------------
    async def read_body(self, request: Request, *, signed: bool = True) -> bytes:
        """The body, read only once the signature headers pass what can be checked
        without it (`signed`), and within settings.body_read_seconds: a client
        trickling a body is cut off (408), not waited for."""
        if signed:
            await self._check_signature_headers(request)
        settings = self.settings
        return await read_body(request, settings.max_body_bytes, settings.body_read_seconds)

    async def _check_signature_headers(self, request: Request) -> None:
        site = self._site_on_loop()
        if site is None:
            site, _ = await run_in_threadpool(self.site_state.current)
        try:
            self.auth.check_headers(self._noticed(site), request.headers)
        except AuthError as exc:
            log_event("auth.refused", reason=exc.code)
            raise ApiError(401, exc.code, exc.message) from None

    async def current_site(self) -> Site | None:
        site = self._site_on_loop()
        if site is None:
            site, _ = await run_in_threadpool(self.site_state.current)
        return self._noticed(site)

    def _site_on_loop(self) -> Site | None:
        """The current site if the loop can know it without waiting (SQLite, and
        the newest version already loaded); None sends the caller to a thread."""
        version = self.store.manifest_version_now()
        return None if version is None else self.site_state.loaded_if(version)

    def _noticed(self, site: Site | None) -> Site | None:
        """On the event loop: what a newly loaded manifest changes for open streams."""
        if site is not None and site.version > self._site_version:
            # A new manifest: streams of devices it no longer lists, or lists with
            # another record (keys, group, role, place), end now; the others
            # filter by the new site from here on. (Only forward: a call that
            # read the manifest just before it changed may arrive after.)
            self.broker.follow_manifest(site)
            if self._site_version:  # kiosks keep the manifest: tell them it changed
                self.broker.publish({"type": "manifest", "all_kiosks": True})
            self._site_version = site.version
            self._latest_site = site
        return site

    async def authenticate(self, request: Request, body: bytes) -> tuple[DeviceRecord, Site]:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        call = Call({k.lower(): v for k, v in request.headers.items()}, request.method, path, body)
        device: DeviceRecord | AuthError
        if not (self._reads_in_memory and request.method == "GET"):
            site, device = await self._shared_auth(call)
        elif (site := self._site_on_loop()) is not None:
            # The common case on SQLite: no trip to a worker thread at all (a
            # signature check is ~0.2 ms of C; nonces are kept in this process).
            device = self._authenticate_here(site, call)
        else:
            site, device = await run_in_threadpool(self._authenticate_in_thread, call)
        self._noticed(site)
        if isinstance(device, AuthError):
            log_event("auth.refused", reason=device.code)
            raise ApiError(401, device.code, device.message) from None
        assert site is not None  # authenticate() refuses every device without a site
        self.limit(self.call_limits, device.id)
        return device, site

    def _authenticate_here(self, site: Site | None, call: Call) -> DeviceRecord | AuthError:
        try:
            return self.auth.authenticate(site, call)
        except AuthError as exc:
            return exc

    def _authenticate_in_thread(self, call: Call) -> _Authenticated:
        # One trip to a worker thread for both: each trip waits for the GIL.
        site, _ = self.site_state.current()
        return site, self._authenticate_here(site, call)

    def _authenticate_together(self, calls: list[Call]) -> list[_Authenticated]:
        """In a worker thread, for calls that arrived together: the newest manifest
        (read after each of them arrived, so a revocation counts from the next
        call), each signature, and their nonces in one statement."""
        site, _ = self.site_state.current()
        checked: list[Signed | AuthError] = []
        for call in calls:
            try:
                checked.append(self.auth.verify(site, call))
            except AuthError as exc:
                checked.append(exc)
        signed = [c for c in checked if isinstance(c, Signed)]
        unused = iter(
            self.store.remember_nonces([(c.device.id, c.nonce, c.expires_at) for c in signed])
        )
        return [
            (site, c if isinstance(c, AuthError) else c.device if next(unused) else replayed())
            for c in checked
        ]

    @staticmethod
    def limit(limiter: RateLimiter, device_id: str) -> None:
        wait = limiter.take(device_id, time.monotonic())
        if wait > 0:
            Hub.slow_down(device_id, wait)

    @staticmethod
    def slow_down(device_id: str, wait: float) -> NoReturn:
        log_event("device.slowed", device=device_id)
        raise ApiError(
            429,
            "slow_down",
            f"too many requests from this device; retry in {wait:.0f} s",
            retry_after=wait,
        )

    def ticket_or_404(self, ticket: Ticket | None) -> Ticket:
        if ticket is None:
            raise ApiError(404, "no_such_ticket", "no open ticket with this id")
        return ticket

    def due(self, device: DeviceRecord, site: Site, view: dict[str, Any], now: float) -> bool:
        """Whether a staff device is alerted to a ticket yet: its group's escalation
        step on the ticket's route has come (0 s for the first step; at once when
        the groups before it have nobody on duty), or it was handed to its group."""
        route = site.route_for(view["location_id"], view["category"], view.get("urgency"))
        if route is None or device.group_id is None:
            return False
        if view.get("handed_to") == device.group_id:
            return True
        staffed = self.duty.staffed(site)
        # Asked by every console's stream about every event: worked out once per
        # route and duty state, not fifty times an event.
        key = (site.version, route.id, staffed)
        delays = self._alert_delays.get(key)
        if delays is None:
            if len(self._alert_delays) >= _ALERT_DELAYS_KEPT:
                self._alert_delays.clear()
            delays = self._alert_delays[key] = alert_delays(route, staffed)
        delay = delays.get(device.group_id)
        return delay is not None and now >= float(view["created_at"]) + delay

    def may_see(self, device: DeviceRecord, site: Site, ticket: Ticket) -> bool:
        if device.role is DeviceRole.KIOSK:
            return ticket.kiosk_id == device.id
        return site.staff_may_see(
            device, ticket.location_id, ticket.category.value, ticket.urgency.value
        )

    # -- views of a ticket ---------------------------------------------------
    @staticmethod
    def public_view(ticket: Ticket, site: Site) -> dict[str, Any]:
        location = site.location(ticket.location_id)
        return {
            "id": ticket.id,
            "kiosk_id": ticket.kiosk_id,
            "location_id": ticket.location_id,
            "station": location.station if location else "",
            "location_label": location.label if location else "",
            "category": ticket.category.value,
            "urgency": ticket.urgency.value,
            "state": ticket.state.value,
            "created_at": ticket.created_at,
            "updated_at": ticket.updated_at,
            "accepted_by": ticket.accepted_by,
            "eta_minutes": ticket.eta_minutes,
            "handed_to": ticket.handed_to,
        }

    def kiosk_view(self, ticket: Ticket, site: Site | None = None) -> dict[str, Any]:
        # A kiosk learns the state of its own ticket, not which device accepted it,
        # and whether nobody answered in time (it then shows where else to get help).
        view = {"id": ticket.id, "state": ticket.state.value, "eta_minutes": ticket.eta_minutes}
        if site is not None and ticket.is_open:
            view["fallback"] = self.escalator.fallback_shown(
                self.public_view(ticket, site), site, time.time()
            )
        return view

    def publish_update(
        self, ticket: Ticket, site: Site, sealed: dict[str, str] | None = None
    ) -> None:
        """Push to this hub's devices, and tell the other hubs (ids and routing only)."""
        self._publish_local(ticket, site, sealed)
        if self.pg is not None:
            announcement = {
                "id": ticket.id,
                "state": ticket.state.value,
                "kiosk_id": ticket.kiosk_id,
                "location_id": ticket.location_id,
                "category": ticket.category.value,
                "urgency": ticket.urgency.value,
                "created_at": ticket.created_at,
                "new": sealed is not None,
            }
            self.pg.announce(announcement)

    def _publish_local(
        self, ticket: Ticket, site: Site, sealed: dict[str, str] | None = None
    ) -> None:
        event: dict[str, Any] = {
            "type": "ticket",
            "ticket": self.public_view(ticket, site),
            "kiosk_id": ticket.kiosk_id,
        }
        if sealed is not None:
            event["sealed"] = sealed
        self.broker.publish(event)

    def _resync_devices(self) -> None:
        """Called on the LISTEN thread after a database outage: end every stream, so
        each device reconnects and gets a snapshot with what other hubs did meanwhile."""
        if self.loop is not None:
            self.loop.call_soon_threadsafe(self.broker.end_all)

    def _on_remote(self, event: dict[str, Any]) -> None:
        """Called on the LISTEN thread: hand over to the event loop."""
        if self.loop is not None:
            self.loop.call_soon_threadsafe(self._remote.put_nowait, event)

    async def relay_remote_forever(self) -> None:
        """Show the devices connected here what other hubs announced, in the order
        they did. What queued up meanwhile goes together: one database trip for
        all of it, not one or two per event (a busy hub fell behind on those)."""
        while True:
            batch = [await self._remote.get()]
            while not self._remote.empty() and len(batch) < _RELAY_BATCH:
                batch.append(self._remote.get_nowait())
            try:
                await self._relay_remote(batch)
            except Exception as exc:  # by kind only: a message could carry content
                # Some devices here missed what other hubs did (the database was
                # away, say): end every stream, so each gets a snapshot on reconnect.
                _LOG.error("event=relay.failed kind=%s", type(exc).__name__)
                self.broker.end_all()

    async def _relay_remote(self, batch: list[dict[str, Any]]) -> None:
        site = await self.current_site()
        if site is None:
            return
        to_read = [e for e in batch if _open_ticket_announced(e)]
        tickets: dict[str, Ticket] = {}
        copies: dict[str, dict[str, bytes]] = {}
        if to_read:
            tickets, copies = await run_in_threadpool(
                self._read_announced,
                list(dict.fromkeys(str(e["id"]) for e in to_read)),
                list(dict.fromkeys(str(e["id"]) for e in to_read if e.get("new"))),
            )
        for event in batch:
            if event.get("kind") == "reply":
                await relay_reply(self, event)
            elif event.get("type") in ("device", "epoch_keys"):  # a kiosk gone silent; a key
                self.broker.publish(event)
            else:
                self._relay_ticket(event, site, tickets, copies)

    def _read_announced(
        self, ids: list[str], new_ids: list[str]
    ) -> tuple[dict[str, Ticket], dict[str, dict[str, bytes]]]:
        return self.store.get_tickets(ids), self.store.sealed_copies_of(new_ids)

    def _relay_ticket(
        self,
        event: dict[str, Any],
        site: Site,
        tickets: dict[str, Ticket],
        copies: dict[str, dict[str, bytes]],
    ) -> None:
        try:
            state = TicketState(event["state"])
            if state in CLOSED_STATES:  # its rows are gone: rebuild from the announcement
                ticket: Ticket | None = Ticket(
                    id=str(event["id"]),
                    kiosk_id=str(event["kiosk_id"]),
                    location_id=str(event["location_id"]),
                    category=Category(event["category"]),
                    urgency=Urgency(event["urgency"]),
                    created_at=float(event["created_at"]),
                    state=state,
                )
                sealed = None
            else:
                ticket = tickets.get(str(event["id"]))  # None: closed since
                sealed = None
                if ticket is not None and event.get("new"):
                    mine = copies.get(ticket.id, {})
                    sealed = {k: base64.b64encode(v).decode() for k, v in mine.items()}
        except (KeyError, ValueError, TypeError):
            _LOG.warning("event=notify.malformed")
            return
        if ticket is not None:
            self._publish_local(ticket, site, sealed)

    # -- endpoints -------------------------------------------------------------
    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok", "version": __version__})

    async def openapi(self, request: Request) -> Response:
        return JSONResponse(self._openapi)

    async def manifest(self, request: Request) -> Response:
        await self.authenticate(request, await self.read_body(request))
        site, signed = await run_in_threadpool(self.site_state.current)
        if site is None or signed is None:
            raise ApiError(404, "no_manifest", "the operator has not applied a site yet")
        # A national site's manifest is megabytes and every device asks for it:
        # encoded once per version (SiteState), not sent again to a device that has it.
        tag = f'"{site.version}"'
        if request.headers.get("if-none-match") == tag:
            return Response(status_code=304, headers={"ETag": tag})
        return PiecewiseResponse(signed, media_type="application/json", headers={"ETag": tag})

    async def submit(self, request: Request) -> Response:
        body = await self.read_body(request)
        device, site = await self.authenticate(request, body)
        if device.role is not DeviceRole.KIOSK or device.location_id is None:
            raise ApiError(403, "kiosks_only", "only a kiosk can raise a ticket")
        doc = json_object(body)
        ticket_id = doc.get("id")
        if not isinstance(ticket_id, str) or not TICKET_ID_PATTERN.match(ticket_id):
            raise ApiError(400, "bad_id", "id must be 32 lowercase hex characters")
        try:
            category = Category(str(doc.get("category")))
            urgency = Urgency(str(doc.get("urgency")))
        except ValueError:
            raise ApiError(400, "bad_category", "unknown category or urgency") from None
        sealed_in = doc.get("sealed")
        if not isinstance(sealed_in, dict) or not sealed_in:
            raise ApiError(400, "not_sealed", "sealed must map staff device ids to ciphertext")
        allowed = {
            d.id for d in site.recipients_for(device.location_id, category.value, urgency.value)
        }
        sealed: dict[str, bytes] = {}
        for recipient, text in sealed_in.items():
            if recipient not in allowed:
                raise ApiError(
                    400, "bad_recipient", "a sealed copy is addressed to a device not on this route"
                )
            sealed[recipient] = decode_b64(
                text, _MAX_SEALED_COPY, "a sealed copy", "bad_ciphertext"
            )
        # A new ticket spends an allowance, a retry of a stored one is free. The
        # allowance is taken first and given back for a retry, so that the usual
        # case is one trip to a worker thread, not one to look and one to store.
        wait = self.ticket_limits.take(device.id, time.monotonic())
        now = time.time()
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
                return False, self.store.stored_as(ticket)
            created = self.store.insert_ticket(ticket, sealed)
            return created, (ticket if created else self.store.get_ticket(ticket_id))

        try:
            created, found = await run_in_threadpool(store)
        except TicketConflict:
            raise ApiError(409, "id_in_use", "this ticket id is already in use") from None
        if wait > 0 and found is None:
            # The wait measured before the trip: asking the bucket again could find
            # a token refilled meanwhile, and the ticket is not stored.
            self.slow_down(device.id, wait)
        if wait == 0 and not created:
            self.ticket_limits.give_back(device.id)
        stored = self.ticket_or_404(found)
        if created:
            # The kind and the opaque ref only: a category or place beside a
            # timestamp would outlive the purge (docs/privacy.md).
            log_event("ticket.created", ref=ticket_ref(ticket_id), recipients=len(sealed))
            self.publish_update(
                stored, site, {k: base64.b64encode(v).decode() for k, v in sealed.items()}
            )
        return JSONResponse(self.kiosk_view(stored, site), status_code=201 if created else 200)

    async def show(self, request: Request) -> Response:
        body = await self.read_body(request)
        device, site = await self.authenticate(request, body)
        ticket_id = request.path_params["ticket_id"]
        ticket = self.ticket_or_404(await run_in_threadpool(self.store.get_ticket, ticket_id))
        if not self.may_see(device, site, ticket):
            raise ApiError(404, "no_such_ticket", "no open ticket with this id")
        if device.role is DeviceRole.KIOSK:
            return JSONResponse(self.kiosk_view(ticket, site))
        view = self.public_view(ticket, site)
        copy = await run_in_threadpool(self.store.sealed_copy, ticket.id, device.id)
        view["sealed"] = base64.b64encode(copy).decode() if copy else None
        return JSONResponse(view)

    async def transition(self, request: Request) -> Response:
        body = await self.read_body(request)
        device, site = await self.authenticate(request, body)
        action = request.path_params["action"]
        event = TICKET_ACTION_EVENTS.get(action)
        if event is None:
            raise ApiError(404, "no_such_action", f"unknown action {action!r}")
        needs_kiosk = event is TicketEvent.CANCEL
        if needs_kiosk != (device.role is DeviceRole.KIOSK):
            raise ApiError(403, "wrong_role", f"a {device.role.value} cannot {action} a ticket")
        doc = json_object(body) if body else {}
        eta = doc.get("eta_minutes")
        if eta is not None and (
            not isinstance(eta, int) or isinstance(eta, bool) or not 0 <= eta <= _MAX_ETA_MINUTES
        ):
            raise ApiError(400, "bad_eta", f"eta_minutes must be 0 to {_MAX_ETA_MINUTES}")
        ticket_id = request.path_params["ticket_id"]

        def apply() -> tuple[Ticket, Ticket | None, str | None]:
            # Read, check and write in one trip to a worker thread.
            before = self.store.get_ticket(ticket_id)
            if before is None or not self.may_see(device, site, before):
                raise ApiError(404, "no_such_ticket", "no open ticket with this id")
            group = (
                handover_group(doc, device, site, before)
                if event is TicketEvent.HAND_OVER
                else None
            )
            after = self.store.apply_event(
                ticket_id, event, actor=device.id, eta_minutes=eta, group=group, seen=before
            )
            return before, after, group

        try:
            before, after, group = await run_in_threadpool(apply)
        except IllegalTransition as exc:
            raise ApiError(409, "conflict", str(exc)) from None
        after = self.ticket_or_404(after)
        log_event(f"ticket.{event.value}", ref=ticket_ref(ticket_id))
        if group is not None:
            await announce_handover(self, after, site, group, device.id)
        elif (after.state, after.accepted_by) != (before.state, before.accepted_by):
            # Every console reports delivery; only the first changes what anyone
            # sees, and pushing the others to every console and the kiosk would
            # be most of a busy hub's work.
            self.publish_update(after, site)
        return JSONResponse(
            self.kiosk_view(after, site)
            if device.role is DeviceRole.KIOSK
            else self.public_view(after, site)
        )

    async def events(self, request: Request) -> Response:
        body = await self.read_body(request)
        device, site = await self.authenticate(request, body)
        latest = self._latest_site
        if latest is not None and latest.version > site.version:
            # Signed under a manifest that has just been replaced: the stream
            # follows the new one, if it still lists this device as it was.
            if latest.device(device.id) != device:
                raise ApiError(401, "unknown_device", "this device's record has changed")
            site = latest
        context = StreamContext(device, site)
        if device.role is DeviceRole.STAFF:

            def wants(event: dict[str, Any]) -> bool:
                if event.get("type") == "device":
                    return device.group_id in event["groups"]
                if event.get("type") == "duty":
                    return bool(event["device_id"] == device.id)
                if event.get("type") in ("epoch_keys", "manifest"):
                    return False  # for kiosks, which keep both to seal requests
                if event.get("kiosk_only"):
                    return False
                if event.get("to_device", device.id) != device.id:
                    return False  # a reminder is for the accepter only
                if event.get("not_device") == device.id:
                    return False
                escalated_to = event.get("escalate_group")
                if escalated_to is not None and escalated_to != device.group_id:
                    return False  # an escalation alerts one more group, not all again
                view = event["ticket"]
                if event.get("alert") == "reescalated":  # every step again
                    return context.site.staff_may_see(device, view["location_id"], view["category"])
                return self.due(device, context.site, view, time.time())
        else:

            def wants(event: dict[str, Any]) -> bool:
                if event.get("type") in ("epoch_keys", "manifest"):
                    return True  # a console's new key, or a new manifest: kiosks keep both
                return event.get("kiosk_id") == device.id and not event.get("staff_only")

        subscription = self.broker.subscribe(
            device.id, wants, kiosk=device.role is DeviceRole.KIOSK, context=context
        )
        # Subscribe first, then snapshot: an event between the two arrives
        # twice (harmless, the client keys by id) rather than not at all.
        try:
            snapshot = await run_in_threadpool(self._snapshot, device, site)
        except BaseException:
            self.broker.unsubscribe(subscription)
            raise
        log_event("stream.opened", device=device.id)
        return EventStreamResponse(
            self._stream(context, subscription, snapshot),
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    def _snapshot(self, device: DeviceRecord, site: Site) -> list[dict[str, Any]]:
        if device.role is DeviceRole.KIOSK:
            mine = self.store.open_tickets_of_kiosk(device.id)
            return [{"type": "ticket", "ticket": self.kiosk_view(t, site)} for t in mine] + (
                reply_events(self, device, [t.id for t in mine])
            )
        events: list[dict[str, Any]] = [{"type": "duty", "on_duty": self.duty.on_duty(device.id)}]
        now = time.time()
        for t in self.store.open_tickets():
            view = self.public_view(t, site)
            if not self.due(device, site, view, now):
                continue
            copy = self.store.sealed_copy(t.id, device.id)
            view["sealed"] = base64.b64encode(copy).decode() if copy else None
            events.append({"type": "ticket", "ticket": view})
        shown = [e["ticket"]["id"] for e in events if e["type"] == "ticket"]
        return events + reply_events(self, device, shown)

    def _for_device(
        self, device: DeviceRecord, site: Site, event: dict[str, Any]
    ) -> dict[str, Any]:
        if event.get("type") == "duty":
            return {"type": "duty", "on_duty": event["on_duty"]}
        ticket = event["ticket"]
        if device.role is DeviceRole.KIOSK:
            view = {k: ticket[k] for k in ("id", "state", "eta_minutes")}
            if ticket["state"] not in {s.value for s in CLOSED_STATES}:
                view["fallback"] = self.escalator.fallback_shown(ticket, site, time.time())
            return {"type": "ticket", "ticket": view}
        view = dict(ticket)
        if "sealed" in event:
            view["sealed"] = event["sealed"].get(device.id)
        out: dict[str, Any] = {"type": "ticket", "ticket": view}
        if "alert" in event and event.get("alert_group", device.group_id) == device.group_id:
            out["alert"] = event["alert"]  # reminder, reescalated or handed_over
        return out

    async def _stream(
        self,
        context: StreamContext,
        subscription: Subscription,
        snapshot: list[dict[str, Any]],
    ) -> AsyncGenerator[bytes, None]:
        device = context.device  # the same while the stream lasts (Broker.follow_manifest)
        try:
            yield b"".join(_sse(event) for event in [*snapshot, {"type": "synced"}])
            while not subscription.overflowed and not self.closing:
                subscription.sent_at = time.monotonic()
                # Broker.keepalive wakes a quiet one. What queued meanwhile goes in
                # the same write: a busy hub then hands the server fewer, larger
                # writes (each is a trip into granian, the loop's largest single
                # cost under load).
                events = await subscription.take(_EVENTS_PER_WRITE)
                site = context.site  # a new manifest may have replaced it meanwhile
                written = b"".join(self._sse_for(device, site, event) for event in events)
                if written:
                    yield written
        finally:
            self.broker.unsubscribe(subscription)
            log_event("stream.closed", device=device.id)

    def _sse_for(self, device: DeviceRecord, site: Site, event: dict[str, Any]) -> bytes:
        """One queued event as this device's stream writes it (b"": not for it)."""
        kind = event.get("type")
        if event is KEEPALIVE:
            return b": keepalive\n\n"
        if kind in ("ticket", "duty"):
            return _sse(self._for_device(device, site, event))
        if kind == "device":
            return _sse({k: v for k, v in event.items() if k != "groups"})
        if kind == "epoch_keys":
            return _sse({"type": "epoch_keys", "key": event["key"]})
        if kind == "manifest":
            return _sse({"type": "manifest"})
        if kind == "reply":
            return _sse(reply_for_device(device, event))
        return b""

    # -- presence ------------------------------------------------------------------
    async def heartbeat(self, request: Request) -> Response:
        body = await self.read_body(request)
        device, _site = await self.authenticate(request, body)
        doc = json_object(body) if body else {}
        version, manifest_version = doc.get("version"), doc.get("manifest_version")
        # Both are stored by the presence sweep, in one transaction for every
        # device: a value the database refuses (a NUL or a lone surrogate, an
        # integer over its column) must not reach it (presence.valid_beat).
        if not valid_beat(version, manifest_version):
            raise ApiError(
                400,
                "bad_version",
                "version must be a short printable text and manifest_version a whole number",
            )
        assert isinstance(version, str)
        assert isinstance(manifest_version, int)
        self.presence.beat(device.id, Beat(time.time(), version, manifest_version))
        return JSONResponse({"ok": True, "offline_after": self.settings.offline_after_seconds})

    async def keepalive_once(self) -> None:
        """Run every half heartbeat: so no stream stays silent longer than one
        heartbeat, which is what devices and proxies in between rely on."""
        half = self.settings.heartbeat_seconds / 2
        self.broker.keepalive(time.monotonic(), half)

    async def presence_once(self) -> None:
        """Store the beats, and tell the control room about kiosks gone silent or back."""
        changes = await run_in_threadpool(
            self.presence.sweep, time.time(), self.settings.offline_after_seconds
        )
        site = await self.current_site() if changes else None
        for change in changes:
            device = site.device(change.device_id) if site else None
            if site is None or device is None or device.role is not DeviceRole.KIOSK:
                continue
            log_event(
                "device.online" if change.online else "device.offline", device=change.device_id
            )
            self.publish_everywhere(presence_event(site, device, change.online))

    def publish_everywhere(self, event: dict[str, Any]) -> None:
        """A non-ticket event for devices on this hub and, by NOTIFY, on the others."""
        self.broker.publish(event)
        if self.pg is not None:
            self.pg.announce(event)

    # -- escalation ----------------------------------------------------------------
    async def escalate_once(self) -> None:
        """Escalation, reminders, re-escalation and kiosk fallbacks that came due."""
        await self.escalator.run_once()

    # -- expiry ------------------------------------------------------------------
    def ticket_ttl(self, site: Site | None) -> int:
        """--ticket-ttl if given, else the site file's request_expiry_seconds."""
        if self.settings.ticket_ttl_seconds is not None:
            return self.settings.ticket_ttl_seconds
        return site.limits.request_expiry_seconds if site else DEFAULT_TICKET_TTL_SECONDS

    async def expire_once(self) -> None:
        site = await self.current_site()  # also notices revocations while no device calls
        await run_in_threadpool(self.store.forget_nonces, time.time())
        cutoff = time.time() - self.ticket_ttl(site)
        expired = await run_in_threadpool(self.store.expire_older_than, cutoff)
        if not expired:
            return
        site, _ = await run_in_threadpool(self.site_state.current)
        for ticket in expired:
            log_event("ticket.expired", ref=ticket_ref(ticket.id))
            if site is not None:
                self.publish_update(ticket, site)


async def _every(seconds: float, job: Callable[[], Awaitable[object]], what: str) -> None:
    """Run `job` every `seconds` while the hub runs; one failed run never stops it
    (logged by kind only: an exception message could carry content)."""
    while True:
        await asyncio.sleep(seconds)
        try:
            await job()
        except Exception as exc:
            _LOG.error("event=%s.failed kind=%s", what, type(exc).__name__)


def _sse(event: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(event, separators=(",", ":")).encode() + b"\n\n"


def _guard(
    handler: Callable[[Request], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    async def guarded(request: Request) -> Response:
        try:
            return await handler(request)
        except ApiError as exc:
            return error_response(exc.status, exc.code, exc.message, retry_after=exc.retry_after)
        except KioskError as exc:
            _LOG.warning("event=request.refused kind=%s", type(exc).__name__)
            return error_response(400, "refused", str(exc))
        except Exception as exc:  # never a traceback with content in the log, never a 500
            _LOG.error("event=request.failed kind=%s", type(exc).__name__)
            return error_response(503, "unavailable", "the hub could not do this now; try again")

    return guarded


def _by_method(
    **handlers: Callable[[Request], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    async def dispatch(request: Request) -> Response:
        # Starlette routes HEAD wherever it routes GET.
        return await handlers["GET" if request.method == "HEAD" else request.method](request)

    return dispatch


def create_hub(settings: HubSettings, *, migrated: bool = False) -> Starlette:
    hub = Hub(settings, migrated=migrated)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        hub.loop = asyncio.get_running_loop()
        # anyio's default is 40 worker threads; database calls take turns at one
        # writer anyway, and each thread costs a stack and a share of the heap.
        to_thread.current_default_thread_limiter().total_tokens = _WORKER_THREADS
        if hub.pg is not None:
            hub.pg.start()
        tasks = [
            asyncio.create_task(_every(seconds, job, what))
            for seconds, job, what in (
                (settings.expiry_sweep_seconds, hub.expire_once, "expiry"),
                (settings.escalation_tick_seconds, hub.escalate_once, "escalation"),
                # WAL truncations that readers deferred (Store.after_purge).
                (CHECKPOINT_GAP, partial(run_in_threadpool, hub.store.finish_purges), "checkpoint"),
                (settings.presence_sweep_seconds, hub.presence_once, "presence"),
                (settings.heartbeat_seconds / 2, hub.keepalive_once, "keepalive"),
            )
        ]
        if hub.pg is not None:
            tasks.append(asyncio.create_task(hub.relay_remote_forever()))
        try:
            yield
        finally:
            if hub.pg is not None:
                hub.pg.stop()
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await run_in_threadpool(hub.store.truncate_wal)  # nothing left when we stop
            hub.store.close_loop_reader()

    async def http_error(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        code = {404: "not_found", 405: "method_not_allowed"}.get(status, "http_error")
        detail = exc.detail if isinstance(exc, HTTPException) else "internal error"
        response = error_response(status, code, str(detail))
        if isinstance(exc, HTTPException) and exc.headers:  # e.g. Allow on a 405
            response.headers.update(exc.headers)
        return response

    routes = [
        Route("/v1/health", _guard(hub.health), methods=["GET"]),
        Route("/v1/openapi.json", _guard(hub.openapi), methods=["GET"]),
        Route("/v1/manifest", _guard(hub.manifest), methods=["GET"]),
        Route("/v1/tickets", _guard(hub.submit), methods=["POST"]),
        Route("/v1/tickets/{ticket_id}", _guard(hub.show), methods=["GET"]),
        Route(
            "/v1/tickets/{ticket_id}/replies", _guard(partial(post_reply, hub)), methods=["POST"]
        ),
        Route("/v1/tickets/{ticket_id}/{action}", _guard(hub.transition), methods=["POST"]),
        Route("/v1/events", _guard(hub.events), methods=["GET"]),
        Route("/v1/heartbeat", _guard(hub.heartbeat), methods=["POST"]),
        Route("/v1/duty", _guard(partial(duty, hub)), methods=["GET", "POST"]),
        Route("/v1/enrol/bootstrap", _guard(partial(bootstrap, hub)), methods=["GET"]),
        Route("/v1/enrol", _guard(partial(enrol, hub)), methods=["POST"]),
        # One route for both methods, so that a 405 on it lists both in Allow.
        Route(
            "/v1/epoch-keys",
            _guard(_by_method(GET=partial(get_epoch_keys, hub), POST=partial(post_epoch_key, hub))),
            methods=["GET", "POST"],
        ),
        *admin_routes(hub.store, settings),
    ]
    app = Starlette(
        routes=routes, lifespan=lifespan, exception_handlers={HTTPException: http_error}
    )
    app.state.hub = hub
    return app
