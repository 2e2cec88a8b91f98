"""The hub's API as an OpenAPI 3.1 description, served at GET /v1/openapi.json.

Written from the handlers (app.py, replies.py, duty.py, enrolment_api.py,
epoch_keys.py): every route, the JSON bodies with the limits the handlers
enforce, and the `{"error", "message"}` refusals each can give. It holds no
secrets and needs no signature. tests/test_openapi.py checks that every route
of the app is described here; tests/test_openapi_fuzz.py fuzzes a real hub
against it with schemathesis.
"""

from __future__ import annotations

from typing import Any

from kiosk import __version__
from kiosk.core.categories import Category, Urgency
from kiosk.core.ticket import TicketState
from kiosk.hub.settings import DEFAULT_BODY_READ_SECONDS, DEFAULT_MAX_BODY_BYTES

__all__ = ["MAX_HEARTBEAT_MANIFEST_VERSION", "TICKET_ACTIONS", "openapi_document"]

Schema = dict[str, Any]

# Who may take each step of a ticket (app.py, Hub.transition), and what it does.
TICKET_ACTIONS: dict[str, tuple[str, str]] = {
    "cancel": ("kiosk", "The traveller no longer needs help; the ticket is purged."),
    "delivered": ("staff", "The ticket was shown on this console."),
    "accept": ("staff", '"On my way", optionally with eta_minutes; a second accept gets 409.'),
    "resolve": ("staff", "Done; the ticket is purged."),
    "hand_over": (
        "staff",
        "The accepter passes it to `group` (a group of its route) or, with no group, "
        "back to colleagues of their own group.",
    ),
    "not_found": ("staff", "The accepter went and found nobody; the ticket is purged."),
}
# A heartbeat's manifest version is stored in a 32-bit column (PostgreSQL INTEGER).
MAX_HEARTBEAT_MANIFEST_VERSION = 2**31 - 1
_MAX_ETA_MINUTES = 120
_MAX_SEALED_COPY = 16 * 1024
_MAX_SEALED_REPLY = 4096
_HEX32 = "^[0-9a-f]{32}$"
_B64_CHARS = "[A-Za-z0-9+/]"
_B64 = f"^(?:{_B64_CHARS}{{4}})*(?:{_B64_CHARS}{{2}}==|{_B64_CHARS}{{3}}=)?$"
_AUTH_HEADERS = ("Kiosk-Device", "Kiosk-Timestamp", "Kiosk-Nonce", "Kiosk-Signature")
_SIGNED_CALL = """Every call but health, this description and enrolment is signed by a
device of the current signed manifest, in four headers:

- `Kiosk-Device`: the device id;
- `Kiosk-Timestamp`: Unix seconds, within the hub's clock window (120 s);
- `Kiosk-Nonce`: at most 64 characters, never used before by this device;
- `Kiosk-Signature`: base64 Ed25519 signature, with the device's identity key, of
  the bytes `kiosk/request/v1` NUL, then newline-separated: the method in upper
  case, the percent-decoded path (with `?` `#` `\\` re-encoded) plus `?query` if
  any, the timestamp, the nonce, and the lowercase hex SHA-256 of the body.

A call that fails any of these gets 401. Each device has a call allowance (60 at
once, 20 a second sustained); over it, 429 with Retry-After."""


# -- schemas -------------------------------------------------------------------
def _string(**limits: Any) -> Schema:
    return {"type": "string", **limits}


def _integer(minimum: int, maximum: int) -> Schema:
    return {"type": "integer", "minimum": minimum, "maximum": maximum}


def _base64(max_bytes: int, *, exact: bool = False, min_bytes: int = 0) -> Schema:
    """A base64 text the handler decodes with `decode_b64` (padding required)."""
    if exact:  # one fixed length: spell out the padding it must end with
        full, rest = divmod(max_bytes, 3)
        chars = full * 4 + (rest + 1 if rest else 0)
        pad = "=" * (3 - rest if rest else 0)
        return _string(pattern=f"^{_B64_CHARS}{{{chars}}}{pad}$", contentEncoding="base64")
    schema = _string(
        pattern=_B64,
        maxLength=max_bytes * 4 // 3 + 4,
        contentEncoding="base64",
        description=f"base64 of at most about {max_bytes} bytes",
    )
    if min_bytes:
        schema["minLength"] = 4
    return schema


