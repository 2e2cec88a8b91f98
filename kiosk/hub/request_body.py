"""Reading a request's body: bounded in size and in time.

Called only after the signature headers passed what can be checked without the
body (Hub.read_body), so a stranger is never read at all; a body that does not
arrive within its time (a client trickling a byte now and then to hold a
connection and a task) is answered 408 instead of waited for.
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request

from kiosk.hub.api_errors import ApiError
from kiosk.hub.logs import log_event

__all__ = ["read_body"]

_DRAIN_LIMIT = 1024 * 1024  # a too-large body read and dropped, to answer 413 cleanly


async def read_body(request: Request, max_bytes: int, within_seconds: float) -> bytes:
    """The whole body; 413 past `max_bytes`, 408 if it takes over `within_seconds`."""
    try:
        async with asyncio.timeout(within_seconds):
            return await _read(request, max_bytes)
    except TimeoutError:
        log_event("request.too_slow")
        raise ApiError(
            408, "too_slow", f"the request body did not arrive within {within_seconds:g} s"
        ) from None


async def _read(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        if declared.isdigit():
            await _drain(request, int(declared))
        raise ApiError(413, "too_large", f"request body over {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            await _drain(request, size)
            raise ApiError(413, "too_large", f"request body over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def _drain(request: Request, size: int) -> None:
    """Read and drop a too-large body before answering 413. Answering while the
    client still sends makes the server close the connection under it, and the
    client sees a broken connection (sometimes) instead of the clear 413. Past
    _DRAIN_LIMIT the connection is closed all the same: a flood is not read."""
    if size > _DRAIN_LIMIT:
        return
    async for _chunk in request.stream():
        pass
