"""One shard of the bench's simulated devices: a process of its own whose one
asyncio loop runs thousands of them (devices.py), and tells the parent
(shards.py) what they saw, with the moment they saw it (relay.py).

Devices connect in a sliding wave: at most `ShardSettings.wave` are between
starting and ready at once, and at most `handshakes` TLS handshakes are in
flight, so ten thousand connect steadily instead of all timing out together.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from kiosk.bench.aio_client import FleetShared
from kiosk.bench.aio_link import shrink_tls_buffers
from kiosk.bench.devices import SimDevice, SimKiosk, SimStaff
from kiosk.bench.fleet import Device
from kiosk.bench.relay import Relay
from kiosk.client import DeviceConfig
from kiosk.core.errors import KioskError
from kiosk.core.site import Site
from kiosk.crypto import DeviceKeys

__all__ = ["ShardSettings", "connect_seconds", "shard_main"]

_SEND_PATIENCE = 20.0  # as the kiosk app's default
# The cyclic collector's young generation while thousands of long-lived
# devices are made (Python's 700 would walk them all again and again).
_GC_YOUNG = 10_000
# How often the devices let go of kept connections the hub has closed.
_SWEEP_SECONDS = 5.0


def connect_seconds(devices: int) -> float:
    """How long connecting `devices` may take before the run gives up."""
    return 120.0 + 0.05 * devices


@dataclass(frozen=True, slots=True)
class ShardSettings:
    marker: str
    hold: float
    escalate_after: float
    handshakes: int = 32  # TLS handshakes in flight per shard
    wave: int = 400  # devices between starting and ready at once, per shard
    # How long its devices may take to connect: the whole fleet's allowance
    # (shards.py sets it), since the shards share the machine and the hub.
    connect_seconds: float = 120.0


def _load(directory: Path) -> Device:
    return Device(DeviceConfig.load(directory), DeviceKeys.load(directory))


def shard_main(
    conn: Connection,
    site: Site,
    kiosk_dirs: list[Path],
    staff_dirs: list[Path],
    settings: ShardSettings,
) -> None:
    """A shard process: its devices, until the parent says stop."""
    shrink_tls_buffers()
    gc.set_threshold(_GC_YOUNG)
    asyncio.run(_Shard(conn, site, settings).run(kiosk_dirs, staff_dirs))


class _Shard:
    def __init__(self, conn: Connection, site: Site, settings: ShardSettings) -> None:
        self.conn = conn
        self.site = site
        self.settings = settings
        self.relay = Relay(self.post)
        self.inbox: asyncio.Queue[tuple[Any, ...]] = asyncio.Queue()
        self.devices: list[SimDevice] = []

    def post(self, message: tuple[Any, ...]) -> None:
        self.conn.send(message)  # only the loop's thread sends

    async def run(self, kiosk_dirs: list[Path], staff_dirs: list[Path]) -> None:
        loop = asyncio.get_running_loop()
        reader = threading.Thread(target=self._read_parent, args=(loop,), daemon=True)
        reader.start()
        try:
            await self._serve(kiosk_dirs, staff_dirs)
        except Exception as exc:  # the parent reports it and stops the run
            with contextlib.suppress(OSError):
                self.post(("failed", f"{type(exc).__name__}: {exc}"))
        finally:
            for device in self.devices:
                device.stop()

    async def _serve(self, kiosk_dirs: list[Path], staff_dirs: list[Path]) -> None:
        kiosks = await self._make_devices(kiosk_dirs, staff_dirs)
        self.post(("staff_warm",))
        if await self.inbox.get() != ("start",):
            return
        started = time.monotonic()
        await self._connect()
        self.post(("ready", time.monotonic() - started))
        # Thousands of long-lived objects: frozen, full collections skip them.
        gc.collect()
        gc.freeze()
        sweeper = asyncio.get_running_loop().create_task(self._drop_closed())
        while True:
            kind, *args = await self.inbox.get()
            if kind == "plan":
                self.relay.add_plan(args[0], args[1])
            elif kind == "send":
                kiosk = kiosks[args[0]]
                kiosk.spawn(kiosk.send(args[1], args[2], _SEND_PATIENCE))
            else:
                sweeper.cancel()
                return

    async def _drop_closed(self) -> None:
        while True:
            await asyncio.sleep(_SWEEP_SECONDS)
            for device in self.devices:
                device.client.drop_closed()

    async def _make_devices(
        self, kiosk_dirs: list[Path], staff_dirs: list[Path]
    ) -> dict[str, SimKiosk]:
        """This shard's devices, its consoles' keys published."""
        if not kiosk_dirs and not staff_dirs:
            return {}
        ca_file = DeviceConfig.load((staff_dirs or kiosk_dirs)[0]).ca_file
        shared = FleetShared.for_ca(ca_file, self.settings.handshakes)
        staff = [
            SimStaff(
                _load(d),
                self.relay,
                shared,
                self.site,
                marker=self.settings.marker,
                hold=self.settings.hold,
                escalate_after=self.settings.escalate_after,
            )
            for d in staff_dirs
        ]
        self.devices.extend(staff)
        await asyncio.gather(*(asyncio.to_thread(console.warm_up) for console in staff))
        kiosks = [SimKiosk(_load(d), self.relay, shared, self.site) for d in kiosk_dirs]
        self.devices.extend(kiosks)
        return {k.id: k for k in kiosks}

    async def _connect(self) -> None:
        """Every device's stream up and its calls at connect done, staff first."""
        window = asyncio.Semaphore(self.settings.wave)

        async def connect(device: SimDevice) -> None:
            async with window:
                device.start()
                await device.ready.wait()

        try:
            async with asyncio.timeout(self.settings.connect_seconds):
                await asyncio.gather(*(connect(d) for d in self.devices))
        except TimeoutError:
            late = next(d.id for d in self.devices if not d.ready.is_set())
            raise KioskError(f"device {late} could not open its event stream") from None

    def _read_parent(self, loop: asyncio.AbstractEventLoop) -> None:
        """The parent's messages, handed to the loop; its end closing means stop."""
        while True:
            try:
                message = self.conn.recv()
            except (EOFError, OSError):
                message = ("stop",)
            with contextlib.suppress(RuntimeError):  # the loop has ended
                loop.call_soon_threadsafe(self.inbox.put_nowait, message)
            if message[0] == "stop":
                return
