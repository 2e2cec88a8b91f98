"""The hub's periodic steps besides escalation (escalator.py): presence, and
expiry with the statistics counters' retention. Each takes the time it runs
at, so a test can set it and call one step; `every` runs a step on a timer
while the hub runs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from starlette.concurrency import run_in_threadpool

from kiosk.core.clock import Clock
from kiosk.core.site import DeviceRole, Site
from kiosk.core.statistics import day_key, week_key
from kiosk.hub.counter_store import CounterStore
from kiosk.hub.live_site import LiveSite
from kiosk.hub.logs import log_event, ticket_ref
from kiosk.hub.presence import Presence, presence_event
from kiosk.hub.publisher import Publisher
from kiosk.hub.settings import DEFAULT_TICKET_TTL_SECONDS, HubSettings
from kiosk.hub.statistics import counting
from kiosk.hub.store import Store
from kiosk.hub.views import Views

__all__ = ["Expiry", "PresenceSweep", "every"]

_LOG = logging.getLogger("kiosk.hub")


async def every(seconds: float, job: Callable[[], Awaitable[object]], what: str) -> None:
    """Run `job` every `seconds` while the hub runs; one failed run never stops it
    (logged by kind only: an exception message could carry content)."""
    while True:
        await asyncio.sleep(seconds)
        try:
            await job()
        except Exception as exc:
            _LOG.error("event=%s.failed kind=%s", what, type(exc).__name__)


class PresenceSweep:
    def __init__(
        self,
        settings: HubSettings,
        presence: Presence,
        site: LiveSite,
        publisher: Publisher,
        clock: Clock,
    ) -> None:
        self._clock = clock
        self._offline_after = settings.offline_after_seconds
        self._presence = presence
        self._site = site
        self._publisher = publisher
        # Several hubs (PostgreSQL): consoles beating, whichever hub they stream
        # from; escalation counts them as there (kiosk/hub/reach.py).
        self.shared = False
        self.beating: frozenset[str] = frozenset()

    async def sweep_once(self, now: float | None = None) -> None:
        """Store the beats and the devices streaming here as seen, and tell the
        control room about kiosks gone silent or back by `now` (the clock's time
        if None)."""
        now = self._clock() if now is None else now
        # Taken on the loop, where streams come and go; stored on a worker thread.
        streaming = self._publisher.broker.streaming()
        changes = await run_in_threadpool(self._presence.sweep, now, self._offline_after, streaming)
        if self.shared:
            since = now - self._offline_after
            self.beating = await run_in_threadpool(self._presence.beating, since)
        site = await self._site.current() if changes else None
        for change in changes:
            device = site.device(change.device_id) if site else None
            if site is None or device is None or device.role is not DeviceRole.KIOSK:
                continue
            log_event(
                "device.online" if change.online else "device.offline", device=change.device_id
            )
            self._publisher.everywhere(presence_event(site, device, change.online))


class Expiry:
    def __init__(
        self,
        settings: HubSettings,
        store: Store,
        site: LiveSite,
        publisher: Publisher,
        clock: Clock,
        views: Views,
        counters: CounterStore,
    ) -> None:
        self._clock = clock
        self._ttl = settings.ticket_ttl_seconds
        self._store = store
        self._site = site
        self._publisher = publisher
        self._views = views
        self._counters = counters

    def ticket_ttl(self, site: Site | None) -> int:
        """--ticket-ttl if given, else the site file's request_expiry_seconds."""
        if self._ttl is not None:
            return self._ttl
        return site.limits.request_expiry_seconds if site else DEFAULT_TICKET_TTL_SECONDS

    async def expire_once(self, now: float | None = None) -> None:
        """Expire and purge tickets older than the limit at `now` (the clock's time
        if None); forget old nonces, and statistics counters past their time."""
        now = self._clock() if now is None else now
        site = await self._site.current()  # also notices revocations while no device calls
        await run_in_threadpool(self._store.forget_nonces, now)
        await run_in_threadpool(self.forget_counters, site, now)
        cutoff = now - self.ticket_ttl(site)
        count = counting(self._views, site)
        expired = await run_in_threadpool(self._store.expire_older_than, cutoff, count, now)
        if not expired:
            return
        site, _ = await self._site.signed()
        for ticket in expired:
            log_event("ticket.expired", ref=ticket_ref(ticket.id))
            if site is not None:
                self._publisher.ticket(ticket, site)

    def forget_counters(self, site: Site | None, now: float) -> None:
        """Statistics switched off: delete every counter; on: those of days and
        weeks that ended more than keep_days ago (worker thread)."""
        if site is None:
            return
        settings = site.statistics
        if not settings.enabled:
            self._counters.forget_all()
            return
        oldest = now - settings.keep_days * 86_400
        zone = settings.zone()
        self._counters.forget_before(day_key(oldest, zone), week_key(oldest, zone))
