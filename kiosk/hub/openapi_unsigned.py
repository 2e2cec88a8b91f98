"""The paths of the OpenAPI document that no device signs: health, this
description, enrolment (kiosk/hub/enrolment_api.py), and the operator's calls,
signed with the site key instead (kiosk/hub/admin_api.py)."""

from __future__ import annotations

from kiosk.hub.field_rules import BodyModel, Schema
from kiosk.hub.openapi_shapes import (
    ADMIN_HEADERS,
    error,
    json_answer,
    merge,
    object_of,
    operation,
    ref,
    retry_after,
    string,
)
from kiosk.hub.request_models import DeviceIdsIn, EnrolIn

__all__ = ["admin_paths", "open_paths"]

_CODE_REFUSED = ("unknown_code", "code_used", "code_expired")


def _enrol_slowed() -> Schema:
    return retry_after(
        error("too many enrolment calls from this address, or from all together", "slow_down")
    )


def _bootstrap() -> Schema:
    return operation(
        "Before enrolment: the site key, CA certificate and signed manifest, "
        "to a caller naming a code waiting to be used (the device checks them "
        "against the fingerprint the operator gave it)",
        {
            "200": json_answer(
                object_of(
                    {
                        "site_public": string(),
                        "ca_pem": string(),
                        "manifest": ref("SignedManifest"),
                    }
                ),
                "unverified until checked against the fingerprint",
            ),
            "403": error("no code with this hash is waiting to be used", *_CODE_REFUSED),
            "404": error("no site applied yet", "no_manifest"),
            "429": _enrol_slowed(),
        },
        roles=(),
        signed=False,
        headers=(
            {
                "name": "Kiosk-Enrolment",
                "in": "header",
                "required": True,
                "schema": string(pattern="^[0-9a-f]{64}$"),
                "description": "the hash of the enrolment code (kiosk/core/"
                "enrolment_code.py, code_hash); the code itself is sent only "
                "to POST /v1/enrol, over TLS checked against the site's CA",
            },
        ),
    )


def _enrol() -> Schema:
    enrolled = object_of(
        {
            "device_id": string(),
            "role": string(enum=["kiosk", "staff"]),
            "location": {"type": ["string", "null"]},
            "group": {"type": ["string", "null"]},
        }
    )
    return operation(
        "Enrol with a one-time code, the device's public keys and a proof",
        {
            "201": json_answer(enrolled, "enrolled; the device appears in the next manifest"),
            "400": error("malformed enrolment", "bad_json", "bad_code", "bad_key", "bad_proof"),
            "403": error("the code is unknown, used or expired", *_CODE_REFUSED),
            "429": _enrol_slowed(),
        },
        roles=(),
        body=EnrolIn,
        signed=False,
    )


def open_paths() -> dict[str, Schema]:
    return {
        "/v1/health": {
            "get": operation(
                "Liveness for load balancers",
                {
                    "200": json_answer(
                        object_of({"status": {"const": "ok"}, "version": string()}), "up"
                    )
                },
                roles=(),
                signed=False,
            )
        },
        "/v1/openapi.json": {
            "get": operation(
                "This description",
                {"200": json_answer({"type": "object"}, "OpenAPI 3.1")},
                roles=(),
                signed=False,
            )
        },
        "/v1/enrol/bootstrap": {"get": _bootstrap()},
        "/v1/enrol": {"post": _enrol()},
    }


def _admin(
    summary: str, responses: dict[str, Schema], body: type[BodyModel] | Schema | None = None
) -> Schema:
    """An operator's call: signed with the site key (kiosk/hub/admin_api.py)."""
    op = operation(summary, responses, roles=("operator",), body=body, signed=False)
    op["security"] = [{name.replace("-", ""): [] for name in ADMIN_HEADERS}]
    refused = error(
        "not signed with the site key, or stale or replayed",
        "unauthenticated",
        "bad_timestamp",
        "clock_skew",
        "bad_nonce",
        "bad_signature",
        "replay",
    )
    op["responses"] = merge(
        op["responses"],
        {
            "401": refused,
            "400": error("the body is not what this call takes", "bad_json", "refused"),
            "413": error("body over 64 MiB", "too_large"),
        },
    )
    return op


