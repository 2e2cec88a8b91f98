"""The hub stops at SIGTERM even when its event loop's wake-up pipe is full."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal

from kiosk.hub.stop_signals import stop_on_signals


def _fill_self_pipe(loop: asyncio.AbstractEventLoop) -> None:
    """What a burst of wake-ups from other threads leaves (a thousand devices leaving
    at once: granian wakes the loop for each): asyncio's self-pipe full. `_csock` is
    asyncio's end of it (private; the selector loop every Unix hub runs on)."""
    sock = loop._csock  # type: ignore[attr-defined]
    try:
        while True:
            sock.send(b"\0" * 4096)
    except BlockingIOError:
        pass


def test_sigterm_stops_the_hub_while_the_loop_is_flooded() -> None:
    # With loop.add_signal_handler this signal was lost: asyncio reads a signal's
    # number from that same pipe (kiosk bench: a hub killed 20 s after its SIGTERM).
    stopped = []

    async def run() -> None:
        loop = asyncio.get_running_loop()
        stopping = asyncio.Event()

        def stop() -> None:
            stopped.append("stop")
            stopping.set()

        with stop_on_signals(loop, stop):
            _fill_self_pipe(loop)
            os.kill(os.getpid(), signal.SIGTERM)
            with contextlib.suppress(TimeoutError):  # the assertion below says what failed
                await asyncio.wait_for(stopping.wait(), 1)

    before = signal.getsignal(signal.SIGTERM)
    asyncio.run(run())
    assert stopped == ["stop"]
    assert signal.getsignal(signal.SIGTERM) is before  # restored after the block
