"""How the hub refuses a request: one exception, rendered as a JSON 4xx."""

from __future__ import annotations

import base64
import binascii
import json
import math
from typing import Any

from starlette.responses import JSONResponse

__all__ = ["ApiError", "decode_b64", "error_response", "json_object"]


class ApiError(Exception):
    def __init__(
        self, status: int, code: str, message: str, *, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.retry_after = retry_after


def error_response(
    status: int, code: str, message: str, *, retry_after: float | None = None
) -> JSONResponse:
    headers = {} if retry_after is None else {"Retry-After": str(max(1, math.ceil(retry_after)))}
    return JSONResponse({"error": code, "message": message}, status_code=status, headers=headers)


def json_object(body: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ApiError(400, "bad_json", "the request body is not valid JSON") from None
    if not isinstance(doc, dict):
        raise ApiError(400, "bad_json", "the request body must be a JSON object")
    return doc


def decode_b64(text: object, limit: int, what: str, code: str) -> bytes:
    """Base64 `text` of at most `limit` bytes, or a 400 naming `what`."""
    if not isinstance(text, str) or len(text) > limit * 4 // 3 + 4:
        raise ApiError(400, code, f"{what} must be base64, at most {limit} bytes")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(400, code, f"{what} is not valid base64") from None