def _all(key: str) -> Schema:
    return json_answer(object_of({key: {"type": "array"}}), "all")


def admin_paths() -> dict[str, Schema]:
    done = json_answer({"type": "object"}, "done")
    bad_ids = {"400": error("device_ids must be a list of strings", "bad_device_ids")}
    return {
        "/v1/admin/manifest": {
            "get": _admin(
                "The version and digest of the manifest served",
                {
                    "200": json_answer(object_of({"version": {}, "digest": string()}), "served"),
                    "404": error("no site applied yet", "no_manifest"),
                },
            ),
            "put": _admin(
                "Serve a newly signed manifest",
                {
                    "201": json_answer(
                        object_of({"version": {"type": "integer"}}), "served from now"
                    ),
                    "400": error("not signed by this site's key", "bad_manifest"),
                    "409": error("not newer than the one served", "stale_manifest"),
                },
                body={"type": "object"},
            ),
        },
        "/v1/admin/enrolments": {
            "get": _admin(
                "Codes issued, and the keys devices presented with them",
                {"200": _all("enrolments")},
            ),
            "post": _admin(
                "Store a new code's hash and the operator's signed intent",
                {
                    "201": json_answer(object_of({"device_id": string()}), "stored"),
                    "400": error("a field is missing or malformed", "bad_enrolment"),
                    "409": error("this device or code has a code already", "enrolment_exists"),
                },
                body={"type": "object"},
            ),
        },
        "/v1/admin/enrolments/published": {
            "post": _admin(
                "Codes whose devices are now in the manifest", {"200": done, **bad_ids}, DeviceIdsIn
            )
        },
        "/v1/admin/enrolments/removed": {
            "post": _admin("Codes to forget", {"200": done, **bad_ids}, DeviceIdsIn)
        },
        "/v1/admin/presence": {
            "get": _admin("Each device's last heartbeat", {"200": _all("beats")})
        },
        "/v1/admin/open-tickets": {
            "get": _admin(
                "Routing metadata of open requests and whom each is sealed to",
                {"200": _all("tickets")},
            )
        },
        # kiosk/hub/relay_admin_api.py
        "/v1/admin/relays": {
            "get": _admin(
                "Each alert relay's health: group, name, kind, state, last error class, since",
                {"200": _all("relays")},
            )
        },
        "/v1/admin/relays/test": {
            "post": _admin(
                "Send a test alert through each relay of a group, now",
                {
                    "200": json_answer(
                        object_of({"group": string(), "relays": {"type": "array"}}),
                        "per relay: delivered, or the error's class",
                    ),
                    "404": error(
                        "no site applied yet, or no such group", "no_manifest", "unknown_group"
                    ),
                },
                body=object_of({"group": string()}),
            )
        },
        **_fleet_paths(),
    }


def _fleet_paths() -> dict[str, Schema]:
    """kiosk/hub/fleet_admin_api.py: what the operator's dashboard reads."""
    return {
        "/v1/admin/live": {
            "get": _admin(
                "Open requests by place and timing only, each group's consoles, relays",
                {
                    "200": json_answer(
                        object_of(
                            {
                                "now": {"type": "number"},
                                "tickets": {"type": "array"},
                                "groups": {"type": "array"},
                                "relays": {"type": "array"},
                            }
                        ),
                        "never a request's id, category, urgency or kiosk",
                    )
                },
            )
        },
        "/v1/admin/statistics": {
            "get": _admin(
                "The statistics switch, retention and exact counters of closed requests",
                {
                    "200": json_answer(
                        object_of(
                            {
                                "enabled": {"type": "boolean"},
                                "keep_days": {"type": "integer"},
                                "timezone": string(),
                                "counters": {"type": "array"},
                            }
                        ),
                        "kind, period, key, count: no id, no exact time",
                    )
                },
            )
        },
    }
