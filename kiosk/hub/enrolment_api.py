"""Enrolment endpoints: the only calls a device makes before it is in the manifest.

GET  /v1/enrol/bootstrap   the site's public key, CA certificate and signed manifest;
                           the device checks them against the fingerprint the
                           operator gave it before it trusts anything here
POST /v1/enrol             a one-time code plus the device's own public keys and a
                           proof that it holds the identity key
"""

from __future__ import annotations

import base64
import json
import time
from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from kiosk.core.enrolment_code import code_hash, normalise_code
from kiosk.core.errors import BadSignature
from kiosk.crypto import verify_enrolment
from kiosk.hub.api_errors import ApiError, decode_b64, json_object
from kiosk.hub.enrolment_store import EnrolmentRefused
from kiosk.hub.logs import log_event

if TYPE_CHECKING:
    from kiosk.hub.app import Hub

__all__ = ["bootstrap", "enrol"]

_KEY_LENGTHS = {"sign_public": 32, "hpke_public": 1216, "proof": 64}


async def bootstrap(hub: Hub, request: Request) -> Response:
    _, signed = await run_in_threadpool(hub.site_state.current)
    if signed is None:
        raise ApiError(404, "no_manifest", "the operator has not applied a site yet")
    data_dir = hub.settings.data_dir
    return JSONResponse(
        {
            "site_public": base64.b64encode((data_dir / "site.pub").read_bytes()).decode(),
            "ca_pem": (data_dir / "ca.pem").read_text(),
            "manifest": json.loads(signed),  # kept encoded; enrolments are rare
        }
    )


async def enrol(hub: Hub, request: Request) -> Response:
    doc = json_object(await hub.read_body(request))
    code = normalise_code(str(doc.get("code", "")))
    if not code:
        raise ApiError(400, "bad_code", "an enrolment code has 12 letters and digits")
    keys: dict[str, bytes] = {}
    for field, length in _KEY_LENGTHS.items():
        keys[field] = decode_b64(doc.get(field), length, field, "bad_key")
        if len(keys[field]) != length:
            raise ApiError(400, "bad_key", f"{field} must be {length} bytes, base64")
    try:
        verify_enrolment(keys["sign_public"], code, keys["hpke_public"], keys["proof"])
    except BadSignature:
        raise ApiError(400, "bad_proof", "the enrolment proof does not verify") from None
    try:
        enrolment = await run_in_threadpool(
            hub.enrolments.use,
            code_hash(code),
            keys["sign_public"],
            keys["hpke_public"],
            time.time(),
        )
    except EnrolmentRefused as exc:
        log_event("enrol.refused", reason=exc.reason)
        raise ApiError(403, exc.reason, str(exc)) from None
    log_event("enrol.used", device=enrolment.device_id)
    return JSONResponse(
        {
            "device_id": enrolment.device_id,
            "role": enrolment.role,
            "location": enrolment.location_id,
            "group": enrolment.group_id,
        },
        status_code=201,
    )
