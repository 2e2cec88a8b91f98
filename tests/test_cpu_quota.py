"""The bench's CPU quota (kiosk/bench/cpu_quota.py): a real cgroup holding a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk.bench import cpu_quota
from kiosk.bench.cpu_quota import CpuQuota
from kiosk.bench.hubs import HubProcesses
from kiosk.bench.machine_cpu import process_cpu_seconds
from kiosk.core.errors import KioskError
from kiosk.operator import SiteLayout, init_site, sample_site


def _quota_or_skip(cores: float) -> CpuQuota:
    if os.geteuid() != 0:  # a developer's machine; CI runs as root, where it must work
        pytest.skip("a cgroup of one's own needs root")
    return CpuQuota("kiosk-test", cores)


def test_a_spinning_process_gets_its_share_and_no_more() -> None:
    quota = _quota_or_skip(0.2)
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        quota.add(spinner.pid)
        assert quota.pids() == [spinner.pid]
        started, cpu_before = time.monotonic(), process_cpu_seconds(spinner.pid)
        time.sleep(1.5)  # the measuring window: a share is CPU time over wall time
        share = (process_cpu_seconds(spinner.pid) - cpu_before) / (time.monotonic() - started)
        # Unlimited it would take a whole core; the clock-tick accounting adds a little.
        assert share < 0.3
    finally:
        spinner.kill()
        spinner.wait()
        quota.remove()
    assert not quota.path.exists()


def test_the_limit_is_written_for_the_cgroup_version_found() -> None:
    quota = _quota_or_skip(0.35)
    try:
        if quota.version == 2:
            assert (quota.path / "cpu.max").read_text().split() == ["7000", "20000"]
        else:
            assert (quota.path / "cpu.cfs_period_us").read_text().strip() == "20000"
            assert (quota.path / "cpu.cfs_quota_us").read_text().strip() == "7000"
    finally:
        quota.remove()


def test_no_cgroup_to_write_to_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cpu_quota, "_V2_ROOT", tmp_path / "v2")
    monkeypatch.setattr(cpu_quota, "_V1_ROOT", tmp_path / "v1")
    with pytest.raises(KioskError, match="cgroup CPU controller"):
        CpuQuota("kiosk-test", 0.5)


def test_an_impossible_share_is_refused() -> None:
    for cores in (0.0, 0.01, 1000.0):  # below the kernel's 1 ms a period, or more cores
        with pytest.raises(KioskError, match="not possible"):
            CpuQuota("kiosk-test", cores)


def test_the_hubs_run_inside_their_quota_and_it_is_removed_after(tmp_path: Path) -> None:
    _quota_or_skip(0.5).remove()
    layout = SiteLayout(tmp_path / "site")
    init_site(layout, sample_site(), ["127.0.0.1"])
    hubs = HubProcesses(layout, 1, cpu_cores=0.5)
    try:
        hubs.start()
        (quota,) = hubs.quotas
        assert quota.pids() == [hubs.processes[0].pid]
    finally:
        hubs.stop()
    assert not quota.path.exists()


def test_a_bench_holds_its_hub_to_the_share_and_leaves_no_cgroup(tmp_path: Path) -> None:
    probe = _quota_or_skip(0.5)
    probe.remove()
    bench = subprocess.Popen(
        [
            sys.executable, "-m", "kiosk", "bench", "--kiosks", "6", "--staff", "3",
            "--tickets", "12", "--rate", "6", "--hub-cpu", "0.5", "--json",
            "--data", str(tmp_path / "bench"),
        ],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    out, err = bench.communicate(timeout=600)
    assert bench.returncode == 0, err
    report = json.loads(out)
    assert report["hub_cpu_limit"] == 0.5
    assert report["tickets_closed"] == 12
    assert report["lost"] == report["duplicated"] == 0
    assert report["hub_cpu_cores"] <= 0.55
    assert not list(probe.path.parent.glob(f"kiosk-bench-hub-*-{bench.pid}"))
