"""Simulated kiosks and staff consoles on one asyncio loop: the apps' client
steps (kiosk/bench/aio_client.py) driven by scripted people instead of touches.

Each device keeps its event stream open for the whole run, as the apps do, so
the hub carries one long-lived TLS connection per device; it beats when its
stream connects and every HEARTBEAT_SECONDS after, as the apps do.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Coroutine, Iterator
from typing import Any

from kiosk.bench.aio_client import AioClient, FleetShared
from kiosk.bench.fleet import CONTROL_GROUP, Device
from kiosk.bench.record import GONE
from kiosk.bench.relay import Relay
from kiosk.client import HubClient
from kiosk.client.delivery import report_delay_for, still_to_report
from kiosk.client.heartbeat import HEARTBEAT_SECONDS
from kiosk.core.body import TicketBody
from kiosk.core.errors import HubError, HubRefused, HubUnreachable, KioskError
from kiosk.core.site import Site
from kiosk.staff.key_ring import EpochPublisher, KeyRing, open_request

__all__ = ["SimDevice", "SimKiosk", "SimStaff", "beat_waits"]

_LOG = logging.getLogger("kiosk.bench")
_CLOSED = frozenset({"resolved", "cancelled", "expired"})
# How long a simulated staff member keeps tapping again when the hub does not answer.
_STAFF_PATIENCE = 60.0


class _Console(HubClient):
    """The console app's client, for what it keeps: its verified manifest."""

    def share_site(self, site: Site) -> None:
        """Keep `site` instead of the equal copy this console fetched and verified:
        a manifest of ten thousand devices is some 20 MB, and a shard holds
        dozens of consoles. Only the simulator's memory differs."""
        with self._site_lock:
            if self._site is not None and self._site.version == site.version:
                self._site = site


def beat_waits(interval: float, chance: random.Random) -> Iterator[float]:
    """Seconds between beats: the interval, each a little shorter at random, so
    devices that connected together drift apart instead of beating together."""
    while True:
        yield interval * chance.uniform(0.9, 1.0)


class SimDevice:
    def __init__(self, device: Device, relay: Relay, shared: FleetShared, site: Site) -> None:
        self.id = device.config.device_id
        self.client = AioClient(device.config, device.keys, shared)
        self.relay = relay
        self.site = site
        self.connected = asyncio.Event()  # the stream is open and synced
        self.ready = asyncio.Event()  # ...and the first connect's calls are done
        self._tasks: set[asyncio.Task[Any]] = set()
        self._alive: asyncio.Task[None] | None = None
        self._chance = random.Random()  # noqa: S311  (spreads load; not a secret)

    def spawn(self, job: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(job)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def start(self) -> None:
        self.spawn(self._stream())

    def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        self.client.close()

    async def _stream(self) -> None:
        """As kiosk/client/event_stream.py: reconnect with backoff, each time
        starting with a fresh snapshot."""
        delay = 0.5
        while True:
            self.on_reconnect()
            try:
                async for event in self.client.events():
                    if event.get("type") == "synced":
                        delay = 0.5
                        self._on_connected()
                        self.on_synced()
                    elif event.get("type") == "ticket" and isinstance(event.get("ticket"), dict):
                        self.on_ticket(event["ticket"])
            except HubError as exc:
                _LOG.info("event=stream.down kind=%s", type(exc).__name__)
            except Exception:  # keep reconnecting, whatever went wrong
                _LOG.exception("event=stream.failed")
            self.connected.clear()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)

    def _on_connected(self) -> None:
        self.connected.set()
        if self._alive is not None:
            self._alive.cancel()
        self._alive = self.spawn(self._beat())

    async def _beat(self) -> None:
        """A heartbeat now the stream is up, then the device's own calls at
        connect, then a heartbeat every HEARTBEAT_SECONDS."""
        waits = beat_waits(HEARTBEAT_SECONDS, self._chance)
        first = not self.ready.is_set()
        while True:
            with contextlib.suppress(KioskError):  # the stream reports the outage
                await self.client.heartbeat(self.site.version)
            if first:
                first = False
                try:
                    await self.on_connected()
                except KioskError as exc:  # a request fetches what it needs again
                    _LOG.info("event=connect_calls.failed kind=%s", type(exc).__name__)
                self.ready.set()
            await asyncio.sleep(next(waits))

    async def on_connected(self) -> None:
        """What the app does once its stream is up."""

    def on_ticket(self, view: dict[str, Any]) -> None:
        raise NotImplementedError

    def on_reconnect(self) -> None:
        """A fresh snapshot follows: what it repeats is not a duplicate."""

    def on_synced(self) -> None:
        """The snapshot is complete."""


