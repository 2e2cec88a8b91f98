"""What any device asks of the hub besides tickets.

GET  /v1/health         no auth; liveness for load balancers
GET  /v1/openapi.json   no auth; this API as OpenAPI 3.1 (openapi.py)
GET  /v1/manifest       the operator-signed site manifest
POST /v1/heartbeat      alive, with its software and manifest version
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kiosk import __version__
from kiosk.core.clock import Clock
from kiosk.hub.api_errors import ApiError
from kiosk.hub.field_rules import parse
from kiosk.hub.guarded import guarded_route
from kiosk.hub.large_response import PiecewiseResponse
from kiosk.hub.live_site import LiveSite
from kiosk.hub.openapi import openapi_document
from kiosk.hub.presence import Beat, Presence
from kiosk.hub.request_models import HeartbeatIn
from kiosk.hub.settings import HubSettings
from kiosk.hub.signed_calls import Caller, SignedCalls

__all__ = ["device_routes"]


def device_routes(
    settings: HubSettings,
    calls: SignedCalls,
    site: LiveSite,
    presence: Presence,
    clock: Clock,
) -> list[Route]:
    document = openapi_document()

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "version": __version__})

    async def openapi(request: Request) -> Response:
        return JSONResponse(document)

    async def manifest(request: Request, caller: Caller) -> Response:
        current, signed = await site.signed()
        if current is None or signed is None:
            raise ApiError(404, "no_manifest", "the operator has not applied a site yet")
        # A national site's manifest is megabytes and every device asks for it:
        # encoded once per version (SiteState), not sent again to a device that has it.
        tag = f'"{current.version}"'
        if request.headers.get("if-none-match") == tag:
            return Response(status_code=304, headers={"ETag": tag})
        return PiecewiseResponse(signed, media_type="application/json", headers={"ETag": tag})

    async def heartbeat(request: Request, caller: Caller) -> Response:
        # Both are stored by the presence sweep, in one transaction for every
        # device: a value the database refuses (a NUL or a lone surrogate, an
        # integer over its column) must not reach it (HeartbeatIn).
        beat = parse(HeartbeatIn, caller.doc(optional=True))
        presence.beat(caller.device.id, Beat(clock(), beat.version, beat.manifest_version))
        return JSONResponse({"ok": True, "offline_after": settings.offline_after_seconds})

    signed = calls.authenticated
    return [
        guarded_route("/v1/health", health, ["GET"]),
        guarded_route("/v1/openapi.json", openapi, ["GET"]),
        guarded_route("/v1/manifest", signed(manifest), ["GET"]),
        guarded_route("/v1/heartbeat", signed(heartbeat), ["POST"]),
    ]
