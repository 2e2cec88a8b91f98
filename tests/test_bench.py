"""`kiosk bench` end to end: a real hub, simulated kiosks and consoles with the
apps' client code; then the operator's audit and a byte scan of the data it kept.

Speed is not asserted here (benchmarks report it): only that every key the
report promises is there, that nothing was lost or duplicated, and that the
kept data directory holds neither the run's marker nor any of its ticket ids.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import empty_postgres
from tests.request_words import request_words_in, site_words
from tests.residue import residue

REPORT_KEYS = {
    "notify_p50_ms",
    "notify_p95_ms",
    "notify_p99_ms",
    "notify_max_ms",
    "accept_to_kiosk_p99_ms",
    "tickets_per_s",
    "hub_rss_mb_idle",
    "hub_rss_mb_load",
    "lost",
    "duplicated",
    "escalation_late_p99_ms",
    "marker",
    "ticket_ids",
}


def _kiosk(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args], capture_output=True, text=True, timeout=600
    )


def test_bench_then_audit_finds_nothing_of_the_run(tmp_path: Path) -> None:
    data = tmp_path / "bench"
    run = _kiosk(
        "bench",
        "--kiosks", "8",
        "--staff", "4",
        "--tickets", "24",
        "--rate", "8",
        "--escalate-after", "1",
        "--escalate-share", "0.25",
        "--cancel-share", "0.25",
        # Fixed: the marker seeds the run's choices, and with this one several
        # requests are left for the control room (a random one leaves none in
        # about one run in a thousand).
        "--marker", "bench-test-marker-7c3188d8",
        "--data", str(data),
        "--json",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report.keys() >= REPORT_KEYS
    assert len(report["ticket_ids"]) == 24
    assert report["tickets_closed"] == 24
    assert report["lost"] == 0
    assert report["unfinished"] == 0
    assert report["duplicated"] == 0
    assert report["resolved"] + report["cancelled"] == 24
    assert report["escalations"] > 0  # the control room was reached, and measured
    assert report["marker_missing"] == 0  # staff read the traveller's words
    assert report["hub_rss_mb_load"] >= report["hub_rss_mb_idle"] > 0
    assert report["hubs_stopped_cleanly"]
    # Where the machine's CPU went: the bench's processes are part of the machine's time.
    bench_cores = report["hub_cpu_cores"] + report["fleet_cpu_cores"] + report["bench_cpu_cores"]
    assert report["fleet_cpu_cores"] > 0
    assert report["machine_cpu_cores"] >= bench_cores - 0.1
    assert report["other_cpu_cores"] >= 0
    assert report["machine_steal_cores"] >= 0
    assert report["cpu_ms_per_ticket"] > 0
    assert 0 < report["submit_p50_ms"] <= report["submit_p99_ms"]

    audit = _kiosk("admin", "audit", str(data), "--find", report["marker"])
    assert audit.returncode == 0, audit.stdout + audit.stderr

    needles = {"marker": report["marker"].encode()}
    for ticket_id in report["ticket_ids"]:
        needles[f"id {ticket_id}"] = ticket_id.encode()
        needles[f"raw id {ticket_id}"] = bytes.fromhex(ticket_id)
    assert residue(data, needles) == []
    assert (data / "logs" / "hub-0.log").stat().st_size > 0  # the scan covered real logs
    # No log line says what a request was or where (issue 25, finding 8).
    places, devices = site_words(data / "hub" / "hub.db")
    logs = {str(p): p.read_text(errors="replace") for p in (data / "logs").glob("*.log")}
    for name, text in {**logs, "stderr": run.stderr, "stdout": run.stdout}.items():
        assert request_words_in(text, places, devices) == [], name


def test_a_bench_beside_other_work_says_the_machine_was_shared(tmp_path: Path) -> None:
    # A real process keeps a core busy for the whole run: the report counts it
    # as other work, not as the bench's, and says so.
    spin = "import time\nend = time.monotonic() + 120\nwhile time.monotonic() < end: pass"
    spinner = subprocess.Popen([sys.executable, "-c", spin])
    try:
        run = _kiosk(
            "bench", "--kiosks", "2", "--staff", "2", "--tickets", "4", "--rate", "2",
            "--data", str(tmp_path / "bench"), "--json",
        )  # fmt: skip
    finally:
        spinner.kill()
        spinner.wait()
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["machine_cores"] == os.cpu_count()
    assert report["other_cpu_cores"] >= 0.5
    assert "the machine was shared" in run.stderr


PG_URL = os.environ.get("KIOSK_TEST_POSTGRES_URL", "")


@pytest.mark.skipif(not PG_URL, reason="set KIOSK_TEST_POSTGRES_URL (.ci/run does)")
def test_two_hubs_on_postgresql_share_the_load_and_lose_nothing(tmp_path: Path) -> None:
    empty_postgres(PG_URL)
    run = _kiosk(
        "bench", "--kiosks", "12", "--staff", "6", "--tickets", "24", "--rate", "8",
        "--hubs", "2", "--db", PG_URL, "--data", str(tmp_path / "bench"), "--json",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["hubs"] == 2
    assert report["hubs_stopped_cleanly"]
    assert report["processes"] == 2  # the devices ran in two processes of their own
    assert report["database"] == "postgresql"
    assert report["tickets_closed"] == 24
    assert report["lost"] == 0
    assert report["duplicated"] == 0
