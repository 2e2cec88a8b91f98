"""The hub's API as an OpenAPI 3.1 description, served at GET /v1/openapi.json.

Every route, the `{"error", "message"}` refusals each can give, and the JSON
bodies: those are generated from the models their handlers parse
(kiosk/hub/request_models.py), so a limit is written once. It holds no secrets
and needs no signature. tests/test_openapi.py checks that every route of the
app is described here; tests/test_openapi_fuzz.py fuzzes a real hub against it
with schemathesis. Building blocks: openapi_shapes.py; the paths no device
signs (health, enrolment, the operator's): openapi_unsigned.py.
"""

from __future__ import annotations

from kiosk import __version__
from kiosk.core.categories import Category, Urgency
from kiosk.core.ticket import TicketState
from kiosk.hub.field_rules import Schema
from kiosk.hub.openapi_shapes import (
    ADMIN_HEADERS,
    AUTH_HEADERS,
    HEX32,
    error,
    json_answer,
    object_of,
    operation,
    ref,
    string,
)
from kiosk.hub.openapi_unsigned import admin_paths, open_paths
from kiosk.hub.request_models import (
    EPOCH_ID_PATTERN,
    MAX_HEARTBEAT_MANIFEST_VERSION,
    DutyIn,
    EpochKeyIn,
    HandOverIn,
    HeartbeatIn,
    ReplyIn,
    TicketActionIn,
    TicketIn,
)

__all__ = ["MAX_HEARTBEAT_MANIFEST_VERSION", "TICKET_ACTIONS", "openapi_document"]

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


def _schemas() -> dict[str, Schema]:
    """The answers' shapes (the requests' are their models')."""
    ticket_state = string(enum=[s.value for s in TicketState])
    public_view = object_of(
        {
            "id": string(pattern=HEX32),
            "kiosk_id": string(),
            "location_id": string(),
            "station": string(),
            "location_label": string(),
            "category": string(enum=[c.value for c in Category]),
            "urgency": string(enum=[u.value for u in Urgency]),
            "state": ticket_state,
            "created_at": {"type": "number"},
            "updated_at": {"type": "number"},
            "accepted_by": {"type": ["string", "null"]},
            "eta_minutes": {"type": ["integer", "null"]},
            "handed_to": {"type": ["string", "null"]},
        },
        {"sealed": {"type": ["string", "null"], "description": "this console's copy"}},
    )
    kiosk_view = object_of(
        {
            "id": string(pattern=HEX32),
            "state": ticket_state,
            "eta_minutes": {"type": ["integer", "null"]},
        },
        {"fallback": {"type": "boolean", "description": "show where else to get help"}},
    )
    epoch_key = object_of(
        {
            "device_id": string(),
            "epoch_id": string(pattern=EPOCH_ID_PATTERN.pattern),
            "not_before": {"type": "integer"},
            "not_after": {"type": "integer"},
            "public": string(),
            "signature": string(),
        }
    )
    reply = object_of(
        {
            "id": string(pattern=HEX32),
            "ticket_id": string(pattern=HEX32),
            "staff_id": string(),
            "created_at": {"type": "number"},
        }
    )
    return {
        "Error": object_of({"error": string(), "message": string()}),
        "StaffTicket": public_view,
        "KioskTicket": kiosk_view,
        "Reply": reply,
        "EpochKey": epoch_key,
        "SignedManifest": object_of({"manifest": {"type": "object"}, "signature": string()}),
    }


def _components() -> Schema:
    return {
        "schemas": _schemas(),
        "securitySchemes": {
            name.replace("-", ""): {
                "type": "apiKey",
                "in": "header",
                "name": name,
                "description": _SIGNED_CALL if name == "Kiosk-Signature" else f"see {name}",
            }
            for name in (*AUTH_HEADERS, *ADMIN_HEADERS)
        },
    }


_NO_TICKET = ("no open ticket with this id that this device may see", "no_such_ticket")


def _ticket_paths() -> dict[str, Schema]:
    kiosk_view = ref("KioskTicket")
    either_view = {"anyOf": [kiosk_view, ref("StaffTicket")]}
    bad_ticket = ("bad_json", "bad_id", "bad_category", "not_sealed", "bad_recipient")
    submit = operation(
        "Submit a sealed ticket (idempotent by id)",
        {
            "200": json_answer(kiosk_view, "already stored (a retry)"),
            "201": json_answer(kiosk_view, "stored and pushed to staff"),
            "400": error("malformed ticket", *bad_ticket, "bad_ciphertext"),
            "403": error("not a kiosk", "kiosks_only"),
            "409": error("the id belongs to another ticket", "id_in_use"),
            "429": error("too many new tickets from this kiosk", "slow_down"),
        },
        roles=("kiosk",),
        body=TicketIn,
    )
    show = operation(
        "A ticket: the kiosk that raised it, or staff of its location",
        {
            "200": json_answer(either_view, "the kiosk's view, or staff's with its sealed copy"),
            "404": error(*_NO_TICKET),
        },
        path_params=("ticket_id",),
    )
    reply = operation(
        "Staff: a sealed reply to the traveller (a phrase id, sealed to the kiosk)",
        {
            "200": json_answer(ref("Reply"), "already stored (a retry)"),
            "201": json_answer(ref("Reply"), "stored and pushed to the kiosk"),
            "400": error("malformed reply", "bad_json", "bad_id", "bad_ciphertext"),
            "403": error("not a staff device", "staff_only"),
            "404": error(*_NO_TICKET),
            "409": error("reply id taken, or too many replies", "id_in_use", "too_many_replies"),
        },
        roles=("staff",),
        body=ReplyIn,
        path_params=("ticket_id",),
    )
    return {
        "/v1/tickets": {"post": submit},
        "/v1/tickets/{ticket_id}": {"get": show},
        "/v1/tickets/{ticket_id}/replies": {"post": reply},
        **{
            f"/v1/tickets/{{ticket_id}}/{action}": {"post": _action(action)}
            for action in TICKET_ACTIONS
        },
    }


