"""The bench's shard processes: one that cannot run its devices stops the run at
once with the reason, instead of the parent waiting two minutes for it."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from kiosk.bench.fleet import build_fleet
from kiosk.bench.record import Recorder
from kiosk.bench.shard import ShardSettings
from kiosk.bench.shards import Shards
from kiosk.core.errors import KioskError
from kiosk.operator import SiteLayout


def test_a_shard_that_cannot_load_its_devices_fails_the_run_at_once(tmp_path: Path) -> None:
    layout = SiteLayout(tmp_path / "site", "")
    fleet = build_fleet(
        layout,
        ["https://127.0.0.1:9"],  # never reached: the shard fails before connecting
        kiosks=2,
        staff=2,
        per_group=1,
        escalate_after=2.0,
    )
    shutil.rmtree(fleet.staff[1].config.directory)  # its keys are gone
    # One shard: with two, the other may fail first (no hub here), for its own reason.
    shards = Shards(fleet, ShardSettings(marker="m", hold=0.1, escalate_after=2.0), Recorder(), 1)
    started = time.monotonic()
    try:
        with pytest.raises(KioskError, match="FileNotFoundError"):
            shards.start()
    finally:
        shards.stop()
    assert time.monotonic() - started < 60  # not the two minutes of a connect timeout
