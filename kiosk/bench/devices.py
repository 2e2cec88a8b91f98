"""Simulated kiosks and staff consoles: the apps' real client code (HubClient,
EventStream) driven by scripted people instead of touches.

Each device keeps its event stream open for the whole run, as the apps do, so
the hub carries one long-lived TLS connection per device.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from kiosk.bench.fleet import CONTROL_GROUP, Device
from kiosk.bench.record import Recorder
from kiosk.client import EventStream, Heartbeat, HubClient
from kiosk.client.delivery import report_delay_for, still_to_report
from kiosk.core.body import TicketBody
from kiosk.core.errors import HubRefused, HubUnreachable, KioskError
from kiosk.core.site import Site
from kiosk.staff.key_ring import EpochPublisher, KeyRing, open_request

__all__ = ["Later", "SimKiosk", "SimStaff"]

_CLOSED = frozenset({"resolved", "cancelled", "expired"})
# How long a simulated staff member keeps tapping again when the hub does not answer.
_STAFF_PATIENCE = 60.0


class Later:
    """Runs callbacks on the pool after a delay, from one timer thread (a
    threading.Timer each would start hundreds of threads a second)."""

    def __init__(self, pool: ThreadPoolExecutor) -> None:
        self._pool = pool
        self._due: list[tuple[float, int, Callable[[], None]]] = []
        self._count = itertools.count()
        self._wake = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="bench-later", daemon=True)
        self._thread.start()

    def call(self, delay: float, job: Callable[[], None]) -> None:
        with self._wake:
            heapq.heappush(self._due, (time.monotonic() + delay, next(self._count), job))
            self._wake.notify()

    def stop(self) -> None:
        with self._wake:
            self._stopped = True
            self._wake.notify()

    def _run(self) -> None:
        with self._wake:
            while not self._stopped:
                now = time.monotonic()
                while self._due and self._due[0][0] <= now:
                    self._pool.submit(heapq.heappop(self._due)[2])
                self._wake.wait(self._due[0][0] - now if self._due else None)


class _SimDevice:
    def __init__(self, device: Device, recorder: Recorder, pool: ThreadPoolExecutor) -> None:
        self.id = device.config.device_id
        self.client = HubClient(device.config, device.keys)
        self.recorder = recorder
        self.pool = pool
        self.connected = threading.Event()
        self.stream = EventStream(self.client, self._on_event_safe, self._on_connection)
        self.heartbeat = Heartbeat(self.client)  # as the apps do: part of the hub's load

    def start(self) -> None:
        self.stream.start()
        self.heartbeat.start()

    def stop(self) -> None:
        self.stream.stop()
        self.heartbeat.stop()
        self.client.close()

    def _on_connection(self, connected: bool) -> None:
        (self.connected.set if connected else self.connected.clear)()

    def _on_event_safe(self, event: dict[str, Any]) -> None:
        if event.get("type") == "ticket" and isinstance(event.get("ticket"), dict):
            self.on_ticket(event["ticket"])
        elif event.get("type") == "connecting":
            self.on_reconnect()

    def on_ticket(self, view: dict[str, Any]) -> None:
        raise NotImplementedError

    def on_reconnect(self) -> None:
        """A fresh snapshot follows: what it repeats is not a duplicate."""


class SimKiosk(_SimDevice):
    """A kiosk; the bench's parent process knows which ones a traveller is using
    (from what they report: closed, or the submission given up)."""

    def warm_up(self, site: Site) -> None:
        """As the kiosk app does when its stream connects: the consoles' keys, checked."""
        self.client.epoch_keys(site)

    def send(self, site: Site, ticket_id: str, body: TicketBody, patience: float) -> None:
        """Submit as the app does: retried with the same id until `patience` runs out."""
        deadline = time.monotonic() + patience
        delay = 0.2
        why = ""
        while True:
            try:
                self.client.submit_ticket(site, ticket_id, body)
                self.recorder.submitted(ticket_id)
                return
            except HubRefused as exc:
                why = f"{exc.status} {exc.code}"
                if exc.status < 500 or time.monotonic() > deadline:
                    break
            except KioskError as exc:
                why = type(exc).__name__
                if time.monotonic() > deadline:
                    break
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
        self.recorder.submit_failed(ticket_id, why)

    def on_ticket(self, view: dict[str, Any]) -> None:
        ticket_id, state = str(view.get("id")), str(view.get("state"))
        self.recorder.kiosk_saw(ticket_id, state)
        plan = self.recorder.plan(ticket_id)
        if state in _CLOSED:
            self.client.forget_reply_key(ticket_id)  # as the kiosk app does
        elif state == "accepted" and plan is not None and plan.cancel:
            self.pool.submit(self._withdraw, ticket_id)

    def _withdraw(self, ticket_id: str) -> None:
        with contextlib.suppress(KioskError):  # staff resolved it first: closed either way
            self.client.cancel(ticket_id)


