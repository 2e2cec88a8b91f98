"""One TLS connection to the hub from asyncio, speaking just the HTTP/1.1 the
hub speaks: a request, its answer (Content-Length, chunked or until close),
kept alive for the next; or an answer read as it comes (the event stream).

The bench's fleet holds ten thousand of these in two processes. A thread and
a requests session per device could not (the threaded fleet stalled at 5,000
kiosks); an HTTP library would add a connection pool and per-request objects
the bench does not need. Raw streams cost the socket, its TLS object and two
small buffers.
"""

from __future__ import annotations

import asyncio
import asyncio.sslproto
import ssl
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from kiosk.core.errors import HubUnreachable

__all__ = ["Answer", "HubAddress", "HubLink", "shrink_tls_buffers"]

CONNECT_TIMEOUT = 5.0  # as the apps' (kiosk/client/transport.py)
READ_TIMEOUT = 10.0
# The hub sends a keep-alive every 15 s: silence for three is a dead stream.
STREAM_READ_TIMEOUT = 45.0
_MAX_HEADER_LINES = 100


def shrink_tls_buffers() -> None:
    """asyncio gives every TLS connection a 256 kB read buffer, filled with
    zeros at once: 5 GB for ten thousand devices' two connections. A TLS
    record holds at most 16 kB, so reads of that size lose nothing but a few
    more turns of the loop for a large answer. Only for the bench's own processes."""
    asyncio.sslproto.SSLProtocol.max_size = 16 * 1024


@dataclass(frozen=True, slots=True)
class HubAddress:
    """Where a device's hub is and the TLS it trusts: the site's CA alone, the
    certificate and host name both checked (as kiosk/client/tls.py). One
    context serves every device of a process: each still has its own
    connection and handshake."""

    host: str
    port: int
    context: ssl.SSLContext

    @classmethod
    def of(cls, hub_url: str, context: ssl.SSLContext) -> HubAddress:
        parts = urlsplit(hub_url)
        if parts.scheme != "https" or parts.hostname is None:
            raise ValueError(f"not an https URL: {hub_url}")
        return cls(parts.hostname, parts.port or 443, context)


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    reason: str
    headers: Mapping[str, str]  # names in lower case
    body: bytes


class HubLink:
    """One connection; one request at a time."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str
    ) -> None:
        self._host = host  # the Host header
        self._reader = reader
        self._writer = writer
        self.used = False  # has answered a request: a later failure may be its age
        self.reusable = True

    @classmethod
    async def open(cls, address: HubAddress) -> HubLink:
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT):
                reader, writer = await asyncio.open_connection(
                    address.host,
                    address.port,
                    ssl=address.context,
                    server_hostname=address.host,
                    ssl_handshake_timeout=CONNECT_TIMEOUT,
                )
        except (OSError, TimeoutError, ssl.SSLError) as exc:
            raise HubUnreachable(f"hub unreachable: {type(exc).__name__}") from None
        return cls(reader, writer, f"{address.host}:{address.port}")

    def alive(self) -> bool:
        """Still open at both ends, as far as this side can tell without a read."""
        return self.reusable and not self._writer.is_closing() and not self._reader.at_eof()

    def close(self) -> None:
        self.reusable = False
        self._writer.transport.abort()  # no TLS goodbye: the hub copes, and it is cheaper

    async def request(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> Answer:
        """One request and its whole answer; HubUnreachable if none came."""
        try:
            async with asyncio.timeout(READ_TIMEOUT):
                status, reason, answer_headers = await self._start(method, path, headers, body)
                content = b"".join([c async for c in self._body(answer_headers)])
        except (OSError, TimeoutError, ssl.SSLError, EOFError, ValueError) as exc:
            self.close()
            raise HubUnreachable(f"hub unreachable: {type(exc).__name__}") from None
        self.used = True
        if answer_headers.get("connection", "").lower() == "close":
            self.close()
        return Answer(status, reason, answer_headers, content)

    async def stream(
        self, method: str, path: str, headers: Mapping[str, str]
    ) -> tuple[Answer, AsyncIterator[bytes]]:
        """A request whose answer is read as it comes: its status and headers,
        and its body's chunks. The link is the stream's alone from then on."""
        self.reusable = False
        try:
            async with asyncio.timeout(READ_TIMEOUT):
                status, reason, answer_headers = await self._start(method, path, headers, b"")
        except (OSError, TimeoutError, ssl.SSLError, EOFError, ValueError) as exc:
            self.close()
            raise HubUnreachable(f"hub unreachable: {type(exc).__name__}") from None
        return Answer(status, reason, answer_headers, b""), self._streamed(answer_headers)

    async def _streamed(self, headers: Mapping[str, str]) -> AsyncIterator[bytes]:
        body = self._body(headers).__aiter__()
        try:
            while True:
                async with asyncio.timeout(STREAM_READ_TIMEOUT):
                    chunk = await anext(body, None)
                if chunk is None:
                    return
                yield chunk
        except (OSError, TimeoutError, ssl.SSLError, EOFError, ValueError) as exc:
            raise HubUnreachable(f"event stream ended: {type(exc).__name__}") from None
        finally:
            self.close()

    async def _start(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, str, dict[str, str]]:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self._host}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if body or method not in ("GET", "HEAD"):
            lines.append(f"Content-Length: {len(body)}")
        self._writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        await self._writer.drain()
        first = await self._reader.readline()
        if not first:
            raise EOFError("closed before an answer")
        _version, status, *reason = first.decode("latin-1").rstrip("\r\n").split(" ", 2)
        answer_headers: dict[str, str] = {}
        for _ in range(_MAX_HEADER_LINES):
            line = (await self._reader.readline()).decode("latin-1").rstrip("\r\n")
            if not line:
                return int(status), reason[0] if reason else "", answer_headers
            name, _, value = line.partition(":")
            answer_headers[name.strip().lower()] = value.strip()
        raise ValueError("too many header lines")

    async def _body(self, headers: Mapping[str, str]) -> AsyncIterator[bytes]:
        if "chunked" in headers.get("transfer-encoding", "").lower():
            while True:
                size = int((await self._reader.readline()).split(b";")[0].strip(), 16)
                if size == 0:
                    while (await self._reader.readline()).strip():
                        pass  # trailers
                    return
                yield await self._reader.readexactly(size)
                await self._reader.readexactly(2)  # the chunk's CRLF
        elif "content-length" in headers:
            length = int(headers["content-length"])
            if length:
                yield await self._reader.readexactly(length)
        else:
            self.reusable = False  # the body ends when the connection does
            while chunk := await self._reader.read(65536):
                yield chunk
