"""`kiosk bench`'s traffic through Mosquitto, then `kiosk bench` itself, side by side.

    python benchmarks/peer_mosquitto.py --kiosks 1000 --staff 50 --rate 50 --duration 30 [--json]

Starts Debian's mosquitto on 127.0.0.1 with TLS from a throwaway CA and no
persistence, connects every kiosk and console as its own paho-mqtt client
(QoS 1, each its own TLS connection), and sends the bench's requests and
answers (benchmarks/mqtt_traffic.py) with payloads the size of the bench's
sealed copies. Then, unless --no-hub, runs `kiosk bench` with the same
options and prints both, with the ratios hub/broker the project aims at:
notify p99 within 5x, CPU within 10x.

The broker's CPU and memory are read from /proc for its process; the
script's own CPU is reported too (`script_cpu_cores`), as the bench reports
its fleet's, so a run where the clients crowded the broker can be told apart.
"""

from __future__ import annotations

import argparse
import gc
import getpass
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mqtt_traffic import Traffic, TrafficOptions

from kiosk.bench.machine_cpu import CpuShares, MachineTimes, process_cpu_seconds
from kiosk.bench.record import Recorder

# The hub's JSON view of a request's change, as a console gets it (about 330 bytes).
STATE_BYTES = 330
DRAIN_SECONDS = 30.0
# What the issue asks of the hub, measured in the same run as the broker.
NOTIFY_P99_RATIO_TARGET = 5.0
CPU_RATIO_TARGET = 10.0
# Recorder figures that belong to the hub's protocol, not a broker's.
_HUB_ONLY = (
    "open_failures",
    "marker_missing",
    "accept_refused",
    "staff_unanswered",
    "delivery_reports",
    "submit_failures",
    "submit_failure_kinds",
    "escalation_late_p50_ms",
    "escalation_late_p99_ms",
    "escalation_late_max_ms",
    "unfinished",
    "repeated_events",
)


def bench_copy_bytes() -> int:
    """One console's sealed copy of a bench request, sealed as the kiosk does
    (kiosk/client/hub_client.py): signed body with a reply key, epoch key id."""
    from kiosk.core.body import TicketBody, binding_bytes
    from kiosk.core.categories import Category, Urgency
    from kiosk.crypto import DeviceKeys, EphemeralKey, seal_ticket, sign_ticket

    kiosk, console, reply = DeviceKeys.generate(), EphemeralKey(), EphemeralKey()
    body = TicketBody(
        Category.UNWELL,
        Urgency.URGENT,
        "en",
        free_text="bench-marker-0123456789abcdef 123456",
        sent_at=int(time.time()),
        reply_key=reply.public,
    ).to_bytes()
    binding = binding_bytes("a" * 32, "st000-k00000", Category.UNWELL, Urgency.URGENT)
    signed = body + sign_ticket(kiosk, "kiosk-st000-k00000", binding, body)
    sealed = seal_ticket(signed, {"c": console.public}, binding, key_ids={"c": console.key_id})
    return len(sealed["c"])


class Mosquitto:
    """Debian's mosquitto, one TLS listener on a free loopback port, no persistence."""

    def __init__(self, directory: Path) -> None:
        from kiosk.crypto import create_site_ca, issue_server_certificate

        ca = create_site_ca("Peer benchmark")
        server = issue_server_certificate(ca, ["127.0.0.1"])
        self.ca = directory / "ca.pem"
        self.ca.write_bytes(ca.certificate)
        (directory / "server.pem").write_bytes(server.certificate)
        (directory / "server.key").write_bytes(server.private_key)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        self._conf = directory / "mosquitto.conf"
        self._conf.write_text(
            f"listener {self.port} 127.0.0.1\n"
            f"cafile {self.ca}\ncertfile {directory / 'server.pem'}\n"
            f"keyfile {directory / 'server.key'}\n"
            "allow_anonymous true\npersistence false\n"
            # Small messages both ways, as the hub's (granian sets TCP_NODELAY too).
            "set_tcp_nodelay true\n"
            "max_queued_messages 10000\n"
            "log_dest stderr\nlog_type error\nlog_type warning\n"
            # Started as root, mosquitto would become its own user, who could not
            # read this private directory: stay whoever runs the script.
            f"user {getpass.getuser()}\n"
        )
        self._log = directory / "mosquitto.log"
        self.process: subprocess.Popen[bytes] | None = None

    @staticmethod
    def binary() -> str:
        found = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        if not Path(found).exists():
            raise SystemExit("mosquitto is not installed (Debian: apt install mosquitto)")
        return found

    def version(self) -> str:
        out = subprocess.run([self.binary(), "-h"], capture_output=True, text=True, check=False)
        return (out.stdout or out.stderr).split("\n", 1)[0].strip()

    def start(self) -> None:
        with self._log.open("wb") as log:
            self.process = subprocess.Popen(
                [self.binary(), "-c", str(self._conf)], stdout=subprocess.DEVNULL, stderr=log
            )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError(f"mosquitto did not listen: {self._log.read_text()[-500:]}")

    def rss_mb(self) -> float:
        assert self.process is not None
        try:
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return 0.0

    def cpu_seconds(self) -> float:
        assert self.process is not None
        return process_cpu_seconds(self.process.pid)

    def stop(self) -> bool:
        """SIGTERM; True when it stopped by itself with status 0."""
        if self.process is None:
            return True
        self.process.terminate()
        try:
            return self.process.wait(10) == 0
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
            return False


