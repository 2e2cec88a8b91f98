"""Alerts through the groups' relays (webhook, e-mail, MQTT), beside the consoles'
event streams: what is due, delivery with retries, and each relay's health.

Each escalation tick hands `follow` the open tickets and the groups reached
(kiosk/hub/escalator.py). A group with relays is alerted through each of them
when its step comes, as its consoles are; when the request is accepted or
closed, pending alerts stop and each relay that was alerted is told
"answered". Delivery is at least once: each message is retried with backoff
(1 s doubling to a minute) while its request is open, on worker threads of
its own, so a slow or dead relay never holds up a stream or a request. A
restarted hub sends what is due again with the same idempotency key.

Nothing of it is stored: the queue lives in memory and a request's entries go
when it closes. Messages carry no category, detail or reply
(kiosk/core/alert_relays.py); logs carry the relay's name and an error class.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import random
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.core.alert_relays import AlertRelay, RelayMessage
from kiosk.core.clock import Clock
from kiosk.core.escalation import alert_delays, skipped_steps
from kiosk.core.site import Route, Site, StaffGroup
from kiosk.core.ticket import Ticket, TicketState
from kiosk.hub.alert_channels import error_class, send
from kiosk.hub.logs import log_event
from kiosk.hub.relay_secrets import RelaySecretMissing, RelaySecrets

__all__ = ["AlertRelays", "RelayHealth"]

_LOG = logging.getLogger("kiosk.hub")
_UNANSWERED = (TicketState.SUBMITTED, TicketState.DELIVERED)
_MAX_BACKOFF = 60.0
_ANSWERED_FOR = 300.0  # "answered" is retried this long after the request closed
_WORKERS = 4
_TEST_SECONDS = 30.0


@dataclass
class RelayHealth:
    """Content-free: which relay, what failed last and since when."""

    group: str
    name: str
    kind: str
    error: str | None = None
    failing_since: float | None = None
    delivered_at: float | None = None

    def as_json(self) -> dict[str, object]:
        state = "failing" if self.error else ("ok" if self.delivered_at else "untried")
        return {
            "group": self.group,
            "name": self.name,
            "kind": self.kind,
            "state": state,
            "error": self.error,
            "failing_since": self.failing_since,
            "delivered_at": self.delivered_at,
        }


@dataclass(eq=False)
class _Delivery:
    group: str
    relay: AlertRelay
    message: RelayMessage
    key: str
    ticket_id: str
    until: float | None = None  # monotonic; None: while the request is open
    attempts: int = 0
    next_at: float = 0.0
    busy: bool = field(default=False)


class AlertRelays:
    def __init__(self, data_dir: Path, clock: Clock) -> None:
        self.secrets = RelaySecrets(data_dir)
        self._clock = clock
        self._queue: list[_Delivery] = []
        self._alerted: dict[str, dict[tuple[str, str], AlertRelay]] = {}  # ticket → relays told
        # Times an open ticket was answered and then waited again (handed over): a
        # new round's alerts get new idempotency keys, or receivers would drop them.
        self._rounds: dict[str, int] = {}
        self._health: dict[tuple[str, str], RelayHealth] = {}
        self._executor = ThreadPoolExecutor(_WORKERS, thread_name_prefix="relay")
        self._wake: asyncio.Event | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._working: frozenset[str] | None = None  # working_groups, until health changes

    # -- what is due (each escalation tick) ------------------------------------------
    def working_groups(self) -> frozenset[str]:
        """Groups with a relay that is not failing (kiosk/hub/reach.py)."""
        working = self._working
        if working is None:
            working = frozenset(h.group for h in self._health.values() if h.error is None)
            self._working = working
        return working

    def follow(
        self, site: Site, tickets: Sequence[Ticket], reached: frozenset[str], now: float
    ) -> None:
        self._know(site)
        waiting = {t.id: t for t in tickets if t.state in _UNANSWERED}
        for ticket_id in [t for t in self._alerted if t not in waiting]:
            self._answered(ticket_id)
        open_ids = {t.id for t in tickets}
        self._rounds = {t: n for t, n in self._rounds.items() if t in open_ids}
        self._poke()
        groups = {g.id: g for g in site.groups if g.alerts}
        if not groups:
            return
        for ticket in waiting.values():
            route = site.route_for(ticket.location_id, ticket.category.value, ticket.urgency.value)
            if route is not None and any(s.group_id in groups for s in route.steps):
                self._due(site, groups, route, ticket, reached, now)
        self._poke()

    def _know(self, site: Site) -> None:
        """Health entries for the site's relays as they are now."""
        current = {(g.id, r.name): r for g in site.groups for r in g.alerts}
        self._working = None
        for key in [k for k in self._health if k not in current]:
            del self._health[key]
        for (group, name), relay in current.items():
            if (group, name) not in self._health or self._health[(group, name)].kind != relay.kind:
                self._health[(group, name)] = RelayHealth(group, name, relay.kind.value)

    def _due(
        self,
        site: Site,
        groups: dict[str, StaffGroup],
        route: Route,
        ticket: Ticket,
        reached: frozenset[str],
        now: float,
    ) -> None:
        told = self._alerted.setdefault(ticket.id, {})
        round_ = str(self._rounds.get(ticket.id, 0))
        for group_id, delay in alert_delays(route, reached).items():
            group = groups.get(group_id)
            if group is None or now < ticket.created_at + delay:
                continue
            location = site.location(ticket.location_id)
            message = RelayMessage(
                kind="alert",
                reference=self.reference(ticket.id),
                place=location.label if location else "",
                station=location.station if location else "",
                urgency=ticket.urgency.value,
                age_seconds=max(0, int(now - ticket.created_at)),
                step=1 + next(i for i, s in enumerate(route.steps) if s.group_id == group_id),
                steps=len(route.steps),
                group=group_id,
                skipped=skipped_steps(route, reached, group_id),
            )
            for relay in group.alerts:
                if (group_id, relay.name) in told:
                    continue
                told[(group_id, relay.name)] = relay
                key = self._key("alert", ticket.id, round_, group_id, relay.name)
                self._queue.append(_Delivery(group_id, relay, message, key, ticket.id))
                log_event("relay.queued", relay=f"{group_id}/{relay.name}")

    def _answered(self, ticket_id: str) -> None:
        """Accepted or closed: stop its alerts; tell each relay that had one."""
        self._queue = [d for d in self._queue if d.ticket_id != ticket_id or d.until is not None]
        told = self._alerted.pop(ticket_id)
        round_ = str(self._rounds.get(ticket_id, 0))
        if told:
            self._rounds[ticket_id] = int(round_) + 1
        until = time.monotonic() + _ANSWERED_FOR
        message = RelayMessage(kind="answered", reference=self.reference(ticket_id))
        for (group_id, name), relay in told.items():
            key = self._key("answered", ticket_id, round_, group_id, name)
            self._queue.append(_Delivery(group_id, relay, message, key, "", until))

    def reference(self, ticket_id: str) -> str:
        """Opaque to anyone without the hub's relay key: not the ticket id, and not
        the reference of the hub's log lines either."""
        return self._mac("ref", ticket_id)[:16]

    def _key(self, *parts: str) -> str:
        return self._mac("key", *parts)[:32]

    def _mac(self, *parts: str) -> str:
        data = "\x1f".join(parts).encode()
        return hmac.new(self.secrets.reference_key(), data, hashlib.sha256).hexdigest()

    # -- delivery --------------------------------------------------------------------
    def _poke(self) -> None:
        if self._wake is not None:
            self._wake.set()

    async def deliver_forever(self) -> None:
        """Start what is due, then sleep until the next retry or a new message."""
        self._wake = asyncio.Event()
        while True:
            wait = self.deliver_due()
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=wait)

    def deliver_due(self) -> float:
        """Start every due attempt; seconds until the next one comes due."""
        now = time.monotonic()
        self._queue = [d for d in self._queue if d.until is None or d.until > now or d.busy]
        for delivery in self._queue:
            if not delivery.busy and delivery.next_at <= now:
                delivery.busy = True
                task = asyncio.get_running_loop().create_task(self._attempt(delivery))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        later = [d.next_at - now for d in self._queue if not d.busy]
        return max(0.05, min(later, default=_MAX_BACKOFF))

    async def settle(self) -> None:
        """Wait for the attempts under way (tests; shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _attempt(self, delivery: _Delivery) -> None:
        error = await self._send(delivery.group, delivery.relay, delivery.message, delivery.key)
        delivery.busy = False
        delivery.attempts += 1
        if error is None:
            if delivery in self._queue:
                self._queue.remove(delivery)
        else:
            backoff = min(_MAX_BACKOFF, 2.0 ** (delivery.attempts - 1))
            delivery.next_at = time.monotonic() + backoff * random.uniform(0.8, 1.2)  # noqa: S311 (jitter)
        self._poke()

    async def _send(
        self, group: str, relay: AlertRelay, message: RelayMessage, key: str
    ) -> str | None:
        """One try; None when delivered, else the error's class (also in the health)."""
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._executor, self._send_blocking, relay, message, key)
        except Exception as exc:
            error = "secret_missing" if isinstance(exc, RelaySecretMissing) else error_class(exc)
            self._mark(group, relay, error)
            log_event("relay.failed", relay=f"{group}/{relay.name}", error=error)
            return error
        self._mark(group, relay, None)
        log_event("relay.delivered", relay=f"{group}/{relay.name}", type=message.kind)
        return None

    def _send_blocking(self, relay: AlertRelay, message: RelayMessage, key: str) -> None:
        secret = self.secrets.secret(relay.secret) if relay.secret else ""
        send(relay, message, key, secret, self.secrets.tls())

    def _mark(self, group: str, relay: AlertRelay, error: str | None) -> None:
        self._working = None
        health = self._health.setdefault(
            (group, relay.name), RelayHealth(group, relay.name, relay.kind.value)
        )
        if error is None:
            health.error, health.failing_since, health.delivered_at = None, None, self._clock()
        elif health.error is None or health.failing_since is None:
            health.error, health.failing_since = error, self._clock()
        else:
            health.error = error

    # -- the operator's view -----------------------------------------------------------
    def health(self, site: Site | None) -> list[dict[str, object]]:
        if site is not None:
            self._know(site)
        return [h.as_json() for _, h in sorted(self._health.items())]

    async def test_group(self, site: Site, group_id: str) -> list[dict[str, object]]:
        """One test message through each relay of the group, sent now, side by side."""
        self._know(site)
        relays = next((g.alerts for g in site.groups if g.id == group_id), ())
        message = RelayMessage(
            kind="test", reference=self._mac("test", str(time.time()))[:16], group=group_id
        )

        async def one(relay: AlertRelay) -> dict[str, object]:
            key = self._key("test", message.reference, relay.name)
            try:
                error = await asyncio.wait_for(
                    self._send(group_id, relay, message, key), _TEST_SECONDS
                )
            except TimeoutError:
                error = "timeout"
            return {
                "name": relay.name,
                "kind": relay.kind.value,
                "delivered": error is None,
                "error": error,
            }

        return list(await asyncio.gather(*(one(r) for r in relays)))

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
