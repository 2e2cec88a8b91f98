"""GET /v1/events: each device's stream of server-sent events (see events.py).

A stream starts with a snapshot of what its device may see (open tickets,
their replies, a console's duty state), then "synced", then each published
event its audience admits, rendered for the device (wire.py).
"""

from __future__ import annotations

import base64
import time
import weakref
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from kiosk.core.audience import Audience
from kiosk.core.clock import Clock
from kiosk.core.events import HubEvent, ReplyPosted, TicketChanged, TicketView
from kiosk.core.site import DeviceRecord, DeviceRole, Site
from kiosk.hub.api_errors import ApiError
from kiosk.hub.duty import DutyBook
from kiosk.hub.event_stream_response import EventStreamResponse
from kiosk.hub.events import Broker, StreamContext, Subscription
from kiosk.hub.live_site import LiveSite
from kiosk.hub.logs import log_event
from kiosk.hub.reply_store import ReplyStore
from kiosk.hub.signed_calls import Caller
from kiosk.hub.store import Store
from kiosk.hub.views import Views
from kiosk.hub.wire import render, reply_json, sse

__all__ = ["EventStreams"]

_EVENTS_PER_WRITE = 64  # queued events a stream writes at once, at most
_ABOUT_A_TICKET = (TicketChanged, ReplyPosted)  # what a console judges by its route


@dataclass(frozen=True, slots=True)
class _Reach:
    """A published ticket as the consoles' streams judge it (kiosk/core/audience.py).

    Whether a step has come, or a console may see the ticket at all, depends on
    the console only through its group: each is worked out once per group and
    event, not once per console (fifty consoles' streams ask about each event)."""

    views: Views
    site: Site
    view: TicketView
    now: float
    _due: dict[str | None, bool] = field(default_factory=dict)
    _on_route: dict[str | None, bool] = field(default_factory=dict)
    _admits: dict[str | None, bool] = field(default_factory=dict)

    def admits(self, audience: Audience, device: DeviceRecord) -> bool:
        """`audience.admits(device, self)` for a staff console: once per group
        when the audience names no console (it then judges a console by its
        group alone), else for this console."""
        if audience.device_id is not None or audience.except_device is not None:
            return audience.admits(device, self)
        known = self._admits.get(device.group_id)
        if known is None:
            known = self._admits[device.group_id] = audience.admits(device, self)
        return known

    def due(self, device: DeviceRecord) -> bool:
        known = self._due.get(device.group_id)
        if known is None:
            known = self._due[device.group_id] = self.views.due(
                device, self.site, self.view, self.now
            )
        return known

    def on_route(self, device: DeviceRecord) -> bool:
        known = self._on_route.get(device.group_id)
        if known is None:
            known = self._on_route[device.group_id] = self.site.staff_may_see(
                device, self.view.location_id, self.view.category
            )
        return known