class SimKiosk(SimDevice):
    """A kiosk; the bench's parent process knows which ones a traveller is using
    (from what they report: closed, or the submission given up)."""

    def __init__(self, device: Device, relay: Relay, shared: FleetShared, site: Site) -> None:
        super().__init__(device, relay, shared, site)
        self._open: set[str] = set()  # requests the hub took, not yet seen closed
        self._closed: set[str] = set()  # (a close can arrive before the submit's answer)
        self._in_snapshot: set[str] = set()

    def on_reconnect(self) -> None:
        self._in_snapshot = set()

    async def on_connected(self) -> None:
        await self._fetch_keys()

    def on_synced(self) -> None:
        """As the kiosk app (kiosk/traveller/request_tracking.py): a request of
        this kiosk's missing from the snapshot closed while its stream was down;
        and the consoles' keys are fetched and checked before anyone asks for
        help (at the first connect `on_connected` does it, before the load)."""
        for ticket_id in self._open - self._in_snapshot:
            self._open.discard(ticket_id)  # asked once; a failed ask is asked again below
            self.spawn(self._closed_meanwhile(ticket_id))
        if self.ready.is_set():
            self.spawn(self._fetch_keys())

    async def _fetch_keys(self) -> None:
        with contextlib.suppress(KioskError):  # a request fetches them again
            await self.client.epoch_keys(self.site)

    async def _closed_meanwhile(self, ticket_id: str) -> None:
        try:
            view = await self.client.ticket(ticket_id)
        except HubRefused as exc:
            if exc.status == 404 and ticket_id not in self._closed:
                # The app shows it as resolved; the bench counts it closed only if
                # someone's close was acknowledged (else the hub let it go: lost).
                self._closed.add(ticket_id)
                self.relay.kiosk_saw(ticket_id, GONE)
                self.client.forget_reply_key(ticket_id)
            return
        except KioskError:
            self._open.add(ticket_id)  # the next reconnect asks again
            return
        if ticket_id not in self._closed:  # else its close came on the new stream meanwhile
            if str(view.get("state")) not in _CLOSED:
                self._open.add(ticket_id)
            self.on_ticket(view)

    async def send(self, ticket_id: str, body: TicketBody, patience: float) -> None:
        """Submit as the app does: retried with the same id until `patience` runs out."""
        deadline = time.monotonic() + patience
        delay = 0.2
        why = ""
        while True:
            try:
                await self.client.submit_ticket(self.site, ticket_id, body)
                if ticket_id not in self._closed:
                    self._open.add(ticket_id)
                self.relay.submitted(ticket_id)
                return
            except HubRefused as exc:
                why = f"{exc.status} {exc.code}"
                if exc.status < 500 or time.monotonic() > deadline:
                    break
            except KioskError as exc:
                why = type(exc).__name__
                if time.monotonic() > deadline:
                    break
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)
        self.relay.submit_failed(ticket_id, why)

    def on_ticket(self, view: dict[str, Any]) -> None:
        ticket_id, state = str(view.get("id")), str(view.get("state"))
        self._in_snapshot.add(ticket_id)
        self.relay.kiosk_saw(ticket_id, state)
        if state in _CLOSED:
            self._open.discard(ticket_id)
            self._closed.add(ticket_id)
            self.client.forget_reply_key(ticket_id)  # as the kiosk app does
        elif state == "accepted":
            self.spawn(self._withdraw_if_planned(ticket_id))

    async def _withdraw_if_planned(self, ticket_id: str) -> None:
        plan = await self.relay.plan(ticket_id)
        if plan is not None and plan.cancel:
            with contextlib.suppress(KioskError):  # staff resolved it first: closed either way
                await self.client.cancel(ticket_id)
                self.relay.close_acked(ticket_id, "cancelled")


