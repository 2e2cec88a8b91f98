"""The bench's site in a scratch directory with its hub in this process, for
benchmarks that measure the hub's Python side without sockets
(fanout_costs.py, call_costs.py)."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from kiosk.bench.fleet import Fleet, build_fleet
from kiosk.core.site import DeviceRecord, Site
from kiosk.hub.app import Hub
from kiosk.hub.events import Subscription
from kiosk.hub.wire import render
from kiosk.operator import SiteLayout

__all__ = ["drain", "scratch_fleet"]


@contextlib.contextmanager
def scratch_fleet(kiosks: int, staff: int) -> Iterator[tuple[SiteLayout, Fleet]]:
    """kiosk bench's site (consoles in groups of five), removed afterwards."""
    with tempfile.TemporaryDirectory() as scratch:
        layout = SiteLayout(Path(scratch) / "site")
        fleet = build_fleet(
            layout,
            ["https://127.0.0.1:9"],  # never dialled: the hub runs in this process
            kiosks=kiosks,
            staff=staff,
            per_group=5,
            escalate_after=30.0,
        )
        yield layout, fleet


def drain(hub: Hub, site: Site, streams: Sequence[tuple[DeviceRecord, Subscription]]) -> int:
    """Render what each stream has queued, as it would write it; bytes written."""
    written = 0
    for device, stream in streams:
        if stream.pending:
            queued, stream.pending = stream.pending, []
            written += sum(len(render(hub.views, device, site, e)) for e in queued)
    return written