def _object(required: dict[str, Schema], optional: dict[str, Schema] | None = None) -> Schema:
    # No additionalProperties: false: the hub ignores fields it does not know,
    # so older clients and newer hubs keep working together.
    return {
        "type": "object",
        "required": list(required),
        "properties": {**required, **(optional or {})},
    }


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _components() -> Schema:
    ticket_state = _string(enum=[s.value for s in TicketState])
    public_view = _object(
        {
            "id": _string(pattern=_HEX32),
            "kiosk_id": _string(),
            "location_id": _string(),
            "station": _string(),
            "location_label": _string(),
            "category": _string(enum=[c.value for c in Category]),
            "urgency": _string(enum=[u.value for u in Urgency]),
            "state": ticket_state,
            "created_at": {"type": "number"},
            "updated_at": {"type": "number"},
            "accepted_by": {"type": ["string", "null"]},
            "eta_minutes": {"type": ["integer", "null"]},
            "handed_to": {"type": ["string", "null"]},
        },
        {"sealed": {"type": ["string", "null"], "description": "this console's copy"}},
    )
    kiosk_view = _object(
        {
            "id": _string(pattern=_HEX32),
            "state": ticket_state,
            "eta_minutes": {"type": ["integer", "null"]},
        },
        {"fallback": {"type": "boolean", "description": "show where else to get help"}},
    )
    epoch_key = _object(
        {
            "device_id": _string(),
            "epoch_id": _string(pattern="^[A-Za-z0-9_-]{1,64}$"),
            "not_before": {"type": "integer"},
            "not_after": {"type": "integer"},
            "public": _string(),
            "signature": _string(),
        }
    )
    reply = _object(
        {
            "id": _string(pattern=_HEX32),
            "ticket_id": _string(pattern=_HEX32),
            "staff_id": _string(),
            "created_at": {"type": "number"},
        }
    )
    signed_manifest = _object(
        {"manifest": {"type": "object"}, "signature": _string()},
    )
    return {
        "schemas": {
            "Error": _object({"error": _string(), "message": _string()}),
            "StaffTicket": public_view,
            "KioskTicket": kiosk_view,
            "Reply": reply,
            "EpochKey": epoch_key,
            "SignedManifest": signed_manifest,
        },
        "securitySchemes": {
            name.replace("-", ""): {
                "type": "apiKey",
                "in": "header",
                "name": name,
                "description": _SIGNED_CALL if name == "Kiosk-Signature" else f"see {name}",
            }
            for name in (*_AUTH_HEADERS, *_ADMIN_HEADERS)
        },
    }


# -- responses -----------------------------------------------------------------
def _json(schema: Schema, description: str, headers: Schema | None = None) -> Schema:
    response: Schema = {
        "description": description,
        "content": {"application/json": {"schema": schema}},
    }
    if headers:
        response["headers"] = headers
    return response


def _error(description: str, *codes: str) -> Schema:
    """A refusal: the Error shape, with the codes this status can carry here."""
    schema = {
        "allOf": [
            _ref("Error"),
            {"properties": {"error": _string(enum=sorted(set(codes)))}},
        ]
    }
    return _json(schema, f"{description} (error: {', '.join(sorted(set(codes)))})")


def _refusals(*, signed: bool, body: bool, path_params: bool = False) -> dict[str, Schema]:
    """The refusals every operation of a kind can give, whatever its handler does."""
    out: dict[str, Schema] = {
        "503": _error("the hub could not do this now (e.g. its database)", "unavailable"),
    }
    if signed:
        out["401"] = _error(
            "the call is not signed by an enrolled device, or is stale or replayed",
            "unauthenticated",
            "unknown_device",
            "bad_timestamp",
            "clock_skew",
            "bad_nonce",
            "bad_signature",
            "replay",
        )
        out["429"] = _error("this device made too many calls", "slow_down")
        out["429"]["headers"] = {
            "Retry-After": {"description": "seconds", "schema": {"type": "string"}}
        }
    if signed or body:
        out["413"] = _error(f"body over {DEFAULT_MAX_BODY_BYTES} bytes (by default)", "too_large")
        out["408"] = _error(
            f"the body did not arrive within {DEFAULT_BODY_READ_SECONDS:g} s (by default)",
            "too_slow",
        )
    if path_params:  # a value with a slash in it matches no route
        out["404"] = _error("no such resource", "not_found")
    return out


