"""Runs the hub under uvicorn with TLS on the configured address."""

from __future__ import annotations

import asyncio
import asyncio.sslproto
import contextlib
import ctypes
import ctypes.util
import logging
import signal
import sys
from collections.abc import Callable, Iterator

import uvicorn

from kiosk.hub.app import create_hub
from kiosk.hub.database import upgrade_schema_apart
from kiosk.hub.settings import HubSettings

__all__ = ["configure_logging", "serve"]


def configure_logging(level: int = logging.INFO) -> None:
    # To stderr only (the journal under systemd); no log files of our own.
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")


# asyncio gives every TLS connection a 256 KiB read buffer; a hub holds one
# event stream and one kept-alive connection per device, so a thousand kiosks
# cost 512 MB in buffers alone. OpenSSL keeps a partial record between reads,
# so 4 KiB reads lose nothing; a large request takes a few more of them.
_TLS_READ_BUFFER = 4 * 1024
_KEEP_ALIVE_SECONDS = 20
# The event loop's thread does every TLS read and write and gives up the GIL
# for each; at Python's default 5 ms it then waited behind worker threads
# (database calls) and pushes queued up. kiosk bench, 1,000 kiosks: 5 ms -> 0.5 ms
# took a loaded hub from 9.5 to 11.3 closed tickets a second (20/s offered);
# later, 0.5 -> 0.1 ms from 29-33 to 35-37 a second (50/s offered; 0.05 and 2 ms
# were worse).
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


def serve(settings: HubSettings) -> None:
    configure_logging()
    sys.setswitchinterval(_SWITCH_INTERVAL)
    asyncio.sslproto.SSLProtocol.max_size = _TLS_READ_BUFFER
    _fewer_malloc_arenas()
    upgrade_schema_apart(settings.db_url)
    app = create_hub(settings, migrated=True)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        ssl_certfile=str(settings.tls_cert),
        ssl_keyfile=str(settings.tls_key),
        # uvicorn's access log would write every URL, ticket ids included.
        access_log=False,
        log_config=None,
        # Open event streams never end by themselves; do not wait long for them.
        timeout_graceful_shutdown=2,
        # Devices call at least every heartbeat (10 s): with uvicorn's 5 s default
        # every beat paid a new TLS handshake on both ends.
        timeout_keep_alive=_KEEP_ALIVE_SECONDS,
        # Nothing here uses a client's address; X-Forwarded-* need not be parsed
        # on every request (uvicorn's default middleware does).
        proxy_headers=False,
    )
    server = _QuietServer(config)
    server.on_exit = app.state.hub.close_streams
    asyncio.run(server.serve_until_signalled())


class _QuietServer(uvicorn.Server):
    """Stops cleanly on SIGINT or SIGTERM, exit status 0 and no traceback.

    uvicorn re-raises a captured SIGINT after shutting down, which interrupts
    the lifespan task and logs a KeyboardInterrupt traceback; systemd and the
    demo both stop the hub with a signal, so we handle them ourselves.
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    async def serve_until_signalled(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self._request_exit)
        await self.serve()

    on_exit: Callable[[], None] = staticmethod(lambda: None)

    def _request_exit(self) -> None:
        self.should_exit = True
        self.on_exit()  # open event streams end now, not at the graceful-shutdown timeout
