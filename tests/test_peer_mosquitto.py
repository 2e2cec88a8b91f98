"""benchmarks/peer_mosquitto.py runs for real: Debian's mosquitto with TLS on
loopback, paho clients, the bench's traffic; every request closed once."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.relay_servers import MqttBroker

pytestmark = pytest.mark.skipif(
    not MqttBroker.available(), reason="mosquitto is not installed (apt-get install mosquitto)"
)

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "peer_mosquitto.py"


def test_the_bench_traffic_through_mosquitto_loses_nothing() -> None:
    options = ["--kiosks", "20", "--staff", "2", "--rate", "5", "--duration", "2"]
    out = subprocess.run(
        [sys.executable, str(SCRIPT), *options, "--no-hub", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["kiosk_bench"] is None  # --no-hub
    broker = report["mosquitto"]
    assert broker["tickets_sent"] == 10
    assert broker["tickets_accepted_by_hub"] == 10  # every copy acknowledged by the broker
    assert broker["tickets_closed"] == 10
    assert broker["resolved"] + broker["cancelled"] == 10
    assert broker["lost"] == 0
    assert broker["duplicated"] == 0
    assert broker["broker_stopped_cleanly"] is True
    assert broker["broker"].startswith("mosquitto version 2.")
    # One console's sealed copy of the default suite: ML-KEM's ciphertext alone is 1,088.
    assert broker["copy_bytes"] > 2000
    # Every message reached each of its topic's subscribers.
    assert broker["messages_missing"] == 0
    assert broker["messages_received"] >= broker["messages_published"] > 10
    for key in (
        "notify_p50_ms",
        "notify_p99_ms",
        "notify_max_ms",
        "accept_to_kiosk_p99_ms",
        "broker_cpu_cores",
        "broker_rss_mb_idle",
        "broker_rss_mb_load",
        "script_cpu_cores",
        "messages_missing",
        "machine_cpu_cores",
        "other_cpu_cores",
    ):
        assert isinstance(broker[key], int | float), key
    assert broker["broker_rss_mb_idle"] > 0
    assert broker["notify_max_ms"] >= broker["notify_p99_ms"] >= broker["notify_p50_ms"] > 0