def _merge(responses: dict[str, Schema], extra: dict[str, Schema]) -> dict[str, Schema]:
    """Add handler-specific responses; two refusals on one status join their codes."""
    out = dict(responses)
    for status, response in extra.items():
        if status in out and status[0] == "4":
            codes = _codes(out[status]) + _codes(response)
            merged = _error(response["description"].split(" (error:")[0], *codes)
            if "headers" in out[status]:
                merged["headers"] = out[status]["headers"]
            out[status] = merged
        else:
            out[status] = response
    return dict(sorted(out.items()))


def _codes(response: Schema) -> list[str]:
    schema = response["content"]["application/json"]["schema"]
    return list(schema["allOf"][1]["properties"]["error"]["enum"])


# -- operations ----------------------------------------------------------------
def _operation(
    summary: str,
    responses: dict[str, Schema],
    *,
    roles: tuple[str, ...] = ("kiosk", "staff"),
    body: Schema | None = None,
    body_required: bool = True,
    path_params: tuple[str, ...] = (),
    signed: bool = True,
    headers: tuple[Schema, ...] = (),
) -> Schema:
    op: Schema = {
        "summary": summary,
        "x-kiosk-roles": list(roles),
        "responses": _merge(
            _refusals(signed=signed, body=body is not None, path_params=bool(path_params)),
            responses,
        ),
    }
    if not signed:
        op["security"] = []
    if body is not None:
        op["requestBody"] = {
            "required": body_required,
            "content": {"application/json": {"schema": body}},
        }
    if path_params or headers:
        op["parameters"] = [*(_path_param(name) for name in path_params), *headers]
    return op


def _path_param(name: str) -> Schema:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": _string(pattern=_HEX32),
        "description": "32 lowercase hex characters (any other value: 404)",
    }