class EventStreams:
    def __init__(
        self,
        broker: Broker,
        site: LiveSite,
        views: Views,
        store: Store,
        replies: ReplyStore,
        duty: DutyBook,
        clock: Clock,
    ) -> None:
        self._broker = broker
        self._site = site
        self._views = views
        self._store = store
        self._replies = replies
        self._duty = duty
        self._clock = clock
        self.closing = False
        self._last_reach: tuple[weakref.ref[TicketChanged | ReplyPosted], _Reach] | None = None

    def close(self) -> None:
        """End every event stream (at shutdown); devices reconnect to another hub."""
        self.closing = True
        self._broker.end_all()

    async def open(self, request: Request, caller: Caller) -> Response:
        device, site = caller.device, caller.site
        latest = self._site.latest
        if latest is not None and latest.version > site.version:
            # Signed under a manifest that has just been replaced: the stream
            # follows the new one, if it still lists this device as it was.
            if latest.device(device.id) != device:
                raise ApiError(401, "unknown_device", "this device's record has changed")
            site = latest
        context = StreamContext(device, site)
        subscription = self.subscribe(context)
        # Subscribe first, then snapshot: an event between the two arrives
        # twice (harmless, the client keys by id) rather than not at all.
        try:
            snapshot = await run_in_threadpool(self._snapshot, device, site)
        except BaseException:
            self._broker.unsubscribe(subscription)
            raise
        log_event("stream.opened", device=device.id)
        return EventStreamResponse(
            self.stream(context, subscription, snapshot),
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    def subscribe(self, context: StreamContext) -> Subscription:
        """What a stream for this device will write (its audience's events)."""
        device = context.device
        return self._broker.subscribe(
            device.id, self._wants(context), kiosk=device.role is DeviceRole.KIOSK, context=context
        )

    def _wants(self, context: StreamContext) -> Callable[[HubEvent], bool]:
        device = context.device  # the same while the stream lasts (Broker.follow_manifest)

        staff = device.role is DeviceRole.STAFF

        def wants(event: HubEvent) -> bool:
            # Asked by fifty consoles' streams about every event: kept short.
            if staff and isinstance(event, _ABOUT_A_TICKET):
                return self._reach(event, context.site).admits(event.audience, device)
            return event.audience.admits(device, None)

        return wants

    def _reach(self, event: TicketChanged | ReplyPosted, site: Site) -> _Reach:
        """One _Reach for the streams of one site asked about one event in turn
        (Broker.publish asks every stream before the next event). Kept through a
        weak reference: it goes with the event (the ticket's route and state with
        it), and a later event at the same address is never taken for this one."""
        last = self._last_reach
        if last is not None and last[0]() is event and last[1].site is site:
            return last[1]
        reach = _Reach(self._views, site, event.ticket, self._clock())
        self._last_reach = (weakref.ref(event, self._forget_reach), reach)
        return reach

    def _forget_reach(self, gone: weakref.ref[TicketChanged | ReplyPosted]) -> None:
        if self._last_reach is not None and self._last_reach[0] is gone:
            self._last_reach = None

    def _snapshot(self, device: DeviceRecord, site: Site) -> list[dict[str, Any]]:
        if device.role is DeviceRole.KIOSK:
            mine = self._store.open_tickets_of_kiosk(device.id)
            tickets = [{"type": "ticket", "ticket": self._views.kiosk_view(t, site)} for t in mine]
            return tickets + self._reply_events(device, [t.id for t in mine])
        events: list[dict[str, Any]] = [{"type": "duty", "on_duty": self._duty.on_duty(device.id)}]
        now = self._clock()
        shown: list[str] = []
        for t in self._store.open_tickets():
            view = self._views.public_view(t, site)
            if not self._views.due(device, site, view, now):
                continue
            copy = self._store.sealed_copy(t.id, device.id)
            doc = view.as_json()
            doc["sealed"] = base64.b64encode(copy).decode() if copy else None
            events.append({"type": "ticket", "ticket": doc})
            shown.append(t.id)
        return events + self._reply_events(device, shown)

    def _reply_events(self, device: DeviceRecord, ticket_ids: list[str]) -> list[dict[str, Any]]:
        """The replies of these (open, visible) tickets. Blocking."""
        kiosk = device.role is DeviceRole.KIOSK
        return [
            {"type": "reply", "reply": reply_json(r, sealed=kiosk)}
            for r in self._replies.of_tickets(ticket_ids)
        ]

    async def stream(
        self,
        context: StreamContext,
        subscription: Subscription,
        snapshot: list[dict[str, Any]],
    ) -> AsyncGenerator[bytes, None]:
        device = context.device
        try:
            first = b"".join(sse(event) for event in [*snapshot, {"type": "synced"}])
            # Not kept for the stream's life: a console's snapshot holds every
            # open ticket with its sealed copy (kilobytes each), per console.
            snapshot.clear()
            yield first
            del first
            while not subscription.overflowed and not self.closing:
                subscription.sent_at = time.monotonic()
                # Broker.keepalive wakes a quiet one. What queued meanwhile goes in
                # the same write: a busy hub then hands the server fewer, larger
                # writes (each is a trip into granian, the loop's largest single
                # cost under load).
                events = await subscription.take(_EVENTS_PER_WRITE)
                site = context.site  # a new manifest may have replaced it meanwhile
                written = b"".join(render(self._views, device, site, e) for e in events)
                if written:
                    yield written
        finally:
            self._broker.unsubscribe(subscription)
            log_event("stream.closed", device=device.id)
