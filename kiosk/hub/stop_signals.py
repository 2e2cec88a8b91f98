"""SIGINT and SIGTERM stop the hub, even while its event loop is flooded.

asyncio's `loop.add_signal_handler` learns of a signal by reading its number from
the loop's self-pipe, the same pipe every other thread writes to when it wakes the
loop (granian's threads do, for each request and each disconnect). When a thousand
devices go at once that pipe fills, the signal's byte is dropped, and the signal
with it: kiosk bench saw a hub miss the SIGTERM that ended a run and be killed 20 s
later, without its last purge. Here the signal is handled where Python always runs
it, in a handler on the main thread, which hands the stop to the loop; a pipe of the
signals' own only wakes the loop, and a lost byte there loses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
from collections.abc import Callable, Iterator

__all__ = ["stop_on_signals"]

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def stop_on_signals(loop: asyncio.AbstractEventLoop, stop: Callable[[], None]) -> Iterator[None]:
    """Call `stop` on the loop at SIGINT or SIGTERM while in the block (the loop
    runs on the main thread, as Python's signal handlers do)."""
    wake, woken = socket.socketpair()
    for end in (wake, woken):
        end.setblocking(False)
    loop.add_reader(woken.fileno(), _drain, woken)
    previous_fd = signal.set_wakeup_fd(wake.fileno(), warn_on_full_buffer=False)
    previous = {sig: signal.getsignal(sig) for sig in _SIGNALS}

    def handler(_signum: int, _frame: object) -> None:
        # Between two bytecodes of whatever the loop was doing: only schedule.
        loop.call_soon_threadsafe(stop)

    for sig in _SIGNALS:
        signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, was in previous.items():
            signal.signal(sig, signal.SIG_DFL if was is None else was)
        signal.set_wakeup_fd(previous_fd)
        loop.remove_reader(woken.fileno())
        wake.close()
        woken.close()


def _drain(woken: socket.socket) -> None:
    with contextlib.suppress(BlockingIOError):
        while woken.recv(4096):
            pass
