"""The request models: what a handler refuses, its OpenAPI schema refuses too.

Each body the hub takes is one model (kiosk/hub/request_models.py): the
handler parses with it and the document describes it. These checks hold the
two halves of each rule to one another, without a hub.
"""

from __future__ import annotations

import base64
from typing import Any

import jsonschema_rs
import pytest

from kiosk.hub.api_errors import ApiError
from kiosk.hub.field_rules import BodyModel, body_schema, parse
from kiosk.hub.openapi import openapi_document
from kiosk.hub.request_models import (
    MAX_ETA_MINUTES,
    MAX_HEARTBEAT_MANIFEST_VERSION,
    MAX_SEALED_REPLY,
    DeviceIdsIn,
    DutyIn,
    EnrolIn,
    EpochKeyIn,
    HandOverIn,
    HeartbeatIn,
    ReplyIn,
    TicketActionIn,
    TicketIn,
)

_ID = "0" * 32


def _b64(size: int) -> str:
    return base64.b64encode(b"\x01" * size).decode()


_GOOD: list[tuple[type[BodyModel], dict[str, Any]]] = [
    (TicketIn, {"id": _ID, "category": "lost", "urgency": "normal", "sealed": {"s1": _b64(10)}}),
    (TicketActionIn, {}),
    (TicketActionIn, {"eta_minutes": None}),
    (HandOverIn, {"eta_minutes": MAX_ETA_MINUTES, "group": "g"}),
    (ReplyIn, {"id": _ID, "sealed": _b64(MAX_SEALED_REPLY)}),
    (HeartbeatIn, {"version": "1.2.3", "manifest_version": MAX_HEARTBEAT_MANIFEST_VERSION}),
    (DutyIn, {"on_duty": False}),
    (
        EpochKeyIn,
        {
            "epoch_id": "e-1",
            "not_before": 1,
            "not_after": 2,
            "public": _b64(1216),
            "signature": _b64(64),
        },
    ),
    (
        EnrolIn,
        {
            "code": "ABCD-EFGH-JKMN",
            "sign_public": _b64(32),
            "hpke_public": _b64(1216),
            "proof": _b64(64),
        },
    ),
    (DeviceIdsIn, {"device_ids": ["a", "b"]}),
]

_BAD: list[tuple[type[BodyModel], dict[str, Any], str]] = [
    (TicketIn, {"id": "X" * 32, "category": "lost", "urgency": "normal", "sealed": {}}, "bad_id"),
    (TicketIn, {"id": _ID, "category": "nope", "urgency": "normal", "sealed": {}}, "bad_category"),
    (TicketIn, {"id": _ID, "category": "lost", "urgency": "normal", "sealed": {}}, "not_sealed"),
    (TicketActionIn, {"eta_minutes": MAX_ETA_MINUTES + 1}, "bad_eta"),
    (TicketActionIn, {"eta_minutes": True}, "bad_eta"),
    (ReplyIn, {"id": _ID, "sealed": ""}, "bad_ciphertext"),
    (ReplyIn, {"id": _ID, "sealed": "abc"}, "bad_ciphertext"),
    (HeartbeatIn, {"version": "", "manifest_version": 1}, "bad_version"),
    (HeartbeatIn, {"version": "1\x00", "manifest_version": 1}, "bad_version"),
    (
        HeartbeatIn,
        {"version": "1", "manifest_version": MAX_HEARTBEAT_MANIFEST_VERSION + 1},
        "bad_version",
    ),
    (DutyIn, {"on_duty": 1}, "bad_duty"),
    (DutyIn, {}, "bad_duty"),
    (
        EpochKeyIn,
        {"epoch_id": "", "not_before": 1, "not_after": 2, "public": "", "signature": ""},
        "bad_epoch_key",
    ),
    (
        EnrolIn,
        {"code": "ABCD-EFGH-JKMN", "sign_public": _b64(31), "hpke_public": "", "proof": ""},
        "bad_key",
    ),
    (DeviceIdsIn, {"device_ids": [1]}, "bad_device_ids"),
]


@pytest.mark.parametrize(("model", "doc"), _GOOD)
def test_a_good_body_passes_the_handler_and_the_schema(
    model: type[BodyModel], doc: dict[str, Any]
) -> None:
    parse(model, doc)
    assert jsonschema_rs.validator_for(body_schema(model)).is_valid(doc)


@pytest.mark.parametrize(("model", "doc", "code"), _BAD)
def test_a_bad_body_is_refused_by_both_with_the_handlers_code(
    model: type[BodyModel], doc: dict[str, Any], code: str
) -> None:
    with pytest.raises(ApiError) as refused:
        parse(model, doc)
    assert (refused.value.status, refused.value.code) == (400, code)
    assert refused.value.message
    assert not jsonschema_rs.validator_for(body_schema(model)).is_valid(doc)


def test_fields_are_checked_in_order_and_the_first_bad_one_answers() -> None:
    with pytest.raises(ApiError) as refused:
        parse(TicketIn, {"id": "no", "category": "nope"})
    assert refused.value.code == "bad_id"


def test_the_messages_name_the_limits() -> None:
    with pytest.raises(ApiError) as refused:
        parse(TicketActionIn, {"eta_minutes": -1})
    assert refused.value.message == f"eta_minutes must be 0 to {MAX_ETA_MINUTES}"
    with pytest.raises(ApiError) as refused:
        parse(ReplyIn, {"id": _ID, "sealed": _b64(MAX_SEALED_REPLY + 1)})
    assert refused.value.message == f"the sealed reply must be 1 to {MAX_SEALED_REPLY} bytes"


@pytest.mark.parametrize(
    ("path", "method", "model"),
    [
        ("/v1/tickets", "post", TicketIn),
        ("/v1/tickets/{ticket_id}/accept", "post", TicketActionIn),
        ("/v1/tickets/{ticket_id}/hand_over", "post", HandOverIn),
        ("/v1/tickets/{ticket_id}/replies", "post", ReplyIn),
        ("/v1/heartbeat", "post", HeartbeatIn),
        ("/v1/duty", "post", DutyIn),
        ("/v1/epoch-keys", "post", EpochKeyIn),
        ("/v1/enrol", "post", EnrolIn),
        ("/v1/admin/enrolments/removed", "post", DeviceIdsIn),
    ],
)
def test_the_document_describes_each_body_by_its_model(
    path: str, method: str, model: type[BodyModel]
) -> None:
    body = openapi_document()["paths"][path][method]["requestBody"]
    assert body["content"]["application/json"]["schema"] == body_schema(model)
