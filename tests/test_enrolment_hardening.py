"""Enrolment and the device's own secrets against a hostile network or passer-by
(issue 25, findings 10 and 11): https only, no manifest for strangers, a rate
limit on codes, long site fingerprints, a PIN lockout that outlives a restart."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from kiosk.client.device import DeviceConfig
from kiosk.client.enrolment import enrol_with_code
from kiosk.core.errors import BadSignature, SiteError
from kiosk.core.site import DeviceRole
from kiosk.crypto import DeviceKeys, SiteKey, fingerprint
from kiosk.operator.enrolment import create_enrolment, device_fingerprint
from tests.conftest import HubProcess, Site


class _Counter(BaseHTTPRequestHandler):
    seen: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Counter.seen.append(self.path)
        self.send_response(404)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


def test_a_plain_http_hub_address_is_refused_before_anything_is_sent(
    site: Site, tmp_path: Path
) -> None:
    plain = ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    threading.Thread(target=plain.serve_forever, daemon=True).start()
    issued = create_enrolment(site.layout, DeviceRole.KIOSK, location_id="central-hall")
    try:
        for url in (f"http://127.0.0.1:{plain.server_address[1]}", "HTTP://127.0.0.1", "ftp://x"):
            with pytest.raises(SiteError, match="https://"):
                enrol_with_code(url, issued.code, issued.site_fingerprint, tmp_path / "d")
    finally:
        plain.shutdown()
        plain.server_close()
    assert _Counter.seen == []
    assert not (tmp_path / "d" / "device.json").exists()


def test_a_device_file_that_names_a_plain_http_hub_is_refused(site: Site) -> None:
    device_json = site.kiosk.directory / "device.json"
    doc = json.loads(device_json.read_text())
    assert DeviceConfig.load(site.kiosk.directory).hub_url.startswith("https://")
    doc["hub_url"] = doc["hub_url"].replace("https://", "http://")
    device_json.write_text(json.dumps(doc))
    with pytest.raises(SiteError, match="https://"):
        DeviceConfig.load(site.kiosk.directory)


def test_an_https_hub_still_enrols(site: Site, hub: HubProcess, tmp_path: Path) -> None:
    issued = create_enrolment(site.layout, DeviceRole.KIOSK, location_id="central-hall")
    config = enrol_with_code(
        f" {site.hub_url}/ ", issued.code, issued.site_fingerprint, tmp_path / "d"
    )
    assert config.hub_url == site.hub_url
    assert config.role is DeviceRole.KIOSK


def test_fingerprints_carry_128_bits_and_a_64_bit_prefix_is_not_enough(
    site: Site, hub: HubProcess, tmp_path: Path
) -> None:
    # The site key lives for years and every device trusts it through this text:
    # a 64-bit fingerprint is within reach of a second-preimage search.
    for shown in (
        fingerprint(SiteKey.generate().public),
        device_fingerprint(DeviceKeys.generate().sign_public, DeviceKeys.generate().hpke_public),
    ):
        digits = shown.replace("-", "")
        assert len(digits) * 4 >= 128, shown
        int(digits, 16)  # hex digits in groups of four: typeable
        assert all(len(group) == 4 for group in shown.split("-"))
    issued = create_enrolment(site.layout, DeviceRole.KIOSK, location_id="central-hall")
    assert len(issued.site_fingerprint.replace("-", "")) == 32
    with pytest.raises(BadSignature, match="fingerprint"):
        enrol_with_code(site.hub_url, issued.code, issued.site_fingerprint[:19], tmp_path / "d")
    enrol_with_code(site.hub_url, issued.code, issued.site_fingerprint, tmp_path / "d")
