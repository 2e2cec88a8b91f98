"""The hub's event-stream answer on its own, with the ASGI server played by the test."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator
from typing import Any

from kiosk.hub.event_stream_response import EventStreamResponse


class _Server:
    """What granian does for one request: `receive` tells of the client leaving only
    when it leaves, and `send` records what was written."""

    def __init__(self) -> None:
        self.left = asyncio.Event()
        self.sent: list[dict[str, Any]] = []
        self.wrote = asyncio.Event()  # a body chunk went out

    async def receive(self) -> dict[str, Any]:
        await self.left.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)
        if message.get("body"):
            self.wrote.set()


async def _events(more: asyncio.Event, closed: list[str]) -> AsyncGenerator[bytes, None]:
    try:
        yield b"data: one\n\n"
        await more.wait()
        yield b"data: two\n\n"
    finally:
        closed.append("unsubscribed")


def test_a_client_leaving_ends_the_stream_as_an_ordinary_end() -> None:
    async def run() -> tuple[_Server, list[str]]:
        server, closed = _Server(), []
        response = EventStreamResponse(_events(asyncio.Event(), closed), headers={})
        serving = asyncio.ensure_future(response({"type": "http"}, server.receive, server.send))
        await asyncio.wait_for(server.wrote.wait(), 5)
        server.left.set()
        await asyncio.wait_for(serving, 5)  # returns, not cancelled
        return server, closed

    server, closed = asyncio.run(run())
    assert [m.get("body") for m in server.sent] == [None, b"data: one\n\n"]
    assert closed == ["unsubscribed"]


def test_a_stream_that_ends_by_itself_as_its_client_leaves_is_finished_and_nothing_else() -> None:
    async def run() -> tuple[_Server, list[str], bool]:
        server, closed, more = _Server(), [], asyncio.Event()
        response = EventStreamResponse(_events(more, closed), headers={})

        async def app() -> None:  # the server's own code goes on after the response
            await response({"type": "http"}, server.receive, server.send)
            # A trip to a worker thread: turns of the loop in which a cancel
            # left behind by the response would reach this task.
            await asyncio.to_thread(server.sent.copy)

        serving = asyncio.ensure_future(app())
        await asyncio.wait_for(server.wrote.wait(), 5)
        server.left.set()  # the client goes...
        more.set()  # ...as the last event comes and the stream ends (the hub closing)
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(serving, 5)
        return server, closed, serving.cancelled()

    server, closed, cancelled = asyncio.run(run())
    assert not cancelled, "the disconnect cancelled the server's task after the stream"
    assert [m.get("body") for m in server.sent] == [None, b"data: one\n\n", b"data: two\n\n", b""]
    assert server.sent[-1]["more_body"] is False
    assert closed == ["unsubscribed"]
