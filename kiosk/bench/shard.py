"""One shard of the bench's simulated devices: a process of its own that runs
them with the apps' client code, and tells the parent (shards.py) what they saw,
with the moment they saw it (the monotonic clock is the same in every process
of a machine)."""

from __future__ import annotations

import contextlib
import gc
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from kiosk.bench.devices import Later, SimKiosk, SimStaff
from kiosk.bench.fleet import Device
from kiosk.bench.record import Plan, Recorder
from kiosk.client import DeviceConfig
from kiosk.core.errors import KioskError
from kiosk.core.site import Site
from kiosk.crypto import DeviceKeys

__all__ = ["CONNECT_SECONDS", "ShardSettings", "shard_main"]

CONNECT_SECONDS = 120.0
_SEND_PATIENCE = 20.0  # as the kiosk app's default
_PLAN_WAIT = 10.0


@dataclass(frozen=True, slots=True)
class ShardSettings:
    marker: str
    hold: float
    escalate_after: float
    workers: int = 64


class _Relay(Recorder):
    """The Recorder as a shard's devices use it: what they see goes to the parent."""

    def __init__(self, post: Callable[[tuple[Any, ...]], None]) -> None:
        super().__init__()
        self._post = post
        self._plans: dict[str, Plan] = {}
        self._planned = threading.Condition()

    def add_plan(self, ticket_id: str, plan: Plan) -> None:
        with self._planned:
            self._plans[ticket_id] = plan
            self._planned.notify_all()

    def plan(self, ticket_id: str) -> Plan | None:
        # The plan is sent before the tap, but this shard may read it a moment
        # after its console has the ticket.
        deadline = time.monotonic() + _PLAN_WAIT
        with self._planned:
            while ticket_id not in self._plans:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._planned.wait(left)
            return self._plans[ticket_id]

    def submitted(self, ticket_id: str, at: float | None = None) -> None:
        self._post(("submitted", ticket_id, at or self.now()))

    def submit_failed(self, ticket_id: str = "", why: str = "") -> None:
        self._post(("submit_failed", ticket_id, why))

    def kiosk_saw(self, ticket_id: str, state: str, at: float | None = None) -> None:
        self._post(("kiosk_saw", ticket_id, state, at or self.now()))

    def notified(
        self,
        ticket_id: str,
        console: str,
        escalated_at: float | None,
        wall_now: float,
        at: float | None = None,
    ) -> None:
        self._post(("notified", ticket_id, console, escalated_at, wall_now, at or self.now()))

    def accept_sent(self, ticket_id: str, at: float | None = None) -> None:
        self._post(("accept_sent", ticket_id, at or self.now()))

    def accepted(self, ticket_id: str, console: str) -> None:
        self._post(("accepted", ticket_id, console))

    def count(self, what: str) -> None:
        self._post(("count", what))


def _load(directory: Path) -> Device:
    return Device(DeviceConfig.load(directory), DeviceKeys.load(directory))


def shard_main(
    conn: Connection,
    site: Site,
    kiosk_dirs: list[Path],
    staff_dirs: list[Path],
    settings: ShardSettings,
) -> None:
    """A shard process: its devices, until the parent says stop."""
    lock = threading.Lock()

    def post(message: tuple[Any, ...]) -> None:
        with lock:
            conn.send(message)

    relay = _Relay(post)
    pool = ThreadPoolExecutor(max_workers=settings.workers, thread_name_prefix="bench")
    later = Later(pool)
    kiosks: dict[str, SimKiosk] = {}
    staff: list[SimStaff] = []
    try:
        staff = [
            SimStaff(
                _load(d),
                relay,
                pool,
                later,
                marker=settings.marker,
                hold=settings.hold,
                escalate_after=settings.escalate_after,
            )
            for d in staff_dirs
        ]
        for console in staff:
            console.warm_up()
        kiosks = {k.id: k for k in (SimKiosk(_load(d), relay, pool) for d in kiosk_dirs)}
        post(("staff_warm",))
        if conn.recv() != ("start",):
            return
        devices: list[SimKiosk | SimStaff] = [*staff, *kiosks.values()]
        for device in devices:
            device.start()
        deadline = time.monotonic() + CONNECT_SECONDS
        for device in devices:
            if not device.connected.wait(max(0.0, deadline - time.monotonic())):
                raise KioskError(f"device {device.id} could not open its event stream")
        list(pool.map(lambda k: k.warm_up(site), kiosks.values()))
        # Thousands of long-lived objects: without this the shard, not the hub,
        # would spend its time collecting them. A larger young generation, as
        # the hub has (server.py): fewer collections stopping every device here.
        gc.freeze()
        gc.set_threshold(10_000)
        post(("ready",))
        while True:
            kind, *args = conn.recv()
            if kind == "plan":
                relay.add_plan(args[0], args[1])
            elif kind == "send":
                kiosk_id, ticket_id, body = args
                pool.submit(kiosks[kiosk_id].send, site, ticket_id, body, _SEND_PATIENCE)
            else:
                break
    except EOFError:
        pass  # the parent is gone
    except Exception as exc:  # the parent reports it and stops the run
        with contextlib.suppress(OSError):
            post(("failed", f"{type(exc).__name__}: {exc}"))
    finally:
        for sim in (*kiosks.values(), *staff):
            sim.stop()
        later.stop()
        pool.shutdown(wait=False, cancel_futures=True)
