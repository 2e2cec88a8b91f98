"""The bench's asyncio fleet against a real hub: two hundred kiosks and five
consoles, each with its own TLS event stream in two shard processes, send and
close a few requests with nothing lost or duplicated. Speed is not asserted."""

from __future__ import annotations

from pathlib import Path

from kiosk.bench.options import BenchOptions
from kiosk.bench.run import run_bench


def test_two_hundred_kiosks_on_asyncio_lose_nothing(tmp_path: Path) -> None:
    options = BenchOptions(
        kiosks=200,
        staff=5,
        rate=10.0,
        tickets=20,
        data=tmp_path / "bench",
        escalate_share=0.0,  # every request stays with its station's staff
        marker="bench-fleet-test-0f3a",
    )
    report = run_bench(options)
    assert report["kiosks"] == 200
    assert report["staff"] == 5
    # Every device's stream was up (the shards wait for each one's "synced")
    # before the first request, and the time that took is reported.
    assert report["connect_seconds"] > 0
    assert report["fleet_rss_mb_idle"] > 0
    assert report["tickets_sent"] == 20
    assert report["tickets_accepted_by_hub"] == 20
    assert report["tickets_closed"] == 20  # each kiosk saw its own request closed
    assert report["resolved"] + report["cancelled"] == 20
    assert report["lost"] == 0
    assert report["unfinished"] == 0
    assert report["duplicated"] == 0
    assert report["open_failures"] == 0
    assert report["marker_missing"] == 0  # consoles opened the sealed bodies
    assert report["submit_failures"] == 0
    assert report["hubs_stopped_cleanly"]
