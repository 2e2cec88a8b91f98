"""Bad and hostile input at a real hub process: always a clear 4xx JSON error."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from kiosk.client import HubClient
from kiosk.core.body import TicketBody
from kiosk.core.categories import Category, Urgency
from kiosk.core.errors import HubRefused
from kiosk.core.ticket import new_ticket_id
from kiosk.crypto import DeviceKeys, sign_request
from tests.conftest import HubProcess, Site


def _raw(
    site: Site,
    method: str,
    path: str,
    body: bytes = b"",
    *,
    device: str = "kiosk-p3",
    keys: DeviceKeys | None = None,
    headers: dict[str, str] | None = None,
) -> requests.Response:
    keys = keys or DeviceKeys.load(site.layout.device(device))
    signed: dict[str, str] = dict(sign_request(keys, device, method, path, body))
    signed.update(headers or {})
    with requests.Session() as s:
        s.trust_env = False
        return s.request(
            method,
            site.hub_url + path,
            data=body,
            headers=signed,
            verify=str(site.layout.operator / "ca.pem"),
            timeout=10,
        )


def _error(response: requests.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    doc: dict[str, Any] = response.json()
    assert doc["error"] == code
    assert doc["message"]
    return doc


def test_malformed_json_is_a_400(site: Site, hub: HubProcess) -> None:
    _error(_raw(site, "POST", "/v1/tickets", b"{not json"), 400, "bad_json")
    _error(_raw(site, "POST", "/v1/tickets", b"[1, 2]"), 400, "bad_json")
    _error(_raw(site, "POST", "/v1/tickets", b"\xff\xfe"), 400, "bad_json")


def test_missing_or_wrong_fields_are_400s(site: Site, hub: HubProcess) -> None:
    ok_id = new_ticket_id()
    cases = [
        (
            {
                "id": "short",
                "category": "unwell",
                "urgency": "normal",
                "sealed": {"staff-anna": ""},
            },
            "bad_id",
        ),
        (
            {"id": ok_id, "category": "nope", "urgency": "normal", "sealed": {"staff-anna": ""}},
            "bad_category",
        ),
        ({"id": ok_id, "category": "unwell", "urgency": "normal"}, "not_sealed"),
        (
            {
                "id": ok_id,
                "category": "unwell",
                "urgency": "normal",
                "sealed": {"staff-anna": "***"},
            },
            "bad_ciphertext",
        ),
        (
            {
                "id": ok_id,
                "category": "unwell",
                "urgency": "normal",
                "sealed": {"intruder": "AAAA"},
            },
            "bad_recipient",
        ),
    ]
    for doc, code in cases:
        _error(_raw(site, "POST", "/v1/tickets", json.dumps(doc).encode()), 400, code)


def test_an_oversize_body_is_refused_before_it_is_read(site: Site, hub: HubProcess) -> None:
    _error(_raw(site, "POST", "/v1/tickets", b"x" * (300 * 1024)), 413, "too_large")


def test_unknown_and_unauthenticated_devices_are_refused(site: Site, hub: HubProcess) -> None:
    stranger = DeviceKeys.generate()
    _error(_raw(site, "GET", "/v1/manifest", device="nobody", keys=stranger), 401, "unknown_device")
    with requests.Session() as s:
        s.trust_env = False
        bare = s.get(site.hub_url + "/v1/manifest", verify=str(site.layout.operator / "ca.pem"))
    _error(bare, 401, "unauthenticated")


def test_forged_signature_and_replay_are_refused(site: Site, hub: HubProcess) -> None:
    impostor = DeviceKeys.generate()  # claims to be the kiosk, holds another key
    _error(_raw(site, "GET", "/v1/manifest", keys=impostor), 401, "bad_signature")
    keys = DeviceKeys.load(site.layout.device("kiosk-p3"))
    headers = dict(sign_request(keys, "kiosk-p3", "GET", "/v1/manifest", b""))
    first = _raw(site, "GET", "/v1/manifest", headers=headers)
    assert first.status_code == 200
    _error(_raw(site, "GET", "/v1/manifest", headers=headers), 401, "replay")
    stale = {**headers, "Kiosk-Timestamp": "1000"}
    _error(_raw(site, "GET", "/v1/manifest", headers=stale), 401, "clock_skew")


def test_unknown_ticket_and_route_are_404s(site: Site, hub: HubProcess) -> None:
    _error(
        _raw(site, "GET", f"/v1/tickets/{new_ticket_id()}", device="staff-anna"),
        404,
        "no_such_ticket",
    )
    _error(_raw(site, "POST", f"/v1/tickets/{new_ticket_id()}/cancel"), 404, "no_such_ticket")
    _error(_raw(site, "GET", "/v1/nothing-here"), 404, "not_found")
    _error(_raw(site, "DELETE", "/v1/tickets"), 405, "method_not_allowed")


def test_roles_are_enforced(
    site: Site, hub: HubProcess, kiosk_client: HubClient, staff_client: HubClient
) -> None:
    ticket_id = new_ticket_id()
    kiosk_client.submit_ticket(
        kiosk_client.site(), ticket_id, TicketBody(Category.LOST, Urgency.NORMAL, "en")
    )
    _error(_raw(site, "POST", f"/v1/tickets/{ticket_id}/accept"), 403, "wrong_role")
    _error(
        _raw(site, "POST", f"/v1/tickets/{ticket_id}/cancel", device="staff-anna"),
        403,
        "wrong_role",
    )
    _error(_raw(site, "POST", "/v1/tickets", b"{}", device="staff-anna"), 403, "kiosks_only")


def test_retrying_a_submission_stores_it_once(
    kiosk_client: HubClient, staff_client: HubClient
) -> None:
    site = kiosk_client.site()
    ticket_id = new_ticket_id()
    body = TicketBody(Category.UNWELL, Urgency.URGENT, "en")
    assert kiosk_client.submit_ticket(site, ticket_id, body)["state"] == "submitted"
    assert kiosk_client.submit_ticket(site, ticket_id, body)["state"] == "submitted"
    with pytest.raises(HubRefused) as refused:
        kiosk_client.submit_ticket(site, ticket_id, TicketBody(Category.LOST, Urgency.NORMAL, "en"))
    assert refused.value.status == 409


def test_a_second_accept_gets_a_clear_conflict(
    kiosk_client: HubClient, staff_client: HubClient
) -> None:
    ticket_id = new_ticket_id()
    kiosk_client.submit_ticket(
        kiosk_client.site(), ticket_id, TicketBody(Category.UNWELL, Urgency.NORMAL, "en")
    )
    assert staff_client.act(ticket_id, "accept", 3)["state"] == "accepted"
    with pytest.raises(HubRefused) as refused:
        staff_client.act(ticket_id, "accept")
    assert refused.value.status == 409
    assert "already accepted" in refused.value.message
    _error_status = pytest.raises(HubRefused)
    with _error_status as bad_eta:
        staff_client.act(ticket_id, "delivered", eta_minutes=-1)
    assert bad_eta.value.code == "bad_eta"


def test_no_request_ever_gets_a_500(site: Site, hub: HubProcess) -> None:
    """A small fuzz over paths, methods and bodies: every answer is a JSON 4xx or 2xx."""
    bodies = [b"", b"null", b"{}", b'{"id": null}', b'{"eta_minutes": "x"}', b"\x00" * 64, b"[]"]
    paths = [
        "/v1/tickets",
        f"/v1/tickets/{new_ticket_id()}",
        f"/v1/tickets/{new_ticket_id()}/accept",
        "/v1/tickets/../../etc/passwd",
        "/v1/tickets/%00/resolve",
        "/v1/manifest?x=1",
    ]
    for device in ("kiosk-p3", "staff-anna"):
        for path in paths:
            for method in ("GET", "POST"):
                for body in bodies:
                    response = _raw(site, method, path, body, device=device)
                    assert response.status_code < 500, (device, method, path, body)
                    assert response.headers["content-type"].startswith("application/json")


def test_deeply_nested_json_is_a_400_even_before_authentication(
    site: Site, hub: HubProcess
) -> None:
    nested = b"[" * 100_000
    _error(_raw(site, "POST", "/v1/tickets", nested), 400, "bad_json")
    with requests.Session() as s:
        s.trust_env = False
        anonymous = s.post(
            site.hub_url + "/v1/enrol", data=nested, verify=str(site.layout.operator / "ca.pem")
        )
    _error(anonymous, 400, "bad_json")
