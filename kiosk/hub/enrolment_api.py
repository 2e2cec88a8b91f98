"""Enrolment endpoints: the only calls a device makes before it is in the manifest.

GET  /v1/enrol/bootstrap   the site's public key, CA certificate and signed manifest,
                           to a caller that names a code waiting to be used (header
                           Kiosk-Enrolment: the code's hash); the device checks them
                           against the fingerprint the operator gave it before it
                           trusts anything here, and the CA against the manifest
                           before it sends the code itself
POST /v1/enrol             a one-time code plus the device's own public keys and a
                           proof that it holds the identity key

Neither is signed (the device has no key the hub knows yet), so both are rate
limited per source address (an IPv6 address by its /64) and for all sources
together, with memory bounded however many addresses call.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import re
import time
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kiosk.core.enrolment_code import code_hash
from kiosk.core.errors import BadSignature
from kiosk.core.rate_limit import Bucket, RateLimiter
from kiosk.crypto import verify_enrolment
from kiosk.hub.api_errors import ApiError, json_object
from kiosk.hub.enrolment_store import EnrolmentRefused, EnrolmentStore
from kiosk.hub.field_rules import parse
from kiosk.hub.guarded import guarded_route
from kiosk.hub.live_site import LiveSite
from kiosk.hub.logs import log_event
from kiosk.hub.request_models import EnrolIn
from kiosk.hub.signed_calls import SignedCalls

__all__ = ["ENROL_BUCKET", "ENROL_TOTAL_BUCKET", "EnrolmentGate", "enrolment_routes"]

_CODE_HASH = re.compile(r"^[0-9a-f]{64}$")
# A device enrolling makes two calls; a technician's typing mistakes a few more.
# Thirty at once from one address, then one every two seconds: an installer
# enrolling a batch from one laptop is never slowed, a guessing script is.
ENROL_BUCKET = Bucket(capacity=30, per_second=0.5)
# For every address together: each call is a database trip, some a write.
ENROL_TOTAL_BUCKET = Bucket(capacity=200, per_second=20)
_ADDRESSES_KEPT = 10_000


class EnrolmentGate:
    """The rate limits of the unsigned enrolment calls."""

    def __init__(self) -> None:
        self.by_address = RateLimiter(ENROL_BUCKET, max_keys=_ADDRESSES_KEPT)
        self.total = RateLimiter(ENROL_TOTAL_BUCKET, max_keys=1)

    def admit(self, request: Request) -> None:
        """Raises 429 when this address, or everyone together, calls too often.
        Behind a load balancer every call has its address: the limit is then
        shared, which enrolments (rare, by hand) can live with."""
        now = time.monotonic()
        wait = max(self.by_address.take(_source(request), now), self.total.take("all", now))
        if wait > 0:
            log_event("enrol.slowed")
            raise ApiError(
                429,
                "slow_down",
                f"too many enrolment attempts; retry in {wait:.0f} s",
                retry_after=wait,
            )


def _source(request: Request) -> str:
    """The caller's address; an IPv6 caller by its /64 (one host holds them all)."""
    host = request.client.host if request.client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def enrolment_routes(
    calls: SignedCalls, enrolments: EnrolmentStore, site: LiveSite, data_dir: Path
) -> list[Route]:
    """The unsigned calls, each limited by one gate for this hub."""
    gate = EnrolmentGate()

    async def bootstrap(request: Request) -> Response:
        gate.admit(request)
        code_hash = request.headers.get("kiosk-enrolment", "").strip().lower()
        # Only for a code waiting to be used: the manifest (every place, group and
        # device key of the site) is not for whoever asks.
        if not _CODE_HASH.match(code_hash):
            raise ApiError(
                403,
                "unknown_code",
                "name an enrolment code waiting to be used (header Kiosk-Enrolment: its hash)",
            )
        try:
            await run_in_threadpool(enrolments.check_waiting, code_hash, time.time())
        except EnrolmentRefused as exc:
            log_event("enrol.refused", reason=exc.reason)
            raise ApiError(403, exc.reason, str(exc)) from None
        _, signed = await site.signed()
        if signed is None:
            raise ApiError(404, "no_manifest", "the operator has not applied a site yet")
        return JSONResponse(
            {
                "site_public": base64.b64encode((data_dir / "site.pub").read_bytes()).decode(),
                "ca_pem": (data_dir / "ca.pem").read_text(),
                "manifest": json.loads(signed),  # kept encoded; enrolments are rare
            }
        )

    async def enrol(request: Request) -> Response:
        gate.admit(request)  # before the body is read
        body = parse(EnrolIn, json_object(await calls.read_body(request, signed=False)))
        code = body.code
        try:
            verify_enrolment(body.sign_public, code, body.hpke_public, body.proof)
        except BadSignature:
            raise ApiError(400, "bad_proof", "the enrolment proof does not verify") from None
        try:
            enrolment = await run_in_threadpool(
                enrolments.use,
                code_hash(code),
                body.sign_public,
                body.hpke_public,
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

    return [
        guarded_route("/v1/enrol/bootstrap", bootstrap, ["GET"]),
        guarded_route("/v1/enrol", enrol, ["POST"]),
    ]
