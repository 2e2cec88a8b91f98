"""Large answers (the manifest, a console's epoch keys) sent in pieces.

asyncio encrypts what the app writes in one go into the connection's
outgoing TLS buffer (an OpenSSL memory BIO), and that buffer never shrinks:
one 2 MB manifest sent whole left every connection that carried it holding
2 MB for as long as it stayed open. Written in 16 KiB pieces, each
connection's buffer stays at one TLS record. Measured with kiosk bench
(1,000 kiosks, 50 consoles fetching the manifest): 140 MB less. That was
under uvicorn and asyncio's TLS; under granian (rustls) it was not
re-measured, and the pieces stay: a bound that does not depend on the server.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

__all__ = ["PiecewiseResponse", "piecewise_json"]

_PIECE = 16 * 1024


class PiecewiseResponse(Response):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        body = self.body
        if scope.get("method") != "HEAD":
            for start in range(0, len(body), _PIECE):
                piece = body[start : start + _PIECE]
                await send({"type": "http.response.body", "body": piece, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})


def piecewise_json(doc: Any, headers: dict[str, str] | None = None) -> PiecewiseResponse:
    body = json.dumps(doc, separators=(",", ":")).encode()
    return PiecewiseResponse(body, media_type="application/json", headers=headers)
