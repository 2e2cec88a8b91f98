"""How a client's requests reach the hub: the `Transport` protocol, the
request and response it speaks in, and the network transport devices use.

A transport sends one request and returns the hub's answer, whatever it is
(a 4xx is an answer, not an error); it raises HubUnreachable only when no
answer came, or a streamed one broke off. Signing, status checks and JSON
belong to `HubClient`, so every transport behaves alike to it.

- `TlsTransport`: requests over TLS trusting only the site's CA, kept
  connections, the devices' timeouts. The default.
- `kiosk.client.in_process.AsgiTransport`: calls an ASGI app (the hub from
  `create_hub`) in this process, with no socket, for tests.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import requests
import urllib3

from kiosk.client.tls import PinnedTlsAdapter
from kiosk.core.errors import HubRefused, HubUnreachable

__all__ = [
    "DEFAULT_STREAM_READ_TIMEOUT",
    "DEFAULT_TIMEOUT",
    "HubRequest",
    "HubResponse",
    "TlsTransport",
    "Transport",
    "refusal",
]

DEFAULT_TIMEOUT = (5.0, 10.0)  # connect, read
# The hub sends a keep-alive every 15 s: silence for three of them is a dead
# connection (a half-open one would otherwise block the stream forever).
DEFAULT_STREAM_READ_TIMEOUT = 45.0
# Whatever the socket holds, up to this: most reads are one whole event.
_STREAM_READ_SIZE = 65536


@dataclass(frozen=True, slots=True)
class HubRequest:
    """One call: `path` is the hub's path with any query (`/v1/tickets/abc`)."""

    method: str
    path: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    stream: bool = False  # an answer read as it comes (the event stream)


class HubResponse:
    """The hub's answer: status, headers, and a body read whole or as it comes.

    Close a streamed one when done (`close()`, or `with response:`).
    """

    def __init__(
        self,
        status_code: int,
        headers: Mapping[str, str],
        chunks: Iterable[bytes],
        *,
        reason: str = "",
        close: Callable[[], None] | None = None,
    ) -> None:
        self.status_code = status_code
        self.reason = reason
        self.headers = {k.lower(): v for k, v in headers.items()}
        self._chunks = iter(chunks)
        self._on_close = close
        self._content: bytes | None = None

    def iter_bytes(self) -> Iterator[bytes]:
        """The body's chunks as they arrive; HubUnreachable if it breaks off."""
        if self._content is not None:
            yield self._content
            return
        yield from self._chunks

    def read(self) -> bytes:
        if self._content is None:
            self._content = b"".join(self._chunks)
        return self._content

    def json(self) -> Any:
        return json.loads(self.read())

    def close(self) -> None:
        if self._on_close is not None:
            self._on_close()
            self._on_close = None

    def __enter__(self) -> HubResponse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Transport(Protocol):
    """What `HubClient` needs to reach a hub: send one request, get its answer."""

    def send(self, request: HubRequest) -> HubResponse: ...


def refusal(status: int, reason: str, content: bytes) -> HubRefused:
    """The hub's JSON error answer (or whatever a proxy sent instead) as an exception."""
    try:
        err = json.loads(content)
        code, message = str(err.get("error")), str(err.get("message"))
    except (ValueError, AttributeError):
        code, message = "http_error", reason or ""
    return HubRefused(status, code, message)


class TlsTransport:
    """HTTPS to the hub at `hub_url`, trusting the site's CA (`ca_file`) alone.

    One session, so connections are kept between calls. Blocking.
    """

    def __init__(
        self,
        hub_url: str,
        ca_file: Path,
        *,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        stream_read_timeout: float = DEFAULT_STREAM_READ_TIMEOUT,
    ) -> None:
        self.base_url = hub_url.rstrip("/")
        self.timeout = timeout
        self.stream_timeout = (timeout[0], stream_read_timeout)
        self.session = requests.Session()
        # Trust only the site's CA, whatever REQUESTS_CA_BUNDLE or proxies the
        # environment sets: requests lets those override a session's `verify`.
        self.session.trust_env = False
        self.session.mount("https://", PinnedTlsAdapter(ca_file))

    def send(self, request: HubRequest) -> HubResponse:
        prepared = requests.Request(
            request.method,
            self.base_url + request.path,
            data=request.body or None,
            headers=dict(request.headers),
        ).prepare()
        try:
            # Prepared as it is, with none of the session's defaults merged in (an
            # eighth of a call's CPU on the device), and no redirect followed: the
            # hub sends none, and a signed call must not go on to wherever one points.
            response = self.session.send(
                prepared,
                timeout=self.stream_timeout if request.stream else self.timeout,
                stream=request.stream,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise HubUnreachable(f"hub unreachable: {type(exc).__name__}") from None
        chunks = _raw_chunks(response) if request.stream else (response.content,)
        return HubResponse(
            response.status_code,
            response.headers,
            chunks,
            reason=response.reason or "",
            close=response.close,
        )

    def close(self) -> None:
        self.session.close()


def _raw_chunks(response: requests.Response) -> Iterator[bytes]:
    try:
        while chunk := response.raw.read1(_STREAM_READ_SIZE, decode_content=True):
            yield chunk
    except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
        raise HubUnreachable(f"event stream ended: {type(exc).__name__}") from None
