"""The device's side of enrolment: trust the site only through the fingerprint
the operator gave, generate keys here, present them with the one-time code.

1. Fetch the site key, CA certificate and signed manifest over TLS that is not
   yet verified (the device trusts nothing yet; the hub answers only a caller
   that names the hash of a code waiting to be used), and check the site key against
   the typed fingerprint, the manifest's signature, and the CA against the hash
   the manifest names.
2. Open a new connection that verifies the hub against that CA, and only then
   send the code: a machine in the middle of step 1 gains nothing.
"""

from __future__ import annotations

import base64
import hmac
import warnings
from pathlib import Path
from typing import Any

import requests
from urllib3.exceptions import InsecureRequestWarning

from kiosk.client.device import DeviceConfig, require_https
from kiosk.client.transport import refusal
from kiosk.core.enrolment_code import code_hash, normalise_code
from kiosk.core.errors import BadSignature, HubUnreachable, SiteError
from kiosk.core.site import DeviceRole, Site
from kiosk.crypto import (
    DeviceKeys,
    certificate_sha256,
    fingerprint,
    sign_enrolment,
    verify_manifest,
)

__all__ = ["enrol_with_code"]

_TIMEOUT = (5.0, 15.0)


def _normalise_fingerprint(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


def _post_or_get(session: requests.Session, method: str, url: str, **kw: Any) -> Any:
    try:
        response = session.request(method, url, timeout=_TIMEOUT, **kw)
    except requests.RequestException as exc:
        raise HubUnreachable(f"hub unreachable: {type(exc).__name__}") from None
    if response.status_code >= 400:
        raise refusal(response.status_code, response.reason, response.content)
    return response.json()


def _trusted_site(
    hub_url: str, canonical: str, site_fingerprint: str, directory: Path
) -> tuple[bytes, Path]:
    """Step 1 of enrolment: the site's key, checked against the fingerprint the
    operator gave, and its CA certificate saved in `directory`."""
    with requests.Session() as session:
        session.trust_env = False
        # Step 1: nothing is trusted yet; everything fetched is checked below.
        with warnings.catch_warnings():
            # Unverified on purpose (step 1); silence urllib3's warning for this call only.
            warnings.simplefilter("ignore", InsecureRequestWarning)
            # The hub shows the manifest only to a caller naming a waiting code; its
            # hash tells a machine in the middle nothing it could enrol with.
            boot = _post_or_get(
                session,
                "GET",
                f"{hub_url}/v1/enrol/bootstrap",
                verify=False,
                headers={"Kiosk-Enrolment": code_hash(canonical)},
            )
        site_public = base64.b64decode(str(boot["site_public"]))
        if not hmac.compare_digest(
            _normalise_fingerprint(fingerprint(site_public)),
            _normalise_fingerprint(site_fingerprint),
        ):
            raise BadSignature(
                "the hub presented a site key that does not match the fingerprint "
                "you were given: do not enrol this device, tell the operator"
            )
        doc = verify_manifest(boot["manifest"], site_public)
        site = Site.from_document(doc)
        ca_pem = str(boot["ca_pem"]).encode()
        if not hmac.compare_digest(certificate_sha256(ca_pem), site.tls_ca_sha256):
            raise BadSignature("the hub's CA certificate is not the one the site manifest names")
        directory.mkdir(parents=True, exist_ok=True)
        ca_file = directory / "ca.pem"
        ca_file.write_bytes(ca_pem)
    return site_public, ca_file


def enrol_with_code(
    hub_url: str, code: str, site_fingerprint: str, directory: Path, *, rotate: bool = False
) -> DeviceConfig:
    """Enrol this device; `rotate`: it is enrolled and replaces its keys with new
    ones, keeping its id, role and place (a code from `kiosk admin rotate-keys`)."""
    hub_url = require_https(hub_url.strip()).rstrip("/")
    canonical = normalise_code(code)
    if not canonical:
        raise SiteError("an enrolment code has 12 letters and digits, e.g. K7M4-P9XR-2QWE")
    enrolled = (directory / "device.json").exists()
    if enrolled and not rotate:
        raise SiteError(f"{directory} already holds an enrolled device (--rotate to new keys)")
    if rotate and not enrolled:
        raise SiteError(f"{directory} holds no enrolled device to give new keys")
    before = DeviceConfig.load(directory) if rotate else None
    site_public, ca_file = _trusted_site(hub_url, canonical, site_fingerprint, directory)
    # Step 2: a new connection that trusts only the site's CA.
    keys = DeviceKeys.generate()
    with requests.Session() as verified:
        verified.trust_env = False
        answer = _post_or_get(
            verified,
            "POST",
            f"{hub_url}/v1/enrol",
            json={
                "code": canonical,
                "sign_public": base64.b64encode(keys.sign_public).decode(),
                "hpke_public": base64.b64encode(keys.hpke_public).decode(),
                "proof": base64.b64encode(sign_enrolment(keys, canonical)).decode(),
            },
            verify=str(ca_file),
        )
    if before is not None and (answer.get("device_id"), answer.get("role")) != (
        before.device_id,
        before.role.value,
    ):
        raise SiteError(
            f"that code is for {answer.get('device_id')}, not this device ({before.device_id}): "
            "its keys are unchanged"
        )
    keys.save(directory)
    config = DeviceConfig(
        directory=directory,
        device_id=str(answer["device_id"]),
        role=DeviceRole(answer["role"]),
        hub_url=hub_url,
        site_public=site_public,
        location_id=answer.get("location"),
        group_id=answer.get("group"),
    )
    config.save()
    return config
