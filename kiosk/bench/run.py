"""One bench run: build the fleet, start the hubs, connect every device (in
shard processes, see shards.py), send tickets at the asked rate, wait until every
one is closed, report."""

from __future__ import annotations

import os
import random
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.bench.cpu_quota import CpuQuota
from kiosk.bench.fleet import CONTROL_GROUP, Fleet, build_fleet
from kiosk.bench.hubs import HubProcesses
from kiosk.bench.machine_cpu import CpuShares, MachineTimes
from kiosk.bench.options import BenchOptions
from kiosk.bench.record import Plan, Recorder
from kiosk.bench.shard import ShardSettings
from kiosk.bench.shards import Shards
from kiosk.core.body import TicketBody
from kiosk.core.categories import Category, Urgency
from kiosk.core.errors import KioskError
from kiosk.core.ticket import new_ticket_id
from kiosk.i18n import SUPPORTED_LOCALES
from kiosk.operator import SiteLayout

__all__ = ["run_bench"]

# Cores taken by others during the load above which the report says so.
_SHARED = 0.1


def run_bench(options: BenchOptions, progress: Any = None) -> dict[str, Any]:
    say = progress or (lambda _text: None)
    root = _empty_site_root(options)
    layout = SiteLayout(root, options.db_url)
    if options.db_url and layout.store().latest_manifest_version() > 0:
        raise KioskError("the database already holds a site: give the bench a scratch database")
    hubs = HubProcesses(layout, options.hubs, options.hub_cpu)
    say(f"building a site of {options.kiosks} kiosks and {options.staff} staff consoles in {root}")
    fleet = build_fleet(
        layout,
        hubs.urls,
        kiosks=options.kiosks,
        staff=options.staff,
        per_group=options.staff_per_group,
        escalate_after=options.escalate_after,
    )
    recorder = Recorder()
    shards = Shards(
        fleet,
        ShardSettings(
            marker=options.marker,
            hold=options.hold_seconds,
            escalate_after=max(1, round(options.escalate_after)),
        ),
        recorder,
        options.processes,
    )
    try:
        hubs.start()
        say(f"{options.hubs} hub(s) up; connecting every device from {options.processes} processes")
        shards.start()
        time.sleep(1.0)  # let the hub settle after the burst of connections
        rss_idle = hubs.rss_mb()
        fleet_idle = shards.rss_mb()
        say(
            f"all connected in {shards.connect_seconds:.1f} s, hub memory "
            f"{max(rss_idle):.0f} MB; {options.ticket_count} tickets"
        )
        load = _send_and_measure(options, fleet, hubs, shards, recorder, rss_idle)
        fleet_rss = (fleet_idle, max(fleet_idle, shards.rss_mb()))
        if load.shares.other >= _SHARED or load.shares.steal >= _SHARED:
            say(
                f"the machine was shared: {load.shares.other:.2f} of a core went to other "
                f"processes and {load.shares.steal:.2f} to the host's other guests; "
                "the latency figures include that"
            )
        result = recorder.summary(_open_on_hub(layout, recorder.unclosed_ids()))
    finally:
        shards.stop()
        stopped_cleanly = hubs.stop()
        if options.data is None:
            shutil.rmtree(root, ignore_errors=True)
    return {
        **_report(options, root, result, load, stopped_cleanly),
        # From telling the shards to connect to every device's stream up.
        "connect_seconds": round(shards.connect_seconds, 1),
        # The simulated devices' processes, all together: connected, and after the load.
        "fleet_rss_mb_idle": round(fleet_rss[0], 1),
        "fleet_rss_mb_load": round(fleet_rss[1], 1),
    }


def _empty_site_root(options: BenchOptions) -> Path:
    """The empty directory the bench builds its site in, once the options fit the machine."""
    if options.hubs > 1 and not options.db_url.startswith("postgresql"):
        raise KioskError(
            "several hubs share one PostgreSQL database: give --db postgresql+psycopg://..."
        )
    if options.hub_cpu is not None:
        CpuQuota.check(options.hub_cpu)  # before a temporary directory is made
    root = options.data or Path(tempfile.mkdtemp(prefix="kiosk-bench-"))
    if root.exists() and any(root.iterdir()):
        raise KioskError(f"{root} is not empty: the bench builds a new site there")
    return root


@dataclass(frozen=True)
class _Load:
    """What the load cost: memory, and CPU seconds of every part over the elapsed time."""

    rss_idle: list[float]
    rss_load: list[float]
    elapsed: float
    hub_seconds: float
    fleet_seconds: float
    own_seconds: float
    shares: CpuShares

    @property
    def bench_seconds(self) -> float:
        return self.hub_seconds + self.fleet_seconds + self.own_seconds


