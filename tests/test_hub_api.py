"""Bad and hostile input at a real hub process: always a clear 4xx JSON error."""

from __future__ import annotations

import json
import subprocess
import sys
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
from tests.waiting import wait_until


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


def test_a_heartbeat_the_database_could_not_store_is_refused(site: Site, hub: HubProcess) -> None:
    # The presence sweep stores every device's beats in one transaction: a version
    # SQLite or PostgreSQL refuses (an integer over the column, a NUL) once made it
    # fail on every sweep, and every kiosk's beats were lost with it.
    for doc in (
        {"version": "0.1.0", "manifest_version": 2**63},
        {"version": "0.1.0", "manifest_version": 2**31},
        {"version": "0.1.0", "manifest_version": -1},
        {"version": "0.1\x00", "manifest_version": 1},
        {"version": "0.1\n", "manifest_version": 1},
    ):
        body = json.dumps(doc).encode()
        _error(_raw(site, "POST", "/v1/heartbeat", body), 400, "bad_version")
    ok = json.dumps({"version": "0.1.0", "manifest_version": 2**31 - 1}).encode()
    assert _raw(site, "POST", "/v1/heartbeat", ok).status_code == 200
    try:  # the next sweep stores it
        wait_until(
            lambda: _stored_manifest_version(site, "kiosk-p3") == 2**31 - 1,
            "the presence sweep to store the beat",
            30,
            every=0.5,  # each look is a `kiosk admin status` process
        )
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{hub.log_text()}") from None
    assert "presence.failed" not in hub.log_text()


def _stored_manifest_version(site: Site, device_id: str) -> object:
    # Exit status 1 says some device is offline or never seen: expected here.
    run = subprocess.run(
        [sys.executable, "-m", "kiosk", "admin", "status", "--data", str(site.layout.root),
         "--json"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    status = json.loads(run.stdout)
    return next(d.get("manifest_version") for d in status["devices"] if d["id"] == device_id)


def test_a_wrong_method_says_which_are_allowed(site: Site, hub: HubProcess) -> None:
    refused = _raw(site, "DELETE", "/v1/epoch-keys")
    _error(refused, 405, "method_not_allowed")
    assert {m.strip() for m in refused.headers["Allow"].split(",")} >= {"GET", "POST"}
    # HEAD is routed wherever GET is, including on a route of two methods.
    assert _raw(site, "HEAD", "/v1/epoch-keys").status_code == 200
    assert _raw(site, "HEAD", "/v1/duty", device="staff-anna").status_code == 200


def test_the_api_description_is_served_without_a_signature(site: Site, hub: HubProcess) -> None:
    with requests.Session() as s:
        s.trust_env = False
        served = s.get(
            site.hub_url + "/v1/openapi.json",
            verify=str(site.layout.operator / "ca.pem"),
            timeout=10,
        )
    assert served.status_code == 200
    assert served.json()["paths"]["/v1/tickets"]["post"]["x-kiosk-roles"] == ["kiosk"]


def test_a_device_that_has_the_newest_manifest_is_not_sent_it_again(
    site: Site, hub: HubProcess, kiosk_client: HubClient
) -> None:
    first = _raw(site, "GET", "/v1/manifest")
    assert first.status_code == 200
    tag = first.headers["ETag"]
    assert tag == f'"{first.json()["manifest"]["version"]}"'
    same = _raw(site, "GET", "/v1/manifest", headers={"If-None-Match": tag})
    assert same.status_code == 304
    assert same.content == b""
    other = _raw(site, "GET", "/v1/manifest", headers={"If-None-Match": '"0"'})
    assert other.status_code == 200
    assert other.json() == first.json()
    # The client asks with what it has and keeps it on a 304.
    kept = kiosk_client.site()
    assert kiosk_client.site() is kept
