"""A device or a stranger that abuses the hub gains nothing and holds nothing up:
junk in a heartbeat, streams that outlive the record they were opened with, too
many streams, a body that never arrives (issue 25, findings 4, 5 and 9)."""

from __future__ import annotations

import json

import pytest
import requests

from kiosk.crypto import DeviceKeys, sign_request
from tests.conftest import HubProcess, Site


def _post(site: Site, path: str, body: bytes, device: str = "kiosk-p3") -> requests.Response:
    keys = DeviceKeys.load(site.layout.device(device))
    with requests.Session() as s:
        s.trust_env = False
        return s.post(
            site.hub_url + path,
            data=body,
            headers=dict(sign_request(keys, device, "POST", path, body)),
            verify=str(site.layout.operator / "ca.pem"),
            timeout=10,
        )


@pytest.mark.parametrize(
    "version", ["1.0\ud800", "\udfff", "1.0\u200e", "1.0\u2028", "1.0\x85", "1.0\u00a0x"]
)
def test_a_heartbeat_version_that_is_not_printable_text_is_refused(
    site: Site, hub: HubProcess, version: str
) -> None:
    # json.dumps writes a lone surrogate as the escape \\ud800: valid JSON that
    # decodes to a str no database can store; with it every presence sweep failed.
    body = json.dumps({"version": version, "manifest_version": 1}).encode()
    refused = _post(site, "/v1/heartbeat", body)
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"] == "bad_version"
    ok = json.dumps({"version": "0.1.0+deb12", "manifest_version": 1}).encode()
    assert _post(site, "/v1/heartbeat", ok).status_code == 200
    hub.stop()
    assert "presence.failed" not in hub.log_text()