def _action(action: str) -> Schema:
    role, summary = TICKET_ACTIONS[action]
    hand_over = action == "hand_over"
    bad = ("bad_json", "bad_eta", *(("bad_group",) if hand_over else ()))
    view = ref("KioskTicket") if role == "kiosk" else ref("StaffTicket")
    return operation(
        f"{role.capitalize()}: {summary}",
        {
            "200": json_answer(view, "the ticket after it"),
            "400": error("malformed body", *bad),
            "403": error(f"only a {role} device can {action}", "wrong_role"),
            "404": error(*_NO_TICKET),
            "409": error("not allowed in the ticket's state", "conflict"),
        },
        roles=(role,),
        body=HandOverIn if hand_over else TicketActionIn,
        body_required=False,
        path_params=("ticket_id",),
    )


def _manifest() -> Schema:
    return operation(
        "The operator-signed site manifest",
        {
            "200": json_answer(ref("SignedManifest"), "verify it with the site key"),
            "304": {"description": "the device already has this version (If-None-Match)"},
            "404": error("no site applied yet", "no_manifest"),
        },
        headers=(
            {
                "name": "If-None-Match",
                "in": "header",
                "required": False,
                "description": 'the version the device holds, quoted ("7"): answered '
                "with 304 if it is the newest",
                "schema": string(),
            },
        ),
    )


def _device_paths() -> dict[str, Schema]:
    events = operation(
        "Server-sent events for this device: a snapshot, `synced`, then pushes",
        {
            "200": {
                "description": "`data: {json}` events and `: keepalive` comments; "
                "does not end while the hub runs (see kiosk/hub/events.py)",
                "content": {"text/event-stream": {"schema": string()}},
            }
        },
    )
    beat = operation(
        "Any device: alive, with its software and manifest version",
        {
            "200": json_answer(
                object_of({"ok": {"const": True}, "offline_after": {"type": "number"}}), "noted"
            ),
            "400": error("malformed heartbeat", "bad_json", "bad_version"),
        },
        body=HeartbeatIn,
    )
    return {
        "/v1/manifest": {"get": _manifest()},
        "/v1/events": {"get": events},
        "/v1/heartbeat": {"post": beat},
        "/v1/duty": _duty(),
        "/v1/epoch-keys": _epoch_keys(),
    }


def _duty() -> Schema:
    staff_only = error("not a staff device", "staff_only")
    duty_view = json_answer(object_of({"on_duty": {"type": "boolean"}}), "this device's duty state")
    return {
        "get": operation(
            "Staff: this device's duty state",
            {"200": duty_view, "403": staff_only},
            roles=("staff",),
        ),
        "post": operation(
            "Staff: go on or off duty (off duty: never alerted)",
            {
                "200": duty_view,
                "400": error("malformed body", "bad_json", "bad_duty"),
                "403": staff_only,
            },
            roles=("staff",),
            body=DutyIn,
        ),
    }


def _epoch_keys() -> Schema:
    keys = object_of({"keys": {"type": "array", "items": ref("EpochKey")}})
    return {
        "get": operation(
            "The unexpired epoch keys of the staff consoles: for a kiosk, those of its routes only",
            {"200": json_answer(keys, "keys")},
        ),
        "post": operation(
            "Staff: publish this console's public key for an epoch, signed by it",
            {
                "201": json_answer(ref("EpochKey"), "stored"),
                "400": error(
                    "malformed or unsigned key", "bad_json", "bad_epoch_key", "bad_signature"
                ),
                "403": error("not a staff device", "staff_only"),
            },
            roles=("staff",),
            body=EpochKeyIn,
        ),
    }


def openapi_document() -> Schema:
    """The description as a JSON-ready dict (built afresh: callers may change it)."""
    paths = {**open_paths(), **_device_paths(), **_ticket_paths(), **admin_paths()}
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
        "security": [{name.replace("-", ""): [] for name in AUTH_HEADERS}],
    }
