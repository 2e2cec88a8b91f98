"""The answer to GET /v1/events: a text/event-stream that lasts as long as the device
stays connected.

Starlette's StreamingResponse does this too, but on a server of ASGI spec 2.3, as
granian is (it tells of a client gone only through `receive`), it runs each stream
in an anyio task group: a second task, cancel scopes and their bookkeeping, about
3 kB a stream, and a hub holds a stream per device. Here the only extra is a task
waiting for the disconnect, which ends the writing when it comes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Mapping

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

__all__ = ["EventStreamResponse"]


class EventStreamResponse(Response):
    media_type = "text/event-stream"

    def __init__(self, chunks: AsyncGenerator[bytes, None], headers: Mapping[str, str]) -> None:
        self.chunks = chunks
        self.status_code = 200
        self.background = None
        self.init_headers(headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        writer = asyncio.current_task()
        assert writer is not None  # an ASGI app always runs in a task
        gone = asyncio.ensure_future(_disconnected(receive))
        left = done = False

        def cut_off(task: asyncio.Future[None]) -> None:
            nonlocal left
            # A future's callbacks run a loop turn after it is done: by then the
            # stream may have ended by itself, and the task moved on.
            if not done and not task.cancelled() and task.exception() is None:
                left = True
                writer.cancel()  # wakes the stream wherever it waits, and ends it

        gone.add_done_callback(cut_off)
        try:
            await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
            async for chunk in self.chunks:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except asyncio.CancelledError:
            if not left:
                raise  # not the client leaving: the server is stopping us
            writer.uncancel()  # the client left: an ordinary end of the stream
        finally:
            done = True
            gone.cancel()
            await self.chunks.aclose()  # the stream's own clean-up (unsubscribing)


async def _disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
