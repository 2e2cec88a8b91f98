"""Runs the hub under granian (HTTP and TLS in Rust) on the configured address."""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import gc
import logging
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from granian.constants import HTTPModes, Interfaces
from granian.http import HTTP1Settings
from granian.server.embed import Server

from kiosk.hub.app import create_hub
from kiosk.hub.database import upgrade_schema_apart
from kiosk.hub.dead_peers import PeerTimeouts, tune_server_sockets
from kiosk.hub.settings import HubSettings
from kiosk.hub.stop_signals import stop_on_signals

__all__ = ["configure_logging", "serve"]


def configure_logging(level: int = logging.INFO) -> None:
    # To stderr only (the journal under systemd); no log files of our own.
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")


# granian's own log lines (start, stop, errors) go through ours: one format, stderr.
_GRANIAN_LOGGING = {"loggers": {"_granian": {"handlers": [], "propagate": True}}}
# granian refuses connections beyond this many at once; a hub holds an event
# stream and a kept-alive connection per device, so its default (1,024) left
# the 1,000-kiosk bench's last devices waiting forever.
_MAX_CONNECTIONS = 16_384
# A kept-alive connection waiting longer than this for its next request is closed
# (hyper's header-read timeout also runs between requests): a burst of a device's
# calls shares one TLS handshake, and an idle device (beats 5 minutes apart) holds
# its event stream alone, not a second connection's TLS state and buffers.
_IDLE_MS = 30_000

# The event loop's thread gives up the GIL at every await on a worker thread (database
# calls) and, under granian, hands each request and each push to and from Rust
# threads that need the GIL too. kiosk bench, 1,000 kiosks: under uvicorn, 5 ms ->
# 0.5 ms took a loaded hub from 9.5 to 11.3 closed tickets a second (20/s offered),
# 0.5 -> 0.1 ms from 29-33 to 35-37 (50/s offered; 0.05 and 2 ms were worse); under
# granian, 0.1 ms against Python's 5 ms: 44.2 vs 42.5 and 30.8 vs 38.9 a second at
# 50/s, p99 at 20/s 54 vs 71 ms: within this machine's noise, so it stays.
_SWITCH_INTERVAL = 0.0001


_M_ARENA_MAX = -8  # mallopt's parameter number, from glibc's malloc.h


def _fewer_malloc_arenas() -> None:
    """glibc gives threads that allocate heaps ("arenas") of their own, up to eight
    per core, each keeping its own free fragments; two serve the hub's worker
    threads as well (kiosk bench, 1,000 kiosks: 216-220 -> 207-208 MB idle, the
    same tickets a second)."""
    name = ctypes.util.find_library("c")
    if name and sys.platform.startswith("linux"):
        libc = ctypes.CDLL(name)
        if hasattr(libc, "mallopt"):
            libc.mallopt(_M_ARENA_MAX, 2)


# The cyclic garbage collector's young-generation size (Python's default: 700).
# With a thousand streams open a hub holds ~250,000 tracked objects, and every
# collection stops the event loop: kiosk bench at 40/s, 1,000 kiosks, defaults:
# 900 young, 80 middle and 7 full collections in a run, 3.4 s in all, full ones
# 180-500 ms each. With the start-up heap frozen and 10,000 here, at 50/s: 183,
# 16 and 2 (both at start), 0.5 s (docs/benchmarks.md).
_GC_YOUNG = 10_000


def _calm_garbage_collector(app_ready: Callable[[], object]) -> None:
    """What the hub has loaded at start (modules, the schema, the site) lives as
    long as the process: frozen, full collections no longer walk it. Objects made
    later are collected as before; a frozen one that later ends up in a garbage
    cycle would stay (a new manifest replaces the site, freed by reference count
    as before). gc.collect() first, so no garbage is frozen."""
    try:
        app_ready()
    except Exception as exc:  # it loads on the first request instead, as it always could
        logging.getLogger("kiosk.hub").warning(
            "event=site.preload_failed kind=%s", type(exc).__name__
        )
    gc.collect()
    gc.freeze()
    gc.set_threshold(_GC_YOUNG)  # the older generations keep theirs


def serve(settings: HubSettings) -> None:
    configure_logging()
    sys.setswitchinterval(_SWITCH_INTERVAL)
    _fewer_malloc_arenas()
    upgrade_schema_apart(settings.db_url)
    app = create_hub(settings, migrated=True)
    _calm_garbage_collector(app.state.hub.site_state.current)  # the site, loaded now
    server = Server(
        app,
        address=settings.host,
        port=settings.port,
        interface=Interfaces.ASGI,
        http=HTTPModes.http1,
        http1_settings=HTTP1Settings(keep_alive=True, header_read_timeout=_IDLE_MS),
        websockets=False,
        backlog=2048,
        backpressure=_MAX_CONNECTIONS,
        ssl_cert=Path(settings.tls_cert),
        ssl_key=Path(settings.tls_key),
        # An access log would write every URL, ticket ids included.
        log_access=False,
        log_dictconfig=_GRANIAN_LOGGING,
    )
    timeouts = PeerTimeouts.within(settings.dead_peer_seconds)
    asyncio.run(
        _serve_until_signalled(
            server, app.state.hub.close_streams, tune_server_sockets(settings.port, timeouts)
        )
    )


async def _serve_until_signalled(
    server: Server, close_streams: Callable[[], None], tune: Coroutine[Any, Any, bool]
) -> None:
    """Stops cleanly on SIGINT or SIGTERM (systemd and the demo both stop the hub
    with a signal), exit status 0: open event streams end first, so the server
    need not wait for them. `tune` sets the dead-peer timeouts on the listener
    granian opens meanwhile (dead_peers.py)."""

    def stop() -> None:
        close_streams()
        server.stop()  # type: ignore[no-untyped-call]  # granian leaves it unannotated

    tuning = asyncio.ensure_future(tune)
    try:
        with stop_on_signals(asyncio.get_running_loop(), stop):
            await server.serve()
    finally:
        tuning.cancel()
