"""A transport that calls an ASGI app in this process: no socket, no TLS.

For tests of clients against the hub (`create_hub(settings)`) where the
network adds nothing. The app runs on its own event loop in one background
thread, with its lifespan (the hub's sweeps and timers) started and stopped
around it, as a server would; clients on any thread call it through that loop.
Streamed answers (the event stream) arrive chunk by chunk; closing one tells
the app that the client went away.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import queue
import threading
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Mapping, MutableMapping
from typing import Any

from kiosk.client.transport import DEFAULT_STREAM_READ_TIMEOUT, HubRequest, HubResponse
from kiosk.core.errors import HubUnreachable

__all__ = ["AsgiApp", "AsgiTransport", "call_app", "http_scope"]

Message = MutableMapping[str, Any]
AsgiApp = Callable[
    [
        MutableMapping[str, Any],
        Callable[[], Awaitable[Message]],
        Callable[[Message], Awaitable[None]],
    ],
    Awaitable[None],
]

# As long as the network transport waits for an answer to begin.
_ANSWER_SECONDS = 10.0
_LIFESPAN_SECONDS = 30.0
_CLIENT = ("127.0.0.1", 40000)
_SERVER = ("127.0.0.1", 443)
_END = b""  # after the last chunk of a body


class _Exchange:
    """One request in flight: its answer's start, then its body's chunks."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.start: concurrent.futures.Future[tuple[int, dict[str, str]]] = (
            concurrent.futures.Future()
        )
        self.chunks: queue.Queue[bytes | BaseException] = queue.Queue()
        self.gone = asyncio.Event()  # the client closed the answer
        self.loop = loop
        self.task: concurrent.futures.Future[None] | None = None

    def hang_up(self) -> None:
        self.loop.call_soon_threadsafe(self.gone.set)


class AsgiTransport:
    """Sends requests to `app` in this process. Use as a context manager, or
    call `close()`: it stops the app's lifespan and its loop."""

    def __init__(self, app: AsgiApp) -> None:
        self.app = app
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="asgi-transport", daemon=True
        )
        self._thread.start()
        self._state: dict[str, Any] = {}
        self._lifespan_in: asyncio.Queue[Message] | None = None
        self._lifespan_out: queue.Queue[Message] = queue.Queue()
        self._lifespan_task = self._submit(self._lifespan())
        try:
            self._await_lifespan("lifespan.startup")
        except RuntimeError:
            self._stop_loop()
            raise

    # -- lifespan ------------------------------------------------------------
    def _submit(self, work: Coroutine[Any, Any, None]) -> concurrent.futures.Future[None]:
        return asyncio.run_coroutine_threadsafe(work, self._loop)

    async def _lifespan(self) -> None:
        inbox: asyncio.Queue[Message] = asyncio.Queue()
        self._lifespan_in = inbox
        inbox.put_nowait({"type": "lifespan.startup"})

        async def send(message: Message) -> None:
            self._lifespan_out.put(message)

        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": self._state}
        try:
            await self.app(scope, inbox.get, send)
        except BaseException as exc:
            self._lifespan_out.put({"type": "failed", "message": repr(exc)})
            raise

    def _await_lifespan(self, step: str) -> None:
        try:
            message = self._lifespan_out.get(timeout=_LIFESPAN_SECONDS)
        except queue.Empty:
            raise RuntimeError(f"{step} did not finish") from None
        if message["type"] != f"{step}.complete":
            raise RuntimeError(f"{step} failed: {message.get('message', '')}")

    def close(self) -> None:
        if not self._thread.is_alive():
            return
        inbox = self._lifespan_in
        if inbox is not None and not self._lifespan_task.done():
            self._loop.call_soon_threadsafe(inbox.put_nowait, {"type": "lifespan.shutdown"})
            self._await_lifespan("lifespan.shutdown")
        self._stop_loop()

    def _stop_loop(self) -> None:
        # Answers still streaming end as if the server stopped.
        self._submit(_cancel_others()).result(_LIFESPAN_SECONDS)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(_LIFESPAN_SECONDS)
        self._loop.close()

    def __enter__(self) -> AsgiTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- requests --------------------------------------------------------------
    def send(self, request: HubRequest) -> HubResponse:
        if not self._thread.is_alive():
            raise HubUnreachable("hub unreachable: the in-process app was closed")
        exchange = _Exchange(self._loop)
        exchange.task = self._submit(self._serve(request, exchange))
        try:
            status, headers = exchange.start.result(_ANSWER_SECONDS)
        except concurrent.futures.TimeoutError:
            exchange.hang_up()
            raise HubUnreachable("hub unreachable: no answer in time") from None
        response = HubResponse(
            status, headers, _chunks(exchange, request.stream), close=exchange.hang_up
        )
        if not request.stream:
            response.read()
            response.close()
        return response

    async def _serve(self, request: HubRequest, exchange: _Exchange) -> None:
        scope = http_scope(request.method, request.path, request.headers, request.body, self._state)
        body_sent = False

        async def receive() -> Message:
            nonlocal body_sent
            if not body_sent:
                body_sent = True
                return {"type": "http.request", "body": request.body, "more_body": False}
            await exchange.gone.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = {k.decode(): v.decode() for k, v in message.get("headers", [])}
                exchange.start.set_result((int(message["status"]), headers))
            elif message["type"] == "http.response.body":
                if exchange.gone.is_set():
                    raise OSError("the client closed the answer")
                if message.get("body"):
                    exchange.chunks.put(bytes(message["body"]))
                if not message.get("more_body", False):
                    exchange.chunks.put(_END)

        try:
            await self.app(scope, receive, send)
        except BaseException as exc:
            if not exchange.start.done():
                exchange.start.set_exception(exc)
            exchange.chunks.put(exc)
            raise
        finally:
            exchange.chunks.put(_END)


def http_scope(
    method: str,
    target: str,
    headers: Mapping[str, str],
    body: bytes,
    state: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The ASGI scope of a request as a server hands it to the app; `target` is
    the path with its query, if any."""
    path, _, query = target.partition("?")
    sent = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    if not any(name == b"content-length" for name, _ in sent):
        sent.append((b"content-length", str(len(body)).encode()))
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "https",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"hub"), *sent],
        "client": _CLIENT,
        "server": _SERVER,
        "state": dict(state or {}),
    }


async def call_app(
    app: AsgiApp, method: str, target: str, headers: Mapping[str, str], body: bytes
) -> tuple[int, bytes]:
    """One call to `app` on the running loop, answered whole: its status and
    body (not for event streams, which never end)."""
    sent = False
    status, chunks = 0, []

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])
        elif message["type"] == "http.response.body":
            chunks.append(bytes(message.get("body", b"")))

    await app(http_scope(method, target, headers, body), receive, send)
    return status, b"".join(chunks)


async def _cancel_others() -> None:
    others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in others:
        task.cancel()
    await asyncio.gather(*others, return_exceptions=True)


def _chunks(exchange: _Exchange, stream: bool) -> Iterator[bytes]:
    # As long as the network transport waits for the next chunk.
    wait = DEFAULT_STREAM_READ_TIMEOUT if stream else _ANSWER_SECONDS
    while True:
        try:
            chunk = exchange.chunks.get(timeout=wait)
        except queue.Empty:
            raise HubUnreachable("event stream ended: ReadTimeout") from None
        if isinstance(chunk, BaseException):
            raise HubUnreachable(f"event stream ended: {type(chunk).__name__}")
        if chunk == _END:
            return
        yield chunk