def run_broker(options: TrafficOptions, say: Any) -> dict[str, Any]:
    """The bench's traffic through mosquitto: the recorder's figures and what it cost."""
    with tempfile.TemporaryDirectory(prefix="peer-mosquitto-") as tmp:
        broker = Mosquitto(Path(tmp))
        broker.start()
        recorder = Recorder()
        traffic = Traffic(options, broker.port, str(broker.ca), recorder)
        try:
            say(f"{broker.version()} on port {broker.port}; connecting {options.kiosks} kiosks")
            traffic.connect_all(time.monotonic() + 180)
            traffic.loop.run_until(lambda: False, time.monotonic() + 1.0)  # settle
            idle = broker.rss_mb()
            # As the bench's shards and the hub do: the connected clients are
            # frozen out of the collector, whose full passes would stall the loop.
            gc.collect()
            gc.freeze()
            gc.set_threshold(10_000)
            say(f"all connected, broker memory {idle:.1f} MB; {options.count} requests")
            figures = _load(options, broker, traffic)
        finally:
            try:
                traffic.loop.close()
            finally:
                stopped = broker.stop()
    report = {k: v for k, v in recorder.summary().items() if k not in _HUB_ONLY}
    report.pop("ticket_ids")
    return {
        **report,
        "broker_rss_mb_idle": round(idle, 1),
        **figures,
        "broker_stopped_cleanly": stopped,
        "broker": broker.version(),
        "qos": 1,
        "keepalive_s": options.keepalive,
        "copy_bytes": options.copy_bytes,
        "state_bytes": options.state_bytes,
        "messages_published": traffic.published,
        "messages_received": traffic.received,
        # Deliveries due (one per subscriber of each message) that never came.
        "messages_missing": max(0, traffic.expected - traffic.received),
        "kiosks": options.kiosks,
        "staff": options.staff,
        "rate": options.rate,
        "duration": options.duration,
    }


def _load(options: TrafficOptions, broker: Mosquitto, traffic: Traffic) -> dict[str, Any]:
    peak = [broker.rss_mb()]

    def sample() -> None:
        peak[0] = max(peak[0], broker.rss_mb())
        traffic.loop.call_later(0.25, sample)

    broker_before, own_before = broker.cpu_seconds(), time.process_time()
    machine_before, started = MachineTimes.now(), time.monotonic()
    traffic.loop.call_later(0.25, sample)
    traffic.send_all()
    traffic.loop.run_until(traffic.all_sent, started + options.duration * 3 + 60)
    traffic.loop.run_until(lambda: not traffic.open, time.monotonic() + DRAIN_SECONDS)
    # The last changes for the consoles may still be on their way.
    traffic.loop.run_until(traffic.all_delivered, time.monotonic() + 5.0)
    elapsed = time.monotonic() - started
    broker_s = broker.cpu_seconds() - broker_before
    own_s = time.process_time() - own_before
    shares = CpuShares.between(machine_before, MachineTimes.now(), broker_s + own_s, elapsed)
    return {
        "broker_rss_mb_load": round(peak[0], 1),
        "broker_cpu_cores": round(broker_s / elapsed, 3),
        # This script's clients (the broker's fleet): all 1,000+ in one process.
        "script_cpu_cores": round(own_s / elapsed, 2),
        "machine_cores": os.cpu_count(),
        "machine_cpu_cores": round(shares.machine, 2),
        "machine_steal_cores": round(shares.steal, 2),
        "other_cpu_cores": round(shares.other, 2),
        "load_seconds": round(elapsed, 1),
    }


def run_hub(args: argparse.Namespace) -> dict[str, Any]:
    """`kiosk bench` with the same options, as any user would run it; its error
    (`{"error": ...}`) if it gave no report, so the broker's figures are kept."""
    command = [
        sys.executable,
        "-m",
        "kiosk",
        "bench",
        "--kiosks",
        str(args.kiosks),
        "--staff",
        str(args.staff),
        "--rate",
        str(args.rate),
        "--duration",
        str(args.duration),
        "--json",
    ]
    out = subprocess.run(command, stdout=subprocess.PIPE, check=False)  # stderr: its progress
    if not out.stdout.strip():
        return {"error": f"kiosk bench gave no report (status {out.returncode}), see above"}
    report: dict[str, Any] = json.loads(out.stdout)
    report.pop("ticket_ids", None)
    return report