def _send_and_measure(
    options: BenchOptions,
    fleet: Fleet,
    hubs: HubProcesses,
    shards: Shards,
    recorder: Recorder,
    rss_idle: list[float],
) -> _Load:
    """Send every ticket, wait until they are closed, and measure what that took."""
    cpu_before, started = hubs.cpu_seconds(), time.monotonic()
    fleet_before, own_before, machine_before = (
        shards.cpu_seconds(),
        time.process_time(),
        MachineTimes.now(),
    )
    with _PeakMemory(hubs) as peak:
        _send(options, fleet, shards)
        _drain(recorder, options.drain_seconds)
    if shards.failure:  # its devices' tickets would be missing from the figures
        raise KioskError(f"a bench shard failed during the run: {shards.failure}")
    elapsed = time.monotonic() - started
    hub_seconds = hubs.cpu_seconds() - cpu_before
    fleet_seconds = shards.cpu_seconds() - fleet_before
    own_seconds = time.process_time() - own_before
    bench_seconds = hub_seconds + fleet_seconds + own_seconds
    shares = CpuShares.between(machine_before, MachineTimes.now(), bench_seconds, elapsed)
    return _Load(rss_idle, peak.values, elapsed, hub_seconds, fleet_seconds, own_seconds, shares)


def _report(
    options: BenchOptions,
    root: Path,
    result: dict[str, Any],
    load: _Load,
    stopped_cleanly: bool,
) -> dict[str, Any]:
    """The recorder's figures, then what the run cost, then how it was set up."""
    ticket_ids = result.pop("ticket_ids")
    elapsed, shares = load.elapsed, load.shares
    return {
        **result,
        "hub_rss_mb_idle": round(max(load.rss_idle), 1),
        "hub_rss_mb_load": round(max(load.rss_load), 1),
        # CPU cores the hubs kept busy under load (1.0 = one core all the time).
        "hub_cpu_cores": round(load.hub_seconds / elapsed, 2),
        # The simulated devices' processes, and the bench's own (its sender, recorder).
        "fleet_cpu_cores": round(load.fleet_seconds / elapsed, 2),
        "bench_cpu_cores": round(load.own_seconds / elapsed, 2),
        # The whole machine: what every process used, what the virtual machine's
        # host gave to other guests, and what was not this bench's (a database
        # server it did not start, or other work): a run that misses a target
        # while other work took a core is told apart from the hub falling behind.
        "machine_cores": os.cpu_count(),
        "machine_cpu_cores": round(shares.machine, 2),
        "machine_steal_cores": round(shares.steal, 2),
        "other_cpu_cores": round(shares.other, 2),
        # The bench's CPU (hubs, devices, itself) per request sent, heartbeats
        # included: for the same code and load, a higher figure means the cores
        # themselves ran slower (a virtual machine's host busy with other guests).
        "cpu_ms_per_ticket": round(1000 * load.bench_seconds / max(1, options.ticket_count), 1),
        "hubs": options.hubs,
        "hub_cpu_limit": options.hub_cpu,  # cores each hub may use; None: no limit
        # Each hub stopped at SIGTERM by itself, status 0 (not killed 20 s later).
        "hubs_stopped_cleanly": stopped_cleanly,
        "processes": options.processes,  # the simulated devices' (shard.py)
        "kiosks": options.kiosks,
        "staff": options.staff,
        "rate": options.rate,
        "database": "postgresql" if options.db_url else "sqlite",
        "data": str(root) if options.data else None,
        "marker": options.marker,
        "ticket_ids": ticket_ids,
    }


def _send(options: BenchOptions, fleet: Fleet, shards: Shards) -> None:
    """Tickets at a steady rate, each from a kiosk nobody is using."""
    # Seeded: the same marker replays the same choices (not security relevant).
    chooser = random.Random(options.marker)  # noqa: S311
    control = [d.config.device_id for d in fleet.group_members(CONTROL_GROUP)]
    start = time.monotonic()
    sent = 0
    cursor = 0
    while sent < options.ticket_count:
        due = start + sent / options.rate
        pause = due - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        index = shards.take_kiosk(cursor)
        if index is None:
            time.sleep(0.01)  # every kiosk is in use or at its allowance: saturated
            continue
        cursor = index + 1
        sim = fleet.kiosks[index]
        escalate = chooser.random() < options.escalate_share
        members = (
            control
            if escalate
            else [d.config.device_id for d in fleet.group_members(fleet.station_group_of(sim))]
        )
        acceptor = chooser.choice(members)
        rivals = [m for m in members if m != acceptor]
        plan = Plan(
            kiosk_id=sim.config.device_id,
            acceptor_id=acceptor,
            escalate=escalate,
            cancel=chooser.random() < options.cancel_share,
            rival_id=chooser.choice(rivals) if rivals and chooser.random() < 0.1 else None,
        )
        body = TicketBody(
            category=chooser.choice(list(Category)),
            urgency=chooser.choice(list(Urgency)),
            language=chooser.choice(SUPPORTED_LOCALES),
            free_text=f"{options.marker} {chooser.randrange(10**6)}",
        )
        shards.send(new_ticket_id(), plan, body)
        sent += 1


class _PeakMemory:
    """Samples the hubs' resident memory four times a second while under load."""

    def __init__(self, hubs: HubProcesses) -> None:
        self.hubs = hubs
        self.values = hubs.rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> _PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.25):
            self.values = [max(a, b) for a, b in zip(self.values, self.hubs.rss_mb(), strict=True)]


def _open_on_hub(layout: SiteLayout, ticket_ids: list[str]) -> set[str]:
    """Which of these tickets the hub's database still holds open."""
    if not ticket_ids:
        return set()
    store = layout.store()
    try:
        return set(store.get_tickets(ticket_ids))
    finally:
        store.engine.dispose()


def _drain(recorder: Recorder, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while recorder.open_count() and time.monotonic() < deadline:
        time.sleep(0.1)
