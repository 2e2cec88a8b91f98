"""The operator's admin API: how `kiosk admin` reaches a hub, over the site's TLS.

GET  /v1/admin/manifest             version and digest of the manifest served
PUT  /v1/admin/manifest             a newly signed manifest (checked against the site key)
GET  /v1/admin/enrolments           codes issued, and the keys devices presented with them
POST /v1/admin/enrolments           a new code (its hash, and the operator's signed intent)
POST /v1/admin/enrolments/published codes whose devices are now in the manifest
POST /v1/admin/enrolments/removed   codes to forget (expired, or replaced)
GET  /v1/admin/presence             each device's last heartbeat
GET  /v1/admin/open-tickets         routing metadata of open requests, and whom each is
                                    sealed to (apply checks that a change strands none)

Every call is signed with the site key (`Kiosk-Admin-*` headers): a fresh
timestamp, a single-use nonce, the body's hash. The headers are checked before
the body is read, so an unsigned caller cannot make the hub hold a slow upload.
Nothing here lets the hub do more than before: what it says is only its claim,
and the operator checks it against its own record (kiosk/operator/operator_state.py).
"""

from __future__ import annotations

import base64
import math
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kiosk.core.errors import BadSignature, KioskError
from kiosk.crypto import manifest_digest, verify_admin_request, verify_manifest
from kiosk.hub.api_errors import ApiError, error_response, json_object
from kiosk.hub.enrolment_store import EnrolmentStore
from kiosk.hub.field_rules import parse
from kiosk.hub.logs import log_event
from kiosk.hub.presence import Presence
from kiosk.hub.request_body import read_body
from kiosk.hub.request_models import DeviceIdsIn
from kiosk.hub.settings import HubSettings
from kiosk.hub.store import Store

__all__ = ["ADMIN_MAX_BODY_BYTES", "admin_routes"]

_CODE_HASH = re.compile(r"[0-9a-f]{64}")
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_SIGNATURE_LENGTH = 64  # Ed25519: the operator's signature over role, place and code

# A national site's manifest lists thousands of devices' keys: megabytes.
ADMIN_MAX_BODY_BYTES = 64 * 1024 * 1024
# Long enough for a multi-megabyte manifest on a slow link; still bounded, so a
# caller trickling bytes cannot hold a task (request_body.py).
_ADMIN_BODY_SECONDS = 60.0
_OPERATOR = "(operator)"  # the nonce table's device id for admin calls (no device has it)

Handler = Callable[[Request, bytes], Awaitable[Response]]