def compare(hub: dict[str, Any], broker: dict[str, Any]) -> dict[str, Any]:
    def ratio(a: float, b: float) -> float | None:
        return round(a / b, 1) if b else None

    notify = ratio(hub["notify_p99_ms"], broker["notify_p99_ms"])
    cpu = ratio(hub["hub_cpu_cores"], broker["broker_cpu_cores"])
    return {
        "notify_p50": ratio(hub["notify_p50_ms"], broker["notify_p50_ms"]),
        "notify_p99": notify,
        "notify_p99_target": NOTIFY_P99_RATIO_TARGET,
        "notify_p99_met": notify is not None and notify <= NOTIFY_P99_RATIO_TARGET,
        "accept_to_kiosk_p99": ratio(
            hub["accept_to_kiosk_p99_ms"], broker["accept_to_kiosk_p99_ms"]
        ),
        "cpu": cpu,
        "cpu_target": CPU_RATIO_TARGET,
        "cpu_met": cpu is not None and cpu <= CPU_RATIO_TARGET,
        "memory_load": ratio(hub["hub_rss_mb_load"], broker["broker_rss_mb_load"]),
    }


_ROWS = (
    ("notify p50 ms", "notify_p50_ms", "notify_p50_ms", "notify_p50"),
    ("notify p99 ms", "notify_p99_ms", "notify_p99_ms", "notify_p99"),
    ("notify max ms", "notify_max_ms", "notify_max_ms", None),
    ("accept→kiosk p99 ms", "accept_to_kiosk_p99_ms", "accept_to_kiosk_p99_ms", None),
    ("lost", "lost", "lost", None),
    ("duplicated", "duplicated", "duplicated", None),
    ("closed per s", "tickets_per_s", "tickets_per_s", None),
    ("CPU cores", "hub_cpu_cores", "broker_cpu_cores", "cpu"),
    ("memory idle MB", "hub_rss_mb_idle", "broker_rss_mb_idle", None),
    ("memory load MB", "hub_rss_mb_load", "broker_rss_mb_load", "memory_load"),
    ("clients' CPU cores", "fleet_cpu_cores", "script_cpu_cores", None),
    ("machine busy cores", "machine_cpu_cores", "machine_cpu_cores", None),
    ("others' cores", "other_cpu_cores", "other_cpu_cores", None),
)


def print_table(broker: dict[str, Any], hub: dict[str, Any] | None) -> None:
    ratios = compare(hub, broker) if hub else {}
    print(f"{'':<22} {'kiosk bench':>12} {'mosquitto':>12} {'hub/broker':>11}")
    for label, hub_key, broker_key, ratio_key in _ROWS:
        mine = "" if hub is None else str(hub.get(hub_key, ""))
        shown = "" if ratio_key is None or not ratios else str(ratios.get(ratio_key))
        print(f"{label:<22} {mine:>12} {broker.get(broker_key, '')!s:>12} {shown:>11}")
    if ratios:
        for what, key in (("notify p99", "notify_p99"), ("CPU", "cpu")):
            met = "met" if ratios[f"{key}_met"] else "NOT met"
            print(f"{what} ratio {ratios[key]} (target ≤ {ratios[key + '_target']:g}): {met}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kiosks", type=int, default=1000)
    parser.add_argument("--staff", type=int, default=50)
    parser.add_argument("--rate", type=float, default=50.0, help="new requests per second")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load")
    parser.add_argument(
        "--keepalive", type=int, default=60, help="MQTT keepalive, s (paho's default, 60)"
    )
    parser.add_argument("--no-hub", action="store_true", help="measure the broker only")
    parser.add_argument("--json", action="store_true", help="print both raw reports as JSON")
    args = parser.parse_args()

    def say(text: str) -> None:
        print(f"peer: {text}", file=sys.stderr, flush=True)

    options = TrafficOptions(
        kiosks=args.kiosks,
        staff=args.staff,
        rate=args.rate,
        duration=args.duration,
        copy_bytes=bench_copy_bytes(),
        state_bytes=STATE_BYTES,
        keepalive=args.keepalive,
    )
    say(f"one sealed copy is {options.copy_bytes} bytes")
    broker = run_broker(options, say)
    hub = None
    if not args.no_hub:
        say("now kiosk bench with the same options")
        hub = run_hub(args)
        if "error" in hub:
            say(hub["error"])
    if args.json:
        both: dict[str, Any] = {"mosquitto": broker, "kiosk_bench": hub}
        if hub and "error" not in hub:
            both["ratios"] = compare(hub, broker)
        print(json.dumps(both, indent=2))
    else:
        print_table(broker, None if hub is None or "error" in hub else hub)
    reports = [broker, *([hub] if hub else [])]
    return 0 if all(r.get("lost") == 0 and r.get("duplicated") == 0 for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
