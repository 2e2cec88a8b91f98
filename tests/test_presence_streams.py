"""Liveness from the open event stream: a device streaming from the hub is alive
without beating, is stored as seen by the presence sweep (so `kiosk admin
status` and other hubs see it), and falls offline once its stream ends.

In-process, on a clock the test moves; the sweep's writes on a real SQLite file.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, event

from kiosk import __version__
from kiosk.core.site import DeviceRole
from kiosk.hub.database import make_engine, upgrade_schema
from kiosk.hub.presence import Beat, Presence, PresenceChange
from kiosk.hub.store import Store
from kiosk.operator import enrol_local_device
from kiosk.operator.site_admin import current_site
from tests.conftest import Site
from tests.in_process_hub import FakeClock, InProcessHub

OFFLINE_AFTER = 25.0
SWEEP = 2.0


def test_a_streaming_kiosk_stays_online_without_beats_and_goes_offline_when_it_ends(
    site: Site,
) -> None:
    control_cfg = enrol_local_device(
        site.layout, DeviceRole.STAFF, site.hub_url, group_id="central-control"
    )
    clock = FakeClock(time.time())
    hub = InProcessHub(site.layout, clock, offline_after_seconds=OFFLINE_AFTER)
    try:
        control = hub.listen(control_cfg.device_id)
        beat = {"version": __version__, "manifest_version": current_site(site.layout).version}
        assert hub.call(site.kiosk, "POST", "/v1/heartbeat", beat).status_code == 200
        stream = hub.listen(site.kiosk.device_id)

        def sweep(after: float) -> list[dict[str, Any]]:
            hub.run(hub.hub.presence_once(clock.advance(after)))
            return [e for e in control.take() if e["type"] == "device"]

        def last_seen() -> float:
            [row] = [r for r in hub.hub.presence.rows() if r.device_id == site.kiosk.device_id]
            return row.last_seen

        # Ten offline limits of sweeps with no beat: online all along, and its
        # stored time never falls behind by half a limit and a sweep.
        for _ in range(int(10 * OFFLINE_AFTER / SWEEP)):
            assert sweep(after=SWEEP) == []
            assert clock.now - last_seen() <= OFFLINE_AFTER / 2 + SWEEP
        stream.close()  # its connection ends (or is reset as dead: dead_peers.py)
        ended = clock.now
        gone = []
        while not gone:
            gone = sweep(after=SWEEP)
        assert [(e["state"], e["device_id"]) for e in gone] == [("offline", site.kiosk.device_id)]
        assert clock.now - ended <= OFFLINE_AFTER + SWEEP
        # It streams again: back, without a beat.
        hub.listen(site.kiosk.device_id)
        [back] = sweep(after=SWEEP)
        assert (back["state"], back["device_id"]) == ("online", site.kiosk.device_id)
    finally:
        hub.close()


def _presence(tmp_path: Path) -> tuple[Presence, Any]:
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    upgrade_schema(engine)
    return Presence(Store(engine)), engine


def test_streaming_devices_are_written_in_a_few_statements_and_spread_out(
    tmp_path: Path,
) -> None:
    presence, engine = _presence(tmp_path)
    devices = [f"kiosk-{n:04d}" for n in range(1200)]
    for d in devices:
        presence.beat(d, Beat(1000.0, "1.0", 3))
    presence.sweep(now=1000.0, offline_after=OFFLINE_AFTER, streaming=devices)
    ran: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def trace(conn: Connection, *_args: object) -> None:
        conn.connection.dbapi_connection.set_trace_callback(ran.append)  # type: ignore[union-attr]

    # Each sweep writes some of them in one statement per 500, and every device
    # within half the limit; not all of them in one sweep.
    now, written = 1000.0, []
    while now < 1000.0 + OFFLINE_AFTER:
        now += SWEEP
        ran.clear()
        presence.sweep(now=now, offline_after=OFFLINE_AFTER, streaming=devices)
        seen = [r.device_id for r in presence.rows() if r.last_seen == now]
        written.append(len(seen))
        assert sum("UPDATE device_presence SET last_seen" in s for s in ran) <= 3
        assert all(now - r.last_seen <= OFFLINE_AFTER / 2 + SWEEP for r in presence.rows())
    event.remove(engine, "before_cursor_execute", trace)
    assert max(written) < len(devices)  # spread over sweeps
    assert sum(written) >= len(devices)
    engine.dispose()


def test_a_device_stops_counting_when_its_stream_ends(tmp_path: Path) -> None:
    presence, engine = _presence(tmp_path)
    presence.beat("kiosk-1", Beat(100.0, "1.0", 1))
    presence.beat("kiosk-2", Beat(100.0, "1.0", 1))
    presence.sweep(now=100.0, offline_after=OFFLINE_AFTER, streaming=["kiosk-1", "kiosk-2"])
    presence.sweep(now=120.0, offline_after=OFFLINE_AFTER, streaming=["kiosk-1"])
    changes = presence.sweep(now=140.0, offline_after=OFFLINE_AFTER, streaming=["kiosk-1"])
    assert changes == [PresenceChange("kiosk-2", False)]
    rows = {r.device_id: r for r in presence.rows()}
    assert rows["kiosk-1"].last_seen >= 140.0 - OFFLINE_AFTER / 2
    assert (rows["kiosk-1"].version, rows["kiosk-1"].manifest_version) == ("1.0", 1)
    # A device streaming with no row yet gets none (no version to show): its
    # first beat makes it, as the apps beat when their stream connects.
    presence.sweep(now=141.0, offline_after=OFFLINE_AFTER, streaming=["kiosk-1", "kiosk-3"])
    assert "kiosk-3" not in {r.device_id for r in presence.rows()}
    engine.dispose()


def test_a_console_streaming_from_one_hub_is_reached_from_another_until_it_ends(
    site: Site,
) -> None:
    """As create_hub wires it on PostgreSQL (here two hubs on one SQLite file, the
    same tables): hub A stores its streaming console as seen, hub B counts it as
    reached from that, and stops within the offline limit after its stream ends."""
    clock = FakeClock(time.time())
    hub_a = InProcessHub(site.layout, clock, offline_after_seconds=OFFLINE_AFTER)
    hub_b = InProcessHub(site.layout, clock, offline_after_seconds=OFFLINE_AFTER)
    try:
        sweep_b = hub_b.hub.presence_sweep
        sweep_b.shared = True
        hub_b.hub.reach.elsewhere = lambda: sweep_b.beating
        beat = {"version": __version__, "manifest_version": current_site(site.layout).version}
        assert hub_a.call(site.staff, "POST", "/v1/heartbeat", beat).status_code == 200
        console = hub_a.listen(site.staff.device_id)

        def sweep(after: float) -> frozenset[str]:
            now = clock.advance(after)
            hub_a.run(hub_a.hub.presence_once(now))
            hub_b.run(hub_b.hub.presence_once(now))
            return hub_b.hub.reach.elsewhere()

        for _ in range(int(4 * OFFLINE_AFTER / SWEEP)):  # long after its only beat
            assert site.staff.device_id in sweep(after=SWEEP)
        console.close()
        ended = clock.now
        while site.staff.device_id in sweep(after=SWEEP):
            assert clock.now - ended <= OFFLINE_AFTER + SWEEP
    finally:
        hub_a.close()
        hub_b.close()