class AdminApi:
    def __init__(self, store: Store, settings: HubSettings) -> None:
        self._store = store
        self._settings = settings
        self._enrolments = EnrolmentStore(store.engine)

    # -- authentication -------------------------------------------------------
    def _check_headers(self, request: Request) -> tuple[str, str, str]:
        timestamp = request.headers.get("kiosk-admin-timestamp", "")
        nonce = request.headers.get("kiosk-admin-nonce", "")
        signature = request.headers.get("kiosk-admin-signature", "")
        if not (timestamp and nonce and signature):
            raise ApiError(401, "unauthenticated", "admin calls must be signed with the site key")
        if not timestamp.isdigit():
            raise ApiError(401, "bad_timestamp", "timestamp must be whole seconds")
        skew = self._settings.clock_skew_seconds
        if abs(time.time() - int(timestamp)) > skew:
            raise ApiError(401, "clock_skew", f"clock more than {skew} s away from the hub's")
        if len(nonce) > 64 or len(signature) > 200:
            raise ApiError(401, "bad_nonce", "nonce or signature too long")
        return timestamp, nonce, signature

    def _verify(self, request: Request, headers: tuple[str, str, str], body: bytes) -> None:
        timestamp, nonce, signature = headers
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        site_public = (self._settings.data_dir / "site.pub").read_bytes()
        try:
            verify_admin_request(
                site_public, request.method, path, timestamp, nonce, body, signature
            )
        except BadSignature:
            raise ApiError(401, "bad_signature", "not signed by this site's key") from None
        expires = time.time() + 2 * self._settings.clock_skew_seconds
        if not self._store.remember_nonces([(_OPERATOR, nonce, expires)])[0]:
            raise ApiError(401, "replay", "this request was already received")

    def guarded(self, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def call(request: Request) -> Response:
            try:
                headers = self._check_headers(request)
                body = await read_body(request, ADMIN_MAX_BODY_BYTES, _ADMIN_BODY_SECONDS)
                await run_in_threadpool(self._verify, request, headers, body)
                return await handler(request, body)
            except ApiError as exc:
                return error_response(exc.status, exc.code, exc.message)
            except KioskError as exc:
                return error_response(400, "refused", str(exc))
            except Exception as exc:  # never a traceback with content in the log
                log_event("admin.failed", error=type(exc).__name__)
                return error_response(503, "unavailable", "the hub could not do this now")

        return call

    # -- manifests ------------------------------------------------------------
    async def get_manifest(self, request: Request, body: bytes) -> Response:
        signed = await run_in_threadpool(self._store.latest_manifest)
        if signed is None:
            raise ApiError(404, "no_manifest", "the operator has not applied a site yet")
        inner = signed.get("manifest", {})
        return JSONResponse({"version": inner.get("version"), "digest": manifest_digest(signed)})

    async def put_manifest(self, request: Request, body: bytes) -> Response:
        signed = json_object(body)
        site_public = (self._settings.data_dir / "site.pub").read_bytes()
        try:
            version = int(verify_manifest(signed, site_public)["version"])
        except KioskError:
            raise ApiError(400, "bad_manifest", "not a manifest signed by this site") from None

        def store() -> bool:
            if version <= self._store.latest_manifest_version():
                return False
            try:  # two operators at once: the version's primary key lets one in
                self._store.add_manifest(version, signed)
            except IntegrityError:
                return False
            return True

        if not await run_in_threadpool(store):
            raise ApiError(409, "stale_manifest", f"version {version} is not newer")
        log_event("manifest.published", version=version)
        return JSONResponse({"version": version}, status_code=201)

    # -- enrolments -----------------------------------------------------------
    async def list_enrolments(self, request: Request, body: bytes) -> Response:
        rows = await run_in_threadpool(self._enrolments.all)
        return JSONResponse(
            {
                "enrolments": [
                    {
                        "device_id": e.device_id,
                        "role": e.role,
                        "location_id": e.location_id,
                        "group_id": e.group_id,
                        "expires_at": e.expires_at,
                        "used": e.used,
                        "sign_public": _b64(e.sign_public),
                        "hpke_public": _b64(e.hpke_public),
                        "code_hash": e.code_hash,
                        "intent_signature": _b64(e.intent_signature),
                    }
                    for e in rows
                ]
            }
        )

    async def create_enrolment(self, request: Request, body: bytes) -> Response:
        doc = json_object(body)
        try:
            signature = base64.b64decode(str(doc.get("intent_signature") or ""), validate=True)
            code_hash, device_id = str(doc["code_hash"]), str(doc["device_id"])
            role, expires_at = str(doc["role"]), float(doc["expires_at"])
            location_id, group_id = (
                _optional(doc.get("location_id")),
                _optional(doc.get("group_id")),
            )
        except (KeyError, TypeError, ValueError):
            raise ApiError(400, "bad_enrolment", "code_hash, device_id, role, expires_at") from None
        if not (
            _CODE_HASH.fullmatch(code_hash)
            and _ID.fullmatch(device_id)
            and role in ("kiosk", "staff")
            and math.isfinite(expires_at)
            and len(signature) == _SIGNATURE_LENGTH
            and all(x is None or _ID.fullmatch(x) for x in (location_id, group_id))
        ):
            raise ApiError(400, "bad_enrolment", "an enrolment as kiosk admin enrol makes it")

        def create() -> bool:
            try:
                self._enrolments.create(
                    code_hash,
                    device_id,
                    role,
                    expires_at,
                    location_id=location_id,
                    group_id=group_id,
                    intent_signature=signature,
                )
            except IntegrityError:
                return False
            return True

        if not await run_in_threadpool(create):
            raise ApiError(409, "enrolment_exists", "this device or code has a code already")
        return JSONResponse({"device_id": device_id}, status_code=201)

    async def enrolments_published(self, request: Request, body: bytes) -> Response:
        await run_in_threadpool(self._enrolments.mark_published, _device_ids(body))
        return JSONResponse({})

    async def enrolments_removed(self, request: Request, body: bytes) -> Response:
        await run_in_threadpool(self._enrolments.remove, _device_ids(body))
        return JSONResponse({})

    # -- fleet ----------------------------------------------------------------
    async def presence(self, request: Request, body: bytes) -> Response:
        rows = await run_in_threadpool(Presence(self._store).rows)
        beats = [
            {
                "device_id": r.device_id,
                "last_seen": r.last_seen,
                "version": r.version,
                "manifest_version": r.manifest_version,
            }
            for r in rows
        ]
        return JSONResponse({"beats": beats})

    async def open_tickets(self, request: Request, body: bytes) -> Response:
        def read() -> list[dict[str, Any]]:
            tickets = self._store.open_tickets()
            copies = self._store.sealed_copies_of([t.id for t in tickets])
            return [
                {
                    "id": t.id,
                    "location_id": t.location_id,
                    "category": t.category.value,
                    "urgency": t.urgency.value,
                    "sealed_to": sorted(copies.get(t.id, {})),
                }
                for t in tickets
            ]

        return JSONResponse({"tickets": await run_in_threadpool(read)})


def _b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode()


def _optional(value: object) -> str | None:
    return None if value is None else str(value)


def _device_ids(body: bytes) -> list[str]:
    return parse(DeviceIdsIn, json_object(body)).device_ids


def admin_routes(store: Store, settings: HubSettings) -> list[Route]:
    api = AdminApi(store, settings)
    g = api.guarded

    def by_method(read: Handler, write: Handler) -> Handler:
        async def dispatch(request: Request, body: bytes) -> Response:
            return await (read if request.method in ("GET", "HEAD") else write)(request, body)

        return dispatch

    return [
        Route(
            "/v1/admin/manifest",
            g(by_method(api.get_manifest, api.put_manifest)),
            methods=["GET", "PUT"],
        ),
        Route(
            "/v1/admin/enrolments",
            g(by_method(api.list_enrolments, api.create_enrolment)),
            methods=["GET", "POST"],
        ),
        Route("/v1/admin/enrolments/published", g(api.enrolments_published), methods=["POST"]),
        Route("/v1/admin/enrolments/removed", g(api.enrolments_removed), methods=["POST"]),
        Route("/v1/admin/presence", g(api.presence), methods=["GET"]),
        Route("/v1/admin/open-tickets", g(api.open_tickets), methods=["GET"]),
    ]
