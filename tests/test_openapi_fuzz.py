"""Schemathesis against a real hub over TLS on loopback, from its OpenAPI description.

Every generated request is signed as a real enrolled device (a kiosk or a staff
console, drawn per example) or sent unsigned, so the fuzzer reaches the
handlers instead of stopping at 401. Some path ids are tickets that really
exist, and submitted tickets are addressed to the route's real readers, so
transitions and replies run on live tickets too. Checks: no 5xx, and status
codes, content types, headers and bodies as described (and, for data the
description calls invalid, a 4xx). At the end the hub must still be up, with
no failure in its log.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    missing_required_header,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.datastructures import URL

from kiosk.client import DeviceConfig, HubClient
from kiosk.core.body import TicketBody
from kiosk.core.categories import Category, Urgency
from kiosk.core.site import DeviceRole
from kiosk.core.site import Site as SiteModel
from kiosk.crypto import DeviceKeys, SiteKey, sign_admin_request, sign_request
from kiosk.hub.openapi import openapi_document
from kiosk.operator import SiteLayout, enrol_local_device, init_site, sample_site
from tests.conftest import HubProcess, free_port, start_hub

# Tickets the fixture creates before fuzzing (fixed ids the fuzzer also draws):
# four of the fuzzing kiosk's own and five of another kiosk at the same place,
# which staff see and the fuzzing kiosk may not.
OWN_SEEDED = [f"{n:032x}" for n in range(1, 5)]
OTHER_SEEDED = [f"{n:032x}" for n in range(5, 10)]
SEEDED = OWN_SEEDED + OTHER_SEEDED
ROLES = ("kiosk", "staff", "operator", "unsigned")
# (method, path) → the statuses the hub answered, to show the fuzzer got past auth.
SEEN: dict[tuple[str, str], collections.Counter[int]] = collections.defaultdict(collections.Counter)
AUTH_HEADERS = ("Kiosk-Device", "Kiosk-Timestamp", "Kiosk-Nonce", "Kiosk-Signature")
ADMIN_HEADERS = ("Kiosk-Admin-Timestamp", "Kiosk-Admin-Nonce", "Kiosk-Admin-Signature")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    missing_required_header,  # an auth header left out: 401
]
# Refusals that come before authentication: no route, or a body over the limit.
NOT_ROUTED = {"not_found", "method_not_allowed", "too_large"}
# A device may make 20 calls a second; the fuzzer stays under it so that it
# reaches the handlers rather than the rate limit (429 is described and allowed).
_CALLS_PER_SECOND = 16


@dataclass
class FuzzHub:
    url: str
    ca: str
    hub: HubProcess
    site: SiteModel
    sessions: dict[str, requests.Session]


def _as_read(r: requests.PreparedRequest) -> tuple[str, bytes]:
    """The path as the hub reads it (percent-decoded by the server; Starlette
    re-encodes `?`, `#` and `\\`), and the exact body bytes."""
    parts = urlsplit(r.url or "")
    scope = {
        "type": "http",
        "scheme": "https",
        "path": unquote(parts.path),
        "query_string": parts.query.encode("latin-1"),
        "headers": [],
    }
    seen = URL(scope=scope)
    body = r.body or b""
    return seen.path + (f"?{seen.query}" if seen.query else ""), (
        body.encode() if isinstance(body, str) else body
    )


class SignedByOperator(requests.auth.AuthBase):
    """Signs admin calls with the site key, as `kiosk admin` does; only the admin
    headers the fuzzer generated are replaced (one left out stays out)."""

    def __init__(self, site_key: SiteKey) -> None:
        self.site_key = site_key

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        path, body = _as_read(r)
        generated = {name for name in ADMIN_HEADERS if name in r.headers}
        signed = sign_admin_request(self.site_key, r.method or "", path, body)
        r.headers.update({k: v for k, v in signed.items() if k in generated})
        return r


class SignedBy(requests.auth.AuthBase):
    """Signs the request requests is about to send, as HubClient does."""

    def __init__(self, config: DeviceConfig) -> None:
        self.device_id = config.device_id
        self.keys = DeviceKeys.load(config.directory)
        self._last = 0.0
        self._lock = threading.Lock()

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        path, body = _as_read(r)
        with self._lock:
            wait = self._last + 1 / _CALLS_PER_SECOND - time.monotonic()
            if wait > 0:
                time.sleep(wait)  # a pace, not a wait: under the hub's allowance of calls
            self._last = time.monotonic()
        # A case the fuzzer made without some auth header (to see it refused)
        # goes without it: only the headers it generated are replaced.
        generated = {name for name in AUTH_HEADERS if name in r.headers}
        signed = sign_request(self.keys, self.device_id, r.method or "", path, body)
        r.headers.update({k: v for k, v in signed.items() if k in generated})
        return r


@pytest.fixture(scope="module")
def fuzz_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzHub]:
    layout = SiteLayout(tmp_path_factory.mktemp("fuzz") / "site")
    port = free_port()
    url = f"https://127.0.0.1:{port}"
    init_site(layout, sample_site(), ["127.0.0.1", "localhost"])
    configs = {
        "kiosk": enrol_local_device(
            layout, DeviceRole.KIOSK, url, location_id="central-p3", device_id="kiosk-p3"
        ),
        "staff": enrol_local_device(
            layout, DeviceRole.STAFF, url, group_id="central-staff", device_id="staff-anna"
        ),
    }
    seeder = enrol_local_device(
        layout, DeviceRole.KIOSK, url, location_id="central-p3", device_id="kiosk-p3-seed"
    )
    hub = start_hub(layout, port)
    sessions: dict[str, requests.Session] = {}
    try:
        for config, ids in ((configs["kiosk"], OWN_SEEDED), (seeder, OTHER_SEEDED)):
            kiosk = HubClient(config, DeviceKeys.load(config.directory))
            try:
                site = kiosk.site()
                for ticket_id in ids:
                    body = TicketBody(Category.LOST, Urgency.NORMAL, "en")
                    kiosk.submit_ticket(site, ticket_id, body)
            finally:
                kiosk.close()
        for role in ROLES:
            session = sessions[role] = requests.Session()
            session.trust_env = False  # loopback only, whatever proxy the environment names
            session.verify = str(layout.operator / "ca.pem")
            if role in configs:
                session.auth = SignedBy(configs[role])
            elif role == "operator":
                session.auth = SignedByOperator(layout.state().site_key())
        # Seeding took a few of the kiosk's 60 calls; paced at 16 a second, the
        # fuzzer never outruns the allowance's refill of 20 a second.
        yield FuzzHub(url, str(layout.operator / "ca.pem"), hub, site, sessions)
    finally:
        for session in sessions.values():
            session.close()
        hub.stop()


# The description is built in-process (schemathesis' fixture-loaded schemas do
# not work with pytest 9); test_the_hub_serves_this_description checks that the
# running hub serves exactly it.
schema = schemathesis.openapi.from_dict(openapi_document()).exclude(
    # The event stream never ends while the hub runs; tests/test_hub_api.py and
    # the app tests drive it with real clients instead.
    path="/v1/events"
)


def test_the_hub_serves_this_description(fuzz_hub: FuzzHub) -> None:
    served = fuzz_hub.sessions["unsigned"].get(f"{fuzz_hub.url}/v1/openapi.json", timeout=10)
    assert served.status_code == 200
    assert served.headers["content-type"] == "application/json"
    assert served.json() == openapi_document()


def _route_readers(site: SiteModel, body: dict[str, Any]) -> list[str]:
    try:
        return [d.id for d in site.recipients_for("central-p3", body["category"], body["urgency"])]
    except (KeyError, ValueError, TypeError):
        return []


@schema.parametrize()
@schema.given(data=st.data(), seeded=st.sampled_from([None, *SEEDED]))
@settings(
    max_examples=50,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_hub_conforms_to_its_description(
    case: schemathesis.Case, data: st.DataObject, seeded: str | None, fuzz_hub: FuzzHub
) -> None:
    # Mostly the devices the operation is for; sometimes another, or none.
    intended = list(case.operation.definition.raw.get("x-kiosk-roles", []))
    role = data.draw(st.sampled_from(intended * 3 + list(ROLES)), label="role")
    if seeded is not None and "ticket_id" in (case.path_parameters or {}):
        case.path_parameters = {**(case.path_parameters or {}), "ticket_id": seeded}
    body = case.body
    if (
        case.path == "/v1/tickets"
        and isinstance(body, dict)
        and isinstance(body.get("sealed"), dict)
    ):
        readers = _route_readers(fuzz_hub.site, body)
        if readers:  # address the copies to real readers, so some tickets are stored
            copies = list(body["sealed"].values())
            case.body = {**body, "sealed": dict(zip(readers, copies, strict=False))}
    response = case.call_and_validate(
        base_url=fuzz_hub.url,
        session=fuzz_hub.sessions[role],
        checks=CHECKS,
        verify=fuzz_hub.ca,
        timeout=10,
    )
    SEEN[(case.method, case.path)][response.status_code] += 1
    # Schemathesis' ignored_auth cannot tell our signature from generated junk;
    # this is its check: a signed operation never serves a call without one.
    if role == "unsigned" and case.operation.definition.raw.get("x-kiosk-roles"):
        refused = response.status_code == 401 or response.json().get("error") in NOT_ROUTED
        assert refused, f"{case.method} {case.path} answered {response.status_code} unsigned"


def test_the_event_stream_is_as_described(fuzz_hub: FuzzHub) -> None:
    described = openapi_document()["paths"]["/v1/events"]["get"]["responses"]["200"]
    placeholders = dict.fromkeys(AUTH_HEADERS, "")  # SignedBy fills in the ones present
    with fuzz_hub.sessions["staff"].get(
        f"{fuzz_hub.url}/v1/events", headers=placeholders, stream=True, timeout=10
    ) as stream:
        assert stream.status_code == 200
        media_type = stream.headers["content-type"].split(";")[0]
        assert media_type in described["content"]
        first = next(stream.iter_lines())
        assert first.startswith(b"data: {")


def test_methods_not_described_get_405_with_allow(fuzz_hub: FuzzHub) -> None:
    # Schemathesis' own unsupported-method probes run only from its command line.
    session = fuzz_hub.sessions["unsigned"]
    for template, operations in openapi_document()["paths"].items():
        path = template.replace("{ticket_id}", SEEDED[0])
        described = {method.upper() for method in operations}
        for method in {"GET", "POST", "PUT", "DELETE", "PATCH"} - described:
            response = session.request(method, fuzz_hub.url + path, timeout=10)
            assert response.status_code == 405, (method, path, response.text)
            assert response.json()["error"] == "method_not_allowed"
            allowed = {m.strip() for m in response.headers["Allow"].split(",")}
            assert allowed - {"HEAD"} == described, (method, path, allowed)


def test_the_hub_survived_the_fuzzing(fuzz_hub: FuzzHub) -> None:
    assert fuzz_hub.hub.process.poll() is None, "the hub process died"
    health = fuzz_hub.sessions["unsigned"].get(f"{fuzz_hub.url}/v1/health", timeout=10)
    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    log = fuzz_hub.hub.log_text()
    # request.failed: a handler raised (the client saw 503); *.failed: a periodic job did.
    assert ".failed" not in log, log
    assert "Traceback" not in log, log
    if SEEN:  # the fuzz test ran in this session: it reached every handler
        for operation, statuses in SEEN.items():
            past_auth = set(statuses) - {401, 429}
            assert past_auth, f"{operation}: only {dict(statuses)}"
        successes = {op for op, statuses in SEEN.items() if any(s < 300 for s in statuses)}
        # Ones whose success needs no real cryptography nor a ticket in a given state.
        assert successes >= {
            ("GET", "/v1/manifest"),
            ("POST", "/v1/heartbeat"),
            ("POST", "/v1/duty"),
            ("GET", "/v1/tickets/{ticket_id}"),
        }, sorted(successes)
