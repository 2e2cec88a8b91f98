"""The Recorder as a shard's simulated devices use it: what they see goes to
the parent process (shards.py) as (Recorder method, *arguments), stamped with
the moment it happened (the monotonic clock is the same in every process of a
machine); the parent's plans for each ticket come back the other way."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from kiosk.bench.record import Plan

__all__ = ["PLAN_WAIT", "Relay"]

# The plan is sent before the tap, but a shard may read it a moment after its
# console has the ticket.
PLAN_WAIT = 10.0


class Relay:
    def __init__(self, post: Callable[[tuple[Any, ...]], None]) -> None:
        self._post = post
        self._plans: dict[str, Plan] = {}
        self._waiting: dict[str, asyncio.Future[Plan]] = {}

    def add_plan(self, ticket_id: str, plan: Plan) -> None:
        self._plans[ticket_id] = plan
        waiter = self._waiting.pop(ticket_id, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(plan)

    async def plan(self, ticket_id: str) -> Plan | None:
        found = self._plans.get(ticket_id)
        if found is not None:
            return found
        waiter = self._waiting.get(ticket_id)
        if waiter is None:
            waiter = self._waiting[ticket_id] = asyncio.get_running_loop().create_future()
        try:
            return await asyncio.wait_for(asyncio.shield(waiter), PLAN_WAIT)
        except TimeoutError:
            return None

    def submitted(self, ticket_id: str) -> None:
        self._post(("submitted", ticket_id, time.monotonic()))

    def submit_failed(self, ticket_id: str, why: str) -> None:
        self._post(("submit_failed", ticket_id, why))

    def kiosk_saw(self, ticket_id: str, state: str) -> None:
        self._post(("kiosk_saw", ticket_id, state, time.monotonic()))

    def close_acked(self, ticket_id: str, state: str) -> None:
        self._post(("close_acked", ticket_id, state))

    def notified(self, ticket_id: str, console: str, escalated_at: float | None) -> None:
        self._post(("notified", ticket_id, console, escalated_at, time.time(), time.monotonic()))

    def accept_sent(self, ticket_id: str) -> None:
        self._post(("accept_sent", ticket_id, time.monotonic()))

    def accepted(self, ticket_id: str, console: str) -> None:
        self._post(("accepted", ticket_id, console))

    def count(self, what: str) -> None:
        self._post(("count", what))