def _ticket_paths() -> dict[str, Schema]:
    either_view = {"anyOf": [_ref("KioskTicket"), _ref("StaffTicket")]}
    kiosk_view, staff_view = _ref("KioskTicket"), _ref("StaffTicket")
    no_ticket = _error("no open ticket with this id that this device may see", "no_such_ticket")
    submit = _object(
        {
            "id": _string(pattern=_HEX32, description="chosen by the kiosk; a retry reuses it"),
            "category": _string(enum=[c.value for c in Category]),
            "urgency": _string(enum=[u.value for u in Urgency]),
            "sealed": {
                "type": "object",
                "minProperties": 1,
                "description": "staff device id (a reader of this kiosk's route) → "
                "its HPKE-sealed copy; any other device id gets 400 bad_recipient",
                "additionalProperties": _base64(_MAX_SEALED_COPY),
            },
        }
    )
    paths: dict[str, Schema] = {
        "/v1/tickets": {
            "post": _operation(
                "Submit a sealed ticket (idempotent by id)",
                {
                    "200": _json(kiosk_view, "already stored (a retry)"),
                    "201": _json(kiosk_view, "stored and pushed to staff"),
                    "400": _error(
                        "malformed ticket",
                        "bad_json",
                        "bad_id",
                        "bad_category",
                        "not_sealed",
                        "bad_recipient",
                        "bad_ciphertext",
                    ),
                    "403": _error("not a kiosk", "kiosks_only"),
                    "409": _error("the id belongs to another ticket", "id_in_use"),
                    "429": _error("too many new tickets from this kiosk", "slow_down"),
                },
                roles=("kiosk",),
                body=submit,
            )
        },
        "/v1/tickets/{ticket_id}": {
            "get": _operation(
                "A ticket: the kiosk that raised it, or staff of its location",
                {
                    "200": _json(either_view, "the kiosk's view, or staff's with its sealed copy"),
                    "404": no_ticket,
                },
                path_params=("ticket_id",),
            )
        },
        "/v1/tickets/{ticket_id}/replies": {
            "post": _operation(
                "Staff: a sealed reply to the traveller (a phrase id, sealed to the kiosk)",
                {
                    "200": _json(_ref("Reply"), "already stored (a retry)"),
                    "201": _json(_ref("Reply"), "stored and pushed to the kiosk"),
                    "400": _error("malformed reply", "bad_json", "bad_id", "bad_ciphertext"),
                    "403": _error("not a staff device", "staff_only"),
                    "404": no_ticket,
                    "409": _error(
                        "reply id taken, or too many replies", "id_in_use", "too_many_replies"
                    ),
                },
                roles=("staff",),
                body=_object(
                    {
                        "id": _string(pattern=_HEX32),
                        "sealed": _base64(_MAX_SEALED_REPLY, min_bytes=1),
                    }
                ),
                path_params=("ticket_id",),
            )
        },
    }
    for action, (role, summary) in TICKET_ACTIONS.items():
        eta = {"type": ["integer", "null"], "minimum": 0, "maximum": _MAX_ETA_MINUTES}
        optional: dict[str, Schema] = {"eta_minutes": eta}
        bad = ["bad_json", "bad_eta"]
        if action == "hand_over":
            optional["group"] = _string(description="a staff group on this ticket's route")
            bad.append("bad_group")
        paths[f"/v1/tickets/{{ticket_id}}/{action}"] = {
            "post": _operation(
                f"{role.capitalize()}: {summary}",
                {
                    "200": _json(
                        kiosk_view if role == "kiosk" else staff_view, "the ticket after it"
                    ),
                    "400": _error("malformed body", *bad),
                    "403": _error(f"only a {role} device can {action}", "wrong_role"),
                    "404": no_ticket,
                    "409": _error("not allowed in the ticket's state", "conflict"),
                },
                roles=(role,),
                body=_object({}, optional),
                body_required=False,
                path_params=("ticket_id",),
            )
        }
    return paths


def _device_paths() -> dict[str, Schema]:
    staff_only = _error("not a staff device", "staff_only")
    duty_view = _json(_object({"on_duty": {"type": "boolean"}}), "this device's duty state")
    epoch_key_in = _object(
        {
            "epoch_id": _string(pattern="^[A-Za-z0-9_-]{1,64}$"),
            "not_before": _integer(0, 2**62 - 1),
            "not_after": _integer(0, 2**62 - 1),
            "public": _base64(1216, exact=True),
            "signature": _base64(64, exact=True),
        }
    )
    return {
        "/v1/manifest": {
            "get": _operation(
                "The operator-signed site manifest",
                {
                    "200": _json(_ref("SignedManifest"), "verify it with the site key"),
                    "304": {"description": "the device already has this version (If-None-Match)"},
                    "404": _error("no site applied yet", "no_manifest"),
                },
                headers=(
                    {
                        "name": "If-None-Match",
                        "in": "header",
                        "required": False,
                        "description": 'the version the device holds, quoted ("7"): answered '
                        "with 304 if it is the newest",
                        "schema": _string(),
                    },
                ),
            )
        },
        "/v1/events": {
            "get": _operation(
                "Server-sent events for this device: a snapshot, `synced`, then pushes",
                {
                    "200": {
                        "description": "`data: {json}` events and `: keepalive` comments; "
                        "does not end while the hub runs (see kiosk/hub/events.py)",
                        "content": {"text/event-stream": {"schema": _string()}},
                    }
                },
            )
        },
        "/v1/heartbeat": {
            "post": _operation(
                "Any device: alive, with its software and manifest version",
                {
                    "200": _json(
                        _object({"ok": {"const": True}, "offline_after": {"type": "number"}}),
                        "noted",
                    ),
                    "400": _error("malformed heartbeat", "bad_json", "bad_version"),
                },
                body=_object(
                    {
                        # printable ASCII (kiosk/hub/presence.py, valid_beat)
                        "version": _string(minLength=1, maxLength=32, pattern="^[ -~]*$"),
                        "manifest_version": _integer(0, MAX_HEARTBEAT_MANIFEST_VERSION),
                    }
                ),
            )
        },
        "/v1/duty": {
            "get": _operation(
                "Staff: this device's duty state",
                {"200": duty_view, "403": staff_only},
                roles=("staff",),
            ),
            "post": _operation(
                "Staff: go on or off duty (off duty: never alerted)",
                {
                    "200": duty_view,
                    "400": _error("malformed body", "bad_json", "bad_duty"),
                    "403": staff_only,
                },
                roles=("staff",),
                body=_object({"on_duty": {"type": "boolean"}}),
            ),
        },
        "/v1/epoch-keys": {
            "get": _operation(
                "The unexpired epoch keys of the staff consoles: for a kiosk, those of "
                "its routes only",
                {
                    "200": _json(
                        _object({"keys": {"type": "array", "items": _ref("EpochKey")}}), "keys"
                    )
                },
            ),
            "post": _operation(
                "Staff: publish this console's public key for an epoch, signed by it",
                {
                    "201": _json(_ref("EpochKey"), "stored"),
                    "400": _error(
                        "malformed or unsigned key", "bad_json", "bad_epoch_key", "bad_signature"
                    ),
                    "403": staff_only,
                },
                roles=("staff",),
                body=epoch_key_in,
            ),
        },
    }


