"""The bench's simulated devices, spread over processes of their own (shard.py).

A process runs its Python on one core at a time. With a thousand kiosks and
fifty consoles in one process the bench measured its own queue for that core:
the process sat at one core from about 40 tickets/s, and the hub had time to
spare. Spread over processes (each an asyncio loop of thousands of devices),
the devices' TLS, crypto and JSON run side by side, as they do on real kiosks
and consoles.

The parent keeps the one Recorder and decides every ticket; the shards run the
devices and report what they saw.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import threading
import time
from multiprocessing.connection import Connection
from typing import Any

from kiosk.bench.fleet import CONTROL_GROUP, Device, Fleet
from kiosk.bench.free_kiosks import FreeKiosks
from kiosk.bench.hubs import process_rss_mb
from kiosk.bench.machine_cpu import process_cpu_seconds
from kiosk.bench.record import GONE, Plan, Recorder
from kiosk.bench.shard import ShardSettings, connect_seconds, shard_main
from kiosk.core.body import TicketBody
from kiosk.core.errors import KioskError
from kiosk.core.rate_limit import Bucket
from kiosk.core.ticket import CLOSED_STATES
from kiosk.hub.settings import NEW_TICKET_BUCKET

__all__ = ["Shards"]

# What a shard reports of its devices: Recorder methods, sent as (name, *arguments).
_RECORDED = frozenset(
    {
        "submitted",
        "submit_failed",
        "kiosk_saw",
        "close_acked",
        "notified",
        "accept_sent",
        "accepted",
        "count",
    }
)


def _spread(fleet: Fleet, count: int) -> list[tuple[list[Device], list[Device]]]:
    """The kiosks and consoles of each shard. With more than one, the control
    room's consoles get a shard of their own: they are shown every escalated
    request of the network, and among hundreds of other devices' threads their
    streams fell behind (at 60/s on two hubs, escalations reached them 14 s late
    while each hub published them on time). A control-room PC is a machine of
    its own; here it gets a process of its own."""
    control = list(fleet.group_members(CONTROL_GROUP)) if count > 1 else []
    staff = [d for d in fleet.staff if d not in control]
    parts = [(list(fleet.kiosks[n::count]), staff[n::count]) for n in range(count)]
    return [*parts, ([], control)] if control else parts


class Shards:
    """The parent's side: starts the shard processes, sends them tickets, and
    feeds what they report into `recorder`."""

    def __init__(
        self, fleet: Fleet, settings: ShardSettings, recorder: Recorder, count: int
    ) -> None:
        self.recorder = recorder
        self.kiosk_ids = [k.config.device_id for k in fleet.kiosks]
        # One ticket short of the hub's allowance: a submission delayed on its way
        # (the machine is busy) reaches the hub closer to the next than it was sent.
        allowance = Bucket(NEW_TICKET_BUCKET.capacity - 1, NEW_TICKET_BUCKET.per_second)
        self.free = FreeKiosks(self.kiosk_ids, allowance)
        count = max(1, min(count, len(fleet.kiosks) + len(fleet.staff)))
        self._devices = len(fleet.kiosks) + len(fleet.staff)
        settings = dataclasses.replace(settings, connect_seconds=connect_seconds(self._devices))
        context = multiprocessing.get_context("spawn")  # no fork of a threaded parent
        self._conns: list[Connection] = []
        self._child_ends: list[Connection] = []
        self._send_locks: list[threading.Lock] = []
        self._processes: list[Any] = []
        self._owner: dict[str, int] = {}
        for n, (kiosks, staff) in enumerate(_spread(fleet, count)):
            for k in kiosks:
                self._owner[k.config.device_id] = n
            parent_end, child_end = context.Pipe()
            process = context.Process(
                target=shard_main,
                args=(
                    child_end,
                    fleet.site,
                    [k.config.directory for k in kiosks],
                    [s.config.directory for s in staff],
                    settings,
                ),
                name=f"kiosk-bench-shard-{n}",
                daemon=True,
            )
            self._conns.append(parent_end)
            self._child_ends.append(child_end)
            self._send_locks.append(threading.Lock())
            self._processes.append(process)
        self._phase: list[set[int]] = [set(), set()]  # shards staff-warm; shards ready
        self._phase_changed = threading.Condition()
        self._failure = ""
        self._stopping = False
        self._readers: list[threading.Thread] = []
        # From "start" to every device's stream up (and its calls at connect done).
        self.connect_seconds = 0.0

    def start(self) -> None:
        """Every console publishes its key, then every device connects and every
        kiosk fetches the consoles' keys (which needs every shard's consoles)."""
        for process, child_end in zip(self._processes, self._child_ends, strict=True):
            process.start()
            child_end.close()  # the child's now: its end closing tells us it ended
        for n, conn in enumerate(self._conns):
            reader = threading.Thread(target=self._read, args=(n, conn), daemon=True)
            reader.start()
            self._readers.append(reader)
        self._wait_phase(0)
        started = time.monotonic()
        self._broadcast(("start",))
        self._wait_phase(1)
        self.connect_seconds = time.monotonic() - started

    def _wait_phase(self, phase: int) -> None:
        # The shards' own limit, and a little more: a shard that gives up says why.
        deadline = time.monotonic() + connect_seconds(self._devices) + 30.0
        with self._phase_changed:
            while len(self._phase[phase]) < len(self._conns) and not self._failure:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise KioskError("the bench's devices did not all connect in time")
                self._phase_changed.wait(left)
        if self._failure:
            raise KioskError(f"a bench shard failed: {self._failure}")

    @property
    def failure(self) -> str:
        """Why a shard stopped before it was told to ("" while all run)."""
        return self._failure

    def cpu_seconds(self) -> float:
        """CPU seconds the simulated devices' processes have used so far."""
        return sum(process_cpu_seconds(p.pid) for p in self._processes if p.pid is not None)

    def rss_mb(self) -> float:
        """The simulated devices' processes' resident memory, in MB."""
        return sum(process_rss_mb(p.pid) for p in self._processes if p.pid is not None)

    def take_kiosk(self, cursor: int) -> int | None:
        """The index of the next kiosk from `cursor` a traveller may use now."""
        return self.free.take(cursor, time.monotonic())

    def send(self, ticket_id: str, plan: Plan, body: TicketBody) -> None:
        """The plan to every shard (any console may show it), then the tap."""
        self.recorder.tapped(ticket_id, plan)
        self._broadcast(("plan", ticket_id, plan))
        self._post(self._owner[plan.kiosk_id], ("send", plan.kiosk_id, ticket_id, body))

    def stop(self) -> None:
        self._stopping = True
        self._broadcast(("stop",), quiet=True)
        for process in self._processes:
            if process.pid is None:
                continue  # never started (the hubs did not come up)
            process.join(timeout=20)
            if process.is_alive():
                process.terminate()
                process.join(timeout=5)
        for conn in self._conns:
            conn.close()

    def _broadcast(self, message: tuple[Any, ...], *, quiet: bool = False) -> None:
        for n in range(len(self._conns)):
            try:
                self._post(n, message)
            except OSError:
                if not quiet:
                    raise

    def _post(self, shard: int, message: tuple[Any, ...]) -> None:
        with self._send_locks[shard]:
            self._conns[shard].send(message)

    def _read(self, shard: int, conn: Connection) -> None:
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                if not self._stopping:  # it died: do not wait for it to report
                    self._report(f"shard {shard} ended without a word")
                return
            self._dispatch(shard, message)

    def _report(self, failure: str) -> None:
        with self._phase_changed:
            self._failure = self._failure or failure
            self._phase_changed.notify_all()

    def _dispatch(self, shard: int, message: tuple[Any, ...]) -> None:
        kind, *args = message
        if kind in _RECORDED:
            getattr(self.recorder, kind)(*args)
            # The traveller's request is over (or never got through): the kiosk is free.
            if kind == "submit_failed" or (
                kind == "kiosk_saw" and (args[1] in CLOSED_STATES or args[1] == GONE)
            ):
                self._release(args[0])
        elif kind == "failed":
            self._report(str(args[0]))
        elif kind in ("staff_warm", "ready"):
            with self._phase_changed:
                self._phase[0 if kind == "staff_warm" else 1].add(shard)
                self._phase_changed.notify_all()

    def _release(self, ticket_id: str) -> None:
        plan = self.recorder.plan(ticket_id)
        if plan is not None:
            self.free.release(plan.kiosk_id)
