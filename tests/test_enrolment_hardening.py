"""Enrolment and the device's own secrets against a hostile network or passer-by
(issue 25, findings 10 and 11): https only, no manifest for strangers, a rate
limit on codes, long site fingerprints, a PIN lockout that outlives a restart."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
import requests

from kiosk.client.device import DeviceConfig
from kiosk.client.enrolment import enrol_with_code
from kiosk.core.enrolment_code import code_hash
from kiosk.core.errors import BadSignature, SiteError
from kiosk.core.rate_limit import Bucket, RateLimiter
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


def test_the_maintenance_pin_lockout_survives_a_restart(tmp_path: Path) -> None:
    from kiosk.client.maintenance_pin import LOCKOUT_SECONDS, PinCheck, check_pin, set_pin

    device = tmp_path / "device"
    set_pin(device, "246810")
    now = 1_000_000.0
    assert check_pin(device, "111111", now) is PinCheck.WRONG
    assert check_pin(device, "222222", now + 1) is PinCheck.WRONG
    assert check_pin(device, "333333", now + 2) is PinCheck.LOCKED
    # Nothing is kept in memory: a restarted app reads the same lockout, and even
    # the right PIN waits (the state is a count and a time, no digit typed).
    assert check_pin(device, "246810", now + 3) is PinCheck.LOCKED
    assert check_pin(device, "246810", now + 2 + LOCKOUT_SECONDS - 1) is PinCheck.LOCKED
    kept = (device / "maintenance-pin-tries").read_text()
    assert not any(pin in kept for pin in ("111111", "222222", "333333", "246810"))
    assert (device / "maintenance-pin-tries").stat().st_mode & 0o777 == 0o600
    # A clock set back does not stretch the lockout past one period from now.
    assert check_pin(device, "246810", now - 3600) is PinCheck.LOCKED
    assert check_pin(device, "246810", now - 3600 + LOCKOUT_SECONDS + 1) is PinCheck.ACCEPTED
    # A right PIN clears the count: three new wrong tries are needed to lock again.
    later = now + 10 * LOCKOUT_SECONDS
    assert check_pin(device, "111111", later) is PinCheck.WRONG
    assert check_pin(device, "246810", later + 1) is PinCheck.ACCEPTED
    assert check_pin(device, "111111", later + 2) is PinCheck.WRONG
    assert check_pin(device, "111111", later + 3) is PinCheck.WRONG


def test_a_damaged_lockout_file_locks_rather_than_resets(tmp_path: Path) -> None:
    from kiosk.client.maintenance_pin import PinCheck, check_pin, set_pin

    device = tmp_path / "device"
    set_pin(device, "246810")
    (device / "maintenance-pin-tries").write_text("{not json")
    assert check_pin(device, "246810", 5000.0) is PinCheck.LOCKED


def _unsigned(site: Site, method: str, path: str, **kw: Any) -> requests.Response:
    with requests.Session() as s:
        s.trust_env = False
        return s.request(
            method, site.hub_url + path, verify=str(site.layout.operator / "ca.pem"), timeout=10,
            **kw,
        )  # fmt: skip


def test_the_manifest_is_shown_only_to_a_caller_with_a_waiting_code(
    site: Site, hub: HubProcess
) -> None:
    # Every place, group and device key of the site: not for whoever asks.
    for headers in ({}, {"Kiosk-Enrolment": "0" * 64}, {"Kiosk-Enrolment": "not a hash"}):
        refused = _unsigned(site, "GET", "/v1/enrol/bootstrap", headers=headers)
        assert refused.status_code == 403, refused.text
        assert "manifest" not in refused.json()
    issued = create_enrolment(site.layout, DeviceRole.KIOSK, location_id="central-hall")
    shown = _unsigned(
        site, "GET", "/v1/enrol/bootstrap", headers={"Kiosk-Enrolment": code_hash(issued.code)}
    )
    assert shown.status_code == 200, shown.text
    assert set(shown.json()) == {"site_public", "ca_pem", "manifest"}


def test_enrolment_calls_are_rate_limited_per_address(site: Site, hub: HubProcess) -> None:
    # Unsigned, so limited by where they come from: a script trying codes is slowed.
    answers = [
        _unsigned(site, "POST", "/v1/enrol", json={"code": "AAAA-BBBB-CCCC"}).status_code
        for _ in range(40)
    ]
    assert 400 in answers
    assert answers[-1] == 429, answers
    slowed = _unsigned(site, "GET", "/v1/enrol/bootstrap")
    assert slowed.status_code == 429
    assert float(slowed.headers["Retry-After"]) > 0
    # Signed calls of enrolled devices are not held up by it.
    assert site.client(site.kiosk).site().version >= 1


def test_a_rate_limiter_keyed_by_endless_addresses_keeps_bounded_memory() -> None:
    limiter = RateLimiter(Bucket(capacity=2, per_second=0.001), max_keys=1000)
    for n in range(50_000):
        limiter.take(f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}", 0.0)
    assert len(limiter) <= 1000
    # A key seen just now is still limited.
    assert limiter.take("10.0.195.79", 0.0) == 0.0
    assert limiter.take("10.0.195.79", 0.0) > 0