def _open_paths() -> dict[str, Schema]:
    no_manifest = _error("no site applied yet", "no_manifest")
    enrol_slowed = _error(
        "too many enrolment calls from this address, or from all together", "slow_down"
    )
    enrol_slowed["headers"] = {
        "Retry-After": {"description": "seconds", "schema": {"type": "string"}}
    }
    return {
        "/v1/health": {
            "get": _operation(
                "Liveness for load balancers",
                {"200": _json(_object({"status": {"const": "ok"}, "version": _string()}), "up")},
                roles=(),
                signed=False,
            )
        },
        "/v1/openapi.json": {
            "get": _operation(
                "This description",
                {"200": _json({"type": "object"}, "OpenAPI 3.1")},
                roles=(),
                signed=False,
            )
        },
        "/v1/enrol/bootstrap": {
            "get": _operation(
                "Before enrolment: the site key, CA certificate and signed manifest, "
                "to a caller naming a code waiting to be used (the device checks them "
                "against the fingerprint the operator gave it)",
                {
                    "200": _json(
                        _object(
                            {
                                "site_public": _string(),
                                "ca_pem": _string(),
                                "manifest": _ref("SignedManifest"),
                            }
                        ),
                        "unverified until checked against the fingerprint",
                    ),
                    "403": _error(
                        "no code with this hash is waiting to be used",
                        "unknown_code",
                        "code_used",
                        "code_expired",
                    ),
                    "404": no_manifest,
                    "429": enrol_slowed,
                },
                roles=(),
                signed=False,
                headers=(
                    {
                        "name": "Kiosk-Enrolment",
                        "in": "header",
                        "required": True,
                        "schema": _string(pattern="^[0-9a-f]{64}$"),
                        "description": "the hash of the enrolment code (kiosk/core/"
                        "enrolment_code.py, code_hash); the code itself is sent only "
                        "to POST /v1/enrol, over TLS checked against the site's CA",
                    },
                ),
            )
        },
        "/v1/enrol": {
            "post": _operation(
                "Enrol with a one-time code, the device's public keys and a proof",
                {
                    "201": _json(
                        _object(
                            {
                                "device_id": _string(),
                                "role": _string(enum=["kiosk", "staff"]),
                                "location": {"type": ["string", "null"]},
                                "group": {"type": ["string", "null"]},
                            }
                        ),
                        "enrolled; the device appears in the next manifest",
                    ),
                    "400": _error(
                        "malformed enrolment", "bad_json", "bad_code", "bad_key", "bad_proof"
                    ),
                    "403": _error(
                        "the code is unknown, used or expired",
                        "unknown_code",
                        "code_used",
                        "code_expired",
                    ),
                    "429": enrol_slowed,
                },
                roles=(),
                body=_object(
                    {
                        "code": _string(description="12 letters and digits, dashes allowed"),
                        "sign_public": _base64(32, exact=True),
                        "hpke_public": _base64(1216, exact=True),
                        "proof": _base64(64, exact=True),
                    }
                ),
                signed=False,
            )
        },
    }


