"""The hub's HTTP API (ASGI, Starlette). Every call is signed by an enrolled device.

    GET  /v1/health, /v1/openapi.json, /v1/manifest; POST /v1/heartbeat   routes_devices.py
    POST /v1/tickets, GET /v1/tickets/{id}, POST /v1/tickets/{id}/{action} routes_tickets.py
    POST /v1/tickets/{id}/replies                                         replies.py
    GET  /v1/events                                                       streams.py
    GET|POST /v1/duty                                                     duty.py
    GET  /v1/enrol/bootstrap, POST /v1/enrol                              enrolment_api.py
    GET|POST /v1/epoch-keys                                               epoch_keys.py
    /v1/admin/...                                                         admin_api.py
    /v1/admin/relays...                                                   relay_admin_api.py
    /v1/admin/live, /v1/admin/statistics                                  fleet_admin_api.py

Errors are JSON `{"error": code, "message": text}` with a 4xx status.

`create_hub` builds each part once and hands each router only the parts it
uses; `Hub` holds them, and the timers' steps, which tests call directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from functools import partial
from typing import TYPE_CHECKING

from anyio import to_thread
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kiosk.core.clock import Clock, system_clock
from kiosk.core.site import Site
from kiosk.hub.admin_api import admin_routes
from kiosk.hub.alert_relays import AlertRelays
from kiosk.hub.api_errors import error_response
from kiosk.hub.counter_store import CounterStore
from kiosk.hub.database import make_engine, upgrade_schema
from kiosk.hub.duty import DutyBook, duty_routes
from kiosk.hub.enrolment_api import enrolment_routes
from kiosk.hub.enrolment_store import EnrolmentStore
from kiosk.hub.epoch_keys import EpochKeyStore, epoch_key_routes
from kiosk.hub.escalator import Escalator
from kiosk.hub.events import Broker
from kiosk.hub.fleet_admin_api import FleetParts, fleet_admin_routes
from kiosk.hub.guarded import guard, guarded_route
from kiosk.hub.live_site import LiveSite
from kiosk.hub.presence import Presence
from kiosk.hub.publisher import Publisher
from kiosk.hub.reach import Reach
from kiosk.hub.relay import RemoteRelay
from kiosk.hub.relay_admin_api import relay_admin_routes
from kiosk.hub.replies import reply_routes
from kiosk.hub.reply_store import ReplyStore
from kiosk.hub.routes_devices import device_routes
from kiosk.hub.routes_tickets import TICKET_ACTION_EVENTS, TicketRoutes
from kiosk.hub.settings import HubSettings
from kiosk.hub.signed_calls import SignedCalls
from kiosk.hub.site_state import SiteState
from kiosk.hub.store import CHECKPOINT_GAP, Store
from kiosk.hub.streams import EventStreams
from kiosk.hub.streams_first import StreamsFirst
from kiosk.hub.sweeps import Expiry, PresenceSweep, every
from kiosk.hub.views import Views

if TYPE_CHECKING:  # psycopg (11 MB) is loaded only by hubs on PostgreSQL
    from kiosk.hub.pg_events import PgEvents

__all__ = ["TICKET_ACTION_EVENTS", "Hub", "create_hub"]

_WORKER_THREADS = 16
# Keep-alive checks a heartbeat: each stream's comes within a tick of its due
# time (kiosk/hub/events.py spreads those), 0.5 s at the default 15 s.
KEEPALIVE_TICKS = 30


class Hub:
    """The hub's parts, built once. `clock` is the time the timers' steps and
    the views judge by (time.time by default; tests pass their own)."""

    def __init__(
        self, settings: HubSettings, *, migrated: bool = False, clock: Clock = system_clock
    ) -> None:
        """`migrated`: the schema was brought up to date already (`kiosk hub`
        does it in a child process, so that Alembic never loads in the hub)."""
        self.settings = settings
        self.clock = clock
        engine = make_engine(settings.db_url)
        if not migrated:
            upgrade_schema(engine)
        self.store = Store(engine, loop_reader=True)
        self.replies = ReplyStore(engine)
        self.enrolments = EnrolmentStore(engine)
        self.epoch_keys = EpochKeyStore(self.store)
        self.duty = DutyBook(engine)
        self.duty.refresh()
        self.broker = Broker()
        self.site_state = SiteState(self.store, settings.data_dir / "site.pub")
        self.site = LiveSite(self.site_state, self.store, self.broker)
        self.reach = Reach(self.duty, self.broker)
        self.views = Views(self.reach, clock)
        self.calls = SignedCalls(settings, self.store, self.site)
        # Several hubs on one PostgreSQL database share events by LISTEN/NOTIFY;
        # one SQLite hub needs none.
        self.relay = RemoteRelay(
            Publisher(self.broker, self.views, None), self.store, self.replies, self.site
        )
        self.pg: PgEvents | None = None
        if engine.dialect.name == "postgresql":
            from kiosk.hub.pg_events import PgEvents

            self.pg = PgEvents(settings.db_url, self.relay.on_remote, self.relay.resync)
        self.publisher = Publisher(self.broker, self.views, self.pg)
        self.escalator = Escalator(
            self.store, self.reach, self.site, self.views, self.broker, clock
        )
        # The groups' alert relays: told by each escalation tick what is due; a
        # group with a working relay counts as reached.
        self.alerts = AlertRelays(settings.data_dir, clock)
        self.reach.relayed = self.alerts.working_groups
        self.escalator.after_tick = self.alerts.follow
        self.presence = Presence(self.store)
        self.presence_sweep = PresenceSweep(
            settings, self.presence, self.site, self.publisher, clock
        )
        if self.pg is not None:
            self.presence_sweep.shared = True
            self.reach.elsewhere = lambda: self.presence_sweep.beating
        self.counters = CounterStore(engine, self.store.write_lock)
        self.expiry = Expiry(
            settings, self.store, self.site, self.publisher, clock, self.views, self.counters
        )
        self.streams = EventStreams(
            self.broker, self.site, self.views, self.store, self.replies, self.duty, clock
        )
        self.fleet = FleetParts(
            site=self.site,
            views=self.views,
            reach=self.reach,
            duty=self.duty,
            broker=self.broker,
            relays=self.alerts,
            counters=self.counters,
            clock=clock,
        )
        self.tickets = TicketRoutes(
            settings, self.calls, self.store, self.views, self.publisher, clock
        )

    def close_streams(self) -> None:
        """End every event stream (at shutdown); devices reconnect to another hub."""
        self.streams.close()

    async def current_site(self) -> Site | None:
        return await self.site.current()

    def ticket_ttl(self, site: Site | None) -> int:
        return self.expiry.ticket_ttl(site)

    # -- the timers' steps, at the clock's time unless told ------------------------
    async def escalate_once(self, now: float | None = None) -> None:
        """Escalation, reminders, re-escalation and kiosk fallbacks that came due."""
        await self.escalator.escalate_once(now)

    async def presence_once(self, now: float | None = None) -> None:
        await self.presence_sweep.sweep_once(now)

    async def expire_once(self, now: float | None = None) -> None:
        await self.expiry.expire_once(now)

    async def keepalive_once(self) -> None:
        """Run KEEPALIVE_TICKS times a heartbeat: no stream stays silent longer
        than one heartbeat, which is what devices and proxies in between rely on
        (a device gives a stream up after 45 s: kiosk/client/transport.py)."""
        tick = self.settings.heartbeat_seconds / KEEPALIVE_TICKS
        self.broker.keepalive(time.monotonic(), self.settings.heartbeat_seconds - tick)


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    code = {404: "not_found", 405: "method_not_allowed"}.get(status, "http_error")
    detail = exc.detail if isinstance(exc, HTTPException) else "internal error"
    response = error_response(status, code, str(detail))
    if isinstance(exc, HTTPException) and exc.headers:  # e.g. Allow on a 405
        response.headers.update(exc.headers)
    return response


def _routes(hub: Hub) -> list[Route]:
    settings, calls = hub.settings, hub.calls
    return [
        *device_routes(settings, calls, hub.site, hub.presence, hub.clock),
        *hub.tickets.routes(),
        *reply_routes(calls, hub.store, hub.replies, hub.publisher),
        *hub.tickets.action_routes(),
        guarded_route("/v1/events", calls.authenticated(hub.streams.open), ["GET"]),
        *duty_routes(calls, hub.duty, hub.broker),
        *enrolment_routes(calls, hub.enrolments, hub.site, settings.data_dir),
        *epoch_key_routes(calls, hub.epoch_keys, hub.publisher),
        *admin_routes(hub.store, settings),
        *relay_admin_routes(hub.store, settings, hub.alerts, hub.site),
        *fleet_admin_routes(hub.store, settings, hub.fleet),
    ]


@contextlib.asynccontextmanager
async def _running(hub: Hub) -> AsyncIterator[None]:
    """The hub's timers and PostgreSQL listener while the app serves."""
    settings = hub.settings
    hub.relay.loop = asyncio.get_running_loop()
    # anyio's default is 40 worker threads; database calls take turns at one
    # writer anyway, and each thread costs a stack and a share of the heap.
    to_thread.current_default_thread_limiter().total_tokens = _WORKER_THREADS
    if hub.pg is not None:
        hub.pg.start()
    tasks = [
        asyncio.create_task(every(seconds, job, what))
        for seconds, job, what in (
            (settings.expiry_sweep_seconds, hub.expire_once, "expiry"),
            (settings.escalation_tick_seconds, hub.escalate_once, "escalation"),
            # WAL truncations that readers deferred (Store.after_purge).
            (CHECKPOINT_GAP, partial(run_in_threadpool, hub.store.finish_purges), "checkpoint"),
            (settings.presence_sweep_seconds, hub.presence_once, "presence"),
            (settings.heartbeat_seconds / KEEPALIVE_TICKS, hub.keepalive_once, "keepalive"),
        )
    ]
    if hub.pg is not None:
        tasks.append(asyncio.create_task(hub.relay.relay_forever()))
    tasks.append(asyncio.create_task(hub.alerts.deliver_forever()))
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
        hub.alerts.close()
        await run_in_threadpool(hub.store.truncate_wal)  # nothing left when we stop
        hub.store.close_loop_reader()


def create_hub(
    settings: HubSettings, *, migrated: bool = False, clock: Clock = system_clock
) -> Starlette:
    hub = Hub(settings, migrated=migrated, clock=clock)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with _running(hub):
            yield

    # GET /v1/events ahead of the router: a stream's call chain lives as long as it.
    events = guard(hub.calls.authenticated(hub.streams.open))
    app = Starlette(
        routes=_routes(hub),
        middleware=[Middleware(StreamsFirst, handler=events)],
        lifespan=lifespan,
        exception_handlers={HTTPException: _http_error},
    )
    app.state.hub = hub
    return app
