"""The building blocks of the hub's OpenAPI document (kiosk/hub/openapi.py).

Schemas of answers, refusals (`{"error", "message"}` with the codes a status
can carry), the refusals every operation of a kind can give, and an operation
whose request body is described by its model (kiosk/hub/request_models.py).
"""

from __future__ import annotations

from typing import Any

from kiosk.hub.field_rules import BodyModel, Schema, body_schema
from kiosk.hub.settings import DEFAULT_BODY_READ_SECONDS, DEFAULT_MAX_BODY_BYTES

__all__ = [
    "ADMIN_HEADERS",
    "AUTH_HEADERS",
    "HEX32",
    "error",
    "json_answer",
    "merge",
    "object_of",
    "operation",
    "ref",
    "retry_after",
    "string",
]

HEX32 = "^[0-9a-f]{32}$"
AUTH_HEADERS = ("Kiosk-Device", "Kiosk-Timestamp", "Kiosk-Nonce", "Kiosk-Signature")
ADMIN_HEADERS = ("Kiosk-Admin-Timestamp", "Kiosk-Admin-Nonce", "Kiosk-Admin-Signature")


def string(**limits: Any) -> Schema:
    return {"type": "string", **limits}


def object_of(required: dict[str, Schema], optional: dict[str, Schema] | None = None) -> Schema:
    """An answer's object (no additionalProperties: false, as for bodies)."""
    return {
        "type": "object",
        "required": list(required),
        "properties": {**required, **(optional or {})},
    }


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def json_answer(schema: Schema, description: str) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def error(description: str, *codes: str) -> Schema:
    """A refusal: the Error shape, with the codes this status can carry here."""
    schema = {
        "allOf": [
            ref("Error"),
            {"properties": {"error": string(enum=sorted(set(codes)))}},
        ]
    }
    return json_answer(schema, f"{description} (error: {', '.join(sorted(set(codes)))})")


def retry_after(response: Schema) -> Schema:
    """`response` (a 429) with its Retry-After header."""
    response["headers"] = {"Retry-After": {"description": "seconds", "schema": {"type": "string"}}}
    return response


def _refusals(*, signed: bool, body: bool, path_params: bool) -> dict[str, Schema]:
    """The refusals every operation of a kind can give, whatever its handler does."""
    out: dict[str, Schema] = {
        "503": error("the hub could not do this now (e.g. its database)", "unavailable"),
    }
    if signed:
        out["401"] = error(
            "the call is not signed by an enrolled device, or is stale or replayed",
            "unauthenticated",
            "unknown_device",
            "bad_timestamp",
            "clock_skew",
            "bad_nonce",
            "bad_signature",
            "replay",
        )
        out["429"] = retry_after(error("this device made too many calls", "slow_down"))
    if signed or body:
        out["413"] = error(f"body over {DEFAULT_MAX_BODY_BYTES} bytes (by default)", "too_large")
        out["408"] = error(
            f"the body did not arrive within {DEFAULT_BODY_READ_SECONDS:g} s (by default)",
            "too_slow",
        )
    if path_params:  # a value with a slash in it matches no route
        out["404"] = error("no such resource", "not_found")
    return out


def merge(responses: dict[str, Schema], extra: dict[str, Schema]) -> dict[str, Schema]:
    """Add handler-specific responses; two refusals on one status join their codes."""
    out = dict(responses)
    for status, response in extra.items():
        if status in out and status[0] == "4":
            codes = _codes(out[status]) + _codes(response)
            merged = error(response["description"].split(" (error:")[0], *codes)
            if "headers" in out[status]:
                merged["headers"] = out[status]["headers"]
            out[status] = merged
        else:
            out[status] = response
    return dict(sorted(out.items()))


def _codes(response: Schema) -> list[str]:
    schema = response["content"]["application/json"]["schema"]
    return list(schema["allOf"][1]["properties"]["error"]["enum"])


def operation(
    summary: str,
    responses: dict[str, Schema],
    *,
    roles: tuple[str, ...] = ("kiosk", "staff"),
    body: type[BodyModel] | Schema | None = None,
    body_required: bool = True,
    path_params: tuple[str, ...] = (),
    signed: bool = True,
    headers: tuple[Schema, ...] = (),
) -> Schema:
    """One operation; `body` is the model its handler parses (or, for a body
    the handler passes on whole, a plain schema)."""
    op: Schema = {
        "summary": summary,
        "x-kiosk-roles": list(roles),
        "responses": merge(
            _refusals(signed=signed, body=body is not None, path_params=bool(path_params)),
            responses,
        ),
    }
    if not signed:
        op["security"] = []
    if body is not None:
        schema = body if isinstance(body, dict) else body_schema(body)
        op["requestBody"] = {
            "required": body_required,
            "content": {"application/json": {"schema": schema}},
        }
    if path_params or headers:
        op["parameters"] = [*(_path_param(name) for name in path_params), *headers]
    return op


def _path_param(name: str) -> Schema:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": string(pattern=HEX32),
        "description": "32 lowercase hex characters (any other value: 404)",
    }
