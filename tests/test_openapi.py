"""The hub's OpenAPI description: valid, and in step with the app's routes.

Fuzzing a real hub against it is tests/test_openapi_fuzz.py; these checks need
no hub process and catch a route added without its description (or the reverse).
"""

from __future__ import annotations

import copy
from pathlib import Path

import jsonschema_rs
import pytest
import schemathesis
from starlette.routing import Match, Route

from kiosk.core.ticket import TicketEvent
from kiosk.hub.app import TICKET_ACTION_EVENTS, create_hub
from kiosk.hub.openapi import TICKET_ACTIONS, openapi_document
from kiosk.hub.settings import HubSettings

_EXAMPLE_ID = "0123456789abcdef0123456789abcdef"


def _routes(tmp_path: Path) -> list[Route]:
    app = create_hub(HubSettings(data_dir=tmp_path))
    routes = [r for r in app.routes if isinstance(r, Route)]
    assert len(routes) == len(app.routes)
    return routes


def _matches(routes: list[Route], method: str, path: str) -> bool:
    scope = {"type": "http", "method": method, "path": path, "root_path": ""}
    return any(route.matches(scope)[0] is Match.FULL for route in routes)


def _concrete(template: str) -> str:
    return template.replace("{ticket_id}", _EXAMPLE_ID)


def test_the_description_is_valid_openapi() -> None:
    schemathesis.openapi.from_dict(openapi_document()).validate()


def test_the_validator_would_notice_a_broken_description() -> None:
    broken = copy.deepcopy(openapi_document())
    # OpenAPI 2's body parameter does not exist in 3.x.
    broken["paths"]["/v1/tickets/{ticket_id}"]["get"]["parameters"][0]["in"] = "body"
    with pytest.raises(jsonschema_rs.ValidationError):
        schemathesis.openapi.from_dict(broken).validate()


def test_every_route_and_method_of_the_hub_is_described(tmp_path: Path) -> None:
    described = openapi_document()["paths"]
    for route in _routes(tmp_path):
        paths = [route.path]
        if route.path == "/v1/tickets/{ticket_id}/{action}":  # one route, one path per action
            paths = [f"/v1/tickets/{{ticket_id}}/{action}" for action in TICKET_ACTION_EVENTS]
        for path in paths:
            assert path in described, f"{path} is routed but not described"
            for method in (route.methods or set()) - {"HEAD"}:  # Starlette adds HEAD to GET
                assert method.lower() in described[path], f"{method} {path} is not described"


def test_everything_described_is_routed(tmp_path: Path) -> None:
    routes = _routes(tmp_path)
    for path, operations in openapi_document()["paths"].items():
        for method in operations:
            assert _matches(routes, method.upper(), _concrete(path)), f"{method} {path}"


def test_ticket_actions_and_their_roles_match_the_handler() -> None:
    assert set(TICKET_ACTIONS) == set(TICKET_ACTION_EVENTS)
    for action, (role, _summary) in TICKET_ACTIONS.items():
        # Hub.transition: cancel is the kiosk's; every other step is staff's.
        assert (role == "kiosk") == (TICKET_ACTION_EVENTS[action] is TicketEvent.CANCEL)
    paths = openapi_document()["paths"]
    for action, (role, _summary) in TICKET_ACTIONS.items():
        assert paths[f"/v1/tickets/{{ticket_id}}/{action}"]["post"]["x-kiosk-roles"] == [role]


def test_signed_operations_declare_the_signature_and_open_ones_do_not() -> None:
    doc = openapi_document()
    device, admin = set(doc["security"][0]), {"KioskAdminTimestamp", "KioskAdminNonce"}
    admin.add("KioskAdminSignature")
    assert set(doc["components"]["securitySchemes"]) == device | admin
    for path, operations in doc["paths"].items():  # the operator's calls: the site key
        for operation in operations.values():
            is_admin = path.startswith("/v1/admin/")
            schemes = [set(s) for s in operation.get("security", [{}])]
            assert (schemes == [admin]) == is_admin, path
    open_paths = {"/v1/health", "/v1/openapi.json", "/v1/enrol/bootstrap", "/v1/enrol"}
    for path, operations in doc["paths"].items():
        for operation in operations.values():
            signed = operation.get("security", doc["security"]) != []
            assert signed == (path not in open_paths), path
            assert ("401" in operation["responses"]) == signed, path


def test_every_refusal_has_the_error_shape() -> None:
    for operations in openapi_document()["paths"].values():
        for operation in operations.values():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    schema = response["content"]["application/json"]["schema"]
                    assert schema["allOf"][0] == {"$ref": "#/components/schemas/Error"}
                    assert schema["allOf"][1]["properties"]["error"]["enum"]