class SimStaff(SimDevice):
    def __init__(
        self,
        device: Device,
        relay: Relay,
        shared: FleetShared,
        site: Site,
        *,
        marker: str,
        hold: float,
        escalate_after: float,
    ) -> None:
        super().__init__(device, relay, shared, site)
        self.group = device.config.group_id or ""
        self.marker = marker
        self.hold = hold
        self.escalate_after = escalate_after
        self._shown: set[str] = set()
        self._states: dict[str, str] = {}  # the newest state each shown request has here
        # As the console: the verified manifest and this epoch's receiving key in
        # memory, published signed (the app's own code, over its blocking client).
        self.console = _Console(device.config, device.keys)
        self.key_ring = KeyRing(self.id)
        self.publisher = EpochPublisher(self.console, self.key_ring, time.time)

    def warm_up(self) -> None:
        """Blocking, before the fleet connects: the verified manifest, as a console
        fetches it at start, and the epoch key kiosks seal to."""
        self.console.site()
        self.console.share_site(self.site)
        self.publisher.publish_due()
        self.console.close()  # its kept manifest still opens requests

    def stop(self) -> None:
        super().stop()
        self.key_ring.destroy_all()

    def on_reconnect(self) -> None:
        self._shown.clear()

    def on_ticket(self, view: dict[str, Any]) -> None:
        ticket_id, state = str(view.get("id")), str(view.get("state"))
        if state in _CLOSED:
            self._states.pop(ticket_id, None)
        elif ticket_id in self._states or view.get("sealed"):
            self._states[ticket_id] = state
        if state in _CLOSED or not view.get("sealed"):
            return  # an update of a ticket this console shows, or its end
        if ticket_id in self._shown:
            return  # the console keys its inbox by id: a snapshot repeat is harmless
        self._shown.add(ticket_id)
        escalated_at = None
        if self.group == CONTROL_GROUP:
            escalated_at = float(view["created_at"]) + self.escalate_after
        self.relay.notified(ticket_id, self.id, escalated_at)
        self.spawn(self._handle(view))

    async def _handle(self, view: dict[str, Any]) -> None:
        ticket_id = str(view["id"])
        try:
            opened = open_request(self.console, self.key_ring, view)
        except KioskError:
            self.relay.count("open_failures")
            return
        if self.marker not in opened.body.free_text:
            self.relay.count("marker_missing")
        # As the console app: one report per request, from whichever console is first.
        delay = report_delay_for(view, self.id, self.console.kept_site(), time.time())
        self.spawn(self._report_delivered(ticket_id, delay))
        plan = await self.relay.plan(ticket_id)
        if plan is None or self.id not in (plan.acceptor_id, plan.rival_id):
            return
        self.relay.accept_sent(ticket_id)
        answer = await self.act_until_answered(ticket_id, "accept", eta_minutes=3)
        if answer == "refused":
            self.relay.count("accept_refused")  # a colleague has it: expected for rivals
            return
        if answer == "yes":
            self.relay.accepted(ticket_id, self.id)
        # "refused after no answer": an earlier try may have been applied, so this
        # member goes on to resolve it (a colleague may resolve too: it is dealt with).
        if answer != "none":
            await asyncio.sleep(self.hold)
            # Refused: the traveller withdrew first.
            answer = await self.act_until_answered(ticket_id, "resolve")
            if answer in ("yes", "refused after no answer"):  # the latter: an earlier try was
                self.relay.close_acked(ticket_id, "resolved")

    async def act_until_answered(self, ticket_id: str, action: str, **fields: Any) -> str:
        """As a person taps again when the console says the hub did not answer:
        "yes", "refused", "refused after no answer" or "none" (patience ran out)."""
        deadline = time.monotonic() + _STAFF_PATIENCE
        unanswered = False
        while True:
            try:
                await self.client.act(ticket_id, action, **fields)
                return "yes"
            except HubRefused as exc:
                if exc.status < 500 and exc.status != 429:
                    return "refused after no answer" if unanswered else "refused"
                self.relay.count("staff_unanswered")  # busy: tap again, as with no answer
                unanswered = True
            except HubUnreachable:
                self.relay.count("staff_unanswered")
                unanswered = True
            except KioskError:
                return "none"
            if time.monotonic() > deadline:
                return "none"
            await asyncio.sleep(0.5)

    async def _report_delivered(self, ticket_id: str, delay: float) -> None:
        await asyncio.sleep(delay)
        if not still_to_report(self._states.get(ticket_id)):
            return
        self.relay.count("delivery_reports")
        with contextlib.suppress(KioskError):  # closed meanwhile: reports are best effort
            await self.client.act(ticket_id, "delivered")