class SimStaff(_SimDevice):
    def __init__(
        self,
        device: Device,
        recorder: Recorder,
        pool: ThreadPoolExecutor,
        later: Later,
        *,
        marker: str,
        hold: float,
        escalate_after: float,
    ) -> None:
        super().__init__(device, recorder, pool)
        self.later = later
        self.group = device.config.group_id or ""
        self.marker = marker
        self.hold = hold
        self.escalate_after = escalate_after
        self._shown: set[str] = set()
        self._states: dict[str, str] = {}  # the newest state each shown request has here
        self._lock = threading.Lock()
        # As the console: this epoch's receiving key in memory, published signed.
        self.key_ring = KeyRing(self.id)
        self.publisher = EpochPublisher(self.client, self.key_ring, time.time)

    def warm_up(self) -> None:
        self.client.site()  # the verified manifest, as a console fetches it at start
        self.publisher.publish_due()  # before any ticket: kiosks seal to this key

    def stop(self) -> None:
        self.publisher.stop()
        super().stop()
        self.key_ring.destroy_all()

    def on_reconnect(self) -> None:
        with self._lock:
            self._shown.clear()

    def on_ticket(self, view: dict[str, Any]) -> None:
        ticket_id, state = str(view.get("id")), str(view.get("state"))
        with self._lock:
            if state in _CLOSED:
                self._states.pop(ticket_id, None)
            elif ticket_id in self._states or view.get("sealed"):
                self._states[ticket_id] = state
        if state in _CLOSED or not view.get("sealed"):
            return  # an update of a ticket this console shows, or its end
        with self._lock:
            repeat = ticket_id in self._shown
            self._shown.add(ticket_id)
        if repeat:
            return  # the console keys its inbox by id: a snapshot repeat is harmless
        escalated_at = None
        if self.group == CONTROL_GROUP:
            escalated_at = float(view["created_at"]) + self.escalate_after
        self.recorder.notified(ticket_id, self.id, escalated_at, time.time())
        self.pool.submit(self._handle, view)

    def _handle(self, view: dict[str, Any]) -> None:
        ticket_id = str(view["id"])
        try:
            opened = open_request(self.client, self.key_ring, view)
        except KioskError:
            self.recorder.count("open_failures")
            return
        if self.marker not in opened.body.free_text:
            self.recorder.count("marker_missing")
        # As the console app: one report per request, from whichever console is first.
        delay = report_delay_for(view, self.id, self.client.kept_site())
        self.later.call(delay, lambda: self._report_delivered(ticket_id))
        plan = self.recorder.plan(ticket_id)
        if plan is None or self.id not in (plan.acceptor_id, plan.rival_id):
            return
        self.recorder.accept_sent(ticket_id)
        answer = self.act_until_answered(ticket_id, "accept", eta_minutes=3)
        if answer == "refused":
            self.recorder.count("accept_refused")  # a colleague has it: expected for rivals
            return
        if answer == "yes":
            self.recorder.accepted(ticket_id, self.id)
        # "refused after no answer": an earlier try may have been applied, so this
        # member goes on to resolve it (a colleague may resolve too: it is dealt with).
        if answer != "none":
            self.later.call(self.hold, lambda: self._resolve(ticket_id))

    def act_until_answered(self, ticket_id: str, action: str, **fields: Any) -> str:
        """As a person taps again when the console says the hub did not answer:
        "yes", "refused", "refused after no answer" or "none" (patience ran out)."""
        deadline = time.monotonic() + _STAFF_PATIENCE
        unanswered = False
        while True:
            try:
                self.client.act(ticket_id, action, **fields)
                return "yes"
            except HubRefused as exc:
                if exc.status < 500 and exc.status != 429:
                    return "refused after no answer" if unanswered else "refused"
                self.recorder.count("staff_unanswered")  # busy: tap again, as with no answer
                unanswered = True
            except HubUnreachable:
                self.recorder.count("staff_unanswered")
                unanswered = True
            except KioskError:
                return "none"
            if time.monotonic() > deadline:
                return "none"
            time.sleep(0.5)

    def _report_delivered(self, ticket_id: str) -> None:
        with self._lock:
            state = self._states.get(ticket_id)
        if not still_to_report(state):
            return
        self.recorder.count("delivery_reports")
        with contextlib.suppress(KioskError):  # closed meanwhile: reports are best effort
            self.client.act(ticket_id, "delivered")

    def _resolve(self, ticket_id: str) -> None:
        self.act_until_answered(ticket_id, "resolve")  # refused: the traveller withdrew first