_ADMIN_HEADERS = ("Kiosk-Admin-Timestamp", "Kiosk-Admin-Nonce", "Kiosk-Admin-Signature")


def _admin(summary: str, responses: dict[str, Schema], body: Schema | None = None) -> Schema:
    """An operator's call: signed with the site key (kiosk/hub/admin_api.py)."""
    op = _operation(summary, responses, roles=("operator",), body=body, signed=False)
    op["security"] = [{name.replace("-", ""): [] for name in _ADMIN_HEADERS}]
    refused = _error(
        "not signed with the site key, or stale or replayed",
        "unauthenticated",
        "bad_timestamp",
        "clock_skew",
        "bad_nonce",
        "bad_signature",
        "replay",
    )
    op["responses"] = _merge(
        op["responses"],
        {
            "401": refused,
            "400": _error("the body is not what this call takes", "bad_json", "refused"),
            "413": _error("body over 64 MiB", "too_large"),
        },
    )
    return op


def _admin_paths() -> dict[str, Schema]:
    done = _json({"type": "object"}, "done")
    ids = _object({"device_ids": {"type": "array", "items": _string()}})
    bad_ids = {"400": _error("device_ids must be a list of strings", "bad_device_ids")}
    return {
        "/v1/admin/manifest": {
            "get": _admin(
                "The version and digest of the manifest served",
                {
                    "200": _json(_object({"version": {}, "digest": _string()}), "served"),
                    "404": _error("no site applied yet", "no_manifest"),
                },
            ),
            "put": _admin(
                "Serve a newly signed manifest",
                {
                    "201": _json(_object({"version": {"type": "integer"}}), "served from now"),
                    "400": _error("not signed by this site's key", "bad_manifest"),
                    "409": _error("not newer than the one served", "stale_manifest"),
                },
                body={"type": "object"},
            ),
        },
        "/v1/admin/enrolments": {
            "get": _admin(
                "Codes issued, and the keys devices presented with them",
                {"200": _json(_object({"enrolments": {"type": "array"}}), "all")},
            ),
            "post": _admin(
                "Store a new code's hash and the operator's signed intent",
                {
                    "201": _json(_object({"device_id": _string()}), "stored"),
                    "400": _error("a field is missing or malformed", "bad_enrolment"),
                    "409": _error("this device or code has a code already", "enrolment_exists"),
                },
                body={"type": "object"},
            ),
        },
        "/v1/admin/enrolments/published": {
            "post": _admin(
                "Codes whose devices are now in the manifest", {"200": done, **bad_ids}, ids
            )
        },
        "/v1/admin/enrolments/removed": {
            "post": _admin("Codes to forget", {"200": done, **bad_ids}, ids)
        },
        "/v1/admin/presence": {
            "get": _admin(
                "Each device's last heartbeat",
                {"200": _json(_object({"beats": {"type": "array"}}), "all")},
            )
        },
        "/v1/admin/open-tickets": {
            "get": _admin(
                "Routing metadata of open requests and whom each is sealed to",
                {"200": _json(_object({"tickets": {"type": "array"}}), "all")},
            )
        },
    }


def openapi_document() -> Schema:
    """The description as a JSON-ready dict (built afresh: callers may change it)."""
    paths = {**_open_paths(), **_device_paths(), **_ticket_paths(), **_admin_paths()}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Kiosk hub",
            "version": __version__,
            "description": "Routes sealed help requests between station kiosks and staff "
            "consoles. The hub sees routing metadata only, never a request's content. "
            'Refusals are JSON `{"error": code, "message": text}`.',
        },
        "paths": dict(sorted(paths.items())),
        "components": _components(),
        "security": [{name.replace("-", ""): [] for name in _AUTH_HEADERS}],
    }
