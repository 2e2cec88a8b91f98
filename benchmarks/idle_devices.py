"""What an idle device costs the hub: resident memory with N devices connected
and doing nothing but what the apps do when nobody touches them (an open event
stream, and a heartbeat every HEARTBEAT_SECONDS on a connection of its own).

    .venv/bin/python benchmarks/idle_devices.py --small 200 --large 1200 [--beat-every 10]

It starts a real `kiosk hub` on loopback (SQLite, TLS), enrols the devices,
connects the small fleet, waits for the hub's memory to settle, connects the
rest, waits again, and prints the difference per device in kB, and the hub's
CPU while the whole fleet idles (percent of one core). The devices are
asyncio connections in this process (real TLS, real signatures), so the fleet
itself costs the hub nothing beyond its connections.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import ssl
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from kiosk.bench.fleet import Device, build_fleet
from kiosk.bench.hubs import HubProcesses, _rss_mb
from kiosk.bench.machine_cpu import process_cpu_seconds
from kiosk.client.heartbeat import HEARTBEAT_SECONDS
from kiosk.crypto import sign_request
from kiosk.operator import SiteLayout

_SETTLE = 40.0  # seconds to settle: past the 30 s a kept-alive connection may idle


def _headers(device: Device, method: str, path: str, body: bytes) -> bytes:
    signed = sign_request(device.keys, device.config.device_id, method, path, body)
    lines = [
        f"{method} {path} HTTP/1.1",
        "Host: 127.0.0.1",
        *(f"{k}: {v}" for k, v in signed.items()),
    ]
    if body:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def _open(
    port: int, tls: ssl.SSLContext
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", port, ssl=tls, server_hostname="127.0.0.1")


async def _stream(device: Device, port: int, tls: ssl.SSLContext, up: asyncio.Event) -> None:
    reader, writer = await _open(port, tls)
    writer.write(_headers(device, "GET", "/v1/events", b""))
    status = await reader.readline()
    if b" 200 " not in status:
        raise RuntimeError(f"{device.config.device_id}: {status!r}")
    up.set()
    while await reader.read(65536):  # keep-alive comments and nothing else
        pass


async def _beats(
    device: Device, port: int, tls: ssl.SSLContext, version: int, every: float
) -> None:
    """One beat at once, then one `every` seconds, on one kept-alive connection
    (reopened when the hub closed it, as requests' pool does)."""
    body = json.dumps({"version": "bench", "manifest_version": version}).encode()
    conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    while True:
        if conn is None:
            conn = await _open(port, tls)
        reader, writer = conn
        try:
            writer.write(_headers(device, "POST", "/v1/heartbeat", body) + body)
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            await reader.readexactly(length)
        except (OSError, asyncio.IncompleteReadError):
            writer.close()
            conn = None
            continue
        await asyncio.sleep(every)


@dataclass(frozen=True)
class _Fleet:
    port: int
    tls: ssl.SSLContext
    version: int  # the manifest's, sent in each beat
    beat_every: float


async def _connect(fleet: _Fleet, devices: list[Device], tasks: list[asyncio.Task[None]]) -> None:
    for n, device in enumerate(devices):
        up = asyncio.Event()
        tasks.append(asyncio.create_task(_stream(device, fleet.port, fleet.tls, up)))
        await up.wait()
        beats = _beats(device, fleet.port, fleet.tls, fleet.version, fleet.beat_every)
        tasks.append(asyncio.create_task(beats))
        if n % 100 == 99:
            print(f"  {n + 1} connected", file=sys.stderr)


async def _measure(
    hubs: HubProcesses, devices: list[Device], small: int, version: int, beat_every: float
) -> dict[str, float]:
    tls = ssl.create_default_context(cafile=str(devices[0].config.directory / "ca.pem"))
    tasks: list[asyncio.Task[None]] = []
    pid = hubs.processes[0].pid
    fleet = _Fleet(hubs.ports[0], tls, version, beat_every)
    await _connect(fleet, devices[:small], tasks)
    await asyncio.sleep(_SETTLE)
    at_small = _rss_mb(pid)
    await _connect(fleet, devices[small:], tasks)
    await asyncio.sleep(_SETTLE)
    cpu_from, at = process_cpu_seconds(pid), time.monotonic()
    await asyncio.sleep(_SETTLE)  # idle: keep-alives and beats only
    idle_cpu = (process_cpu_seconds(pid) - cpu_from) / (time.monotonic() - at)
    at_large = _rss_mb(pid)
    for task in tasks:
        task.cancel()
    return {
        "devices_small": small,
        "devices_large": len(devices),
        "hub_mb_small": round(at_small, 1),
        "hub_mb_large": round(at_large, 1),
        "kb_per_device": round((at_large - at_small) * 1024 / (len(devices) - small), 1),
        "heartbeat_seconds": beat_every,
        "hub_idle_cpu_percent_large": round(100 * idle_cpu, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=200)
    parser.add_argument("--large", type=int, default=1200)
    parser.add_argument(
        "--beat-every",
        type=float,
        default=HEARTBEAT_SECONDS,
        help="seconds between a device's beats (10 before streams kept devices alive)",
    )
    options = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="kiosk-idle-"))
    layout = SiteLayout(root)
    hubs = HubProcesses(layout, 1)
    fleet = build_fleet(
        layout, hubs.urls, kiosks=options.large - 10, staff=10, per_group=5, escalate_after=60
    )
    devices = [*fleet.kiosks, *fleet.staff]
    started = time.monotonic()
    hubs.start()
    try:
        result = asyncio.run(
            _measure(hubs, devices, options.small, fleet.site.version, options.beat_every)
        )
    finally:
        hubs.stop()
    result["seconds"] = round(time.monotonic() - started)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
