"""The operator's view of the alert relays, on the admin API (signed with the
site key like every /v1/admin call, kiosk/hub/admin_api.py):

GET  /v1/admin/relays        each relay's health: group, name, kind, state
                             (ok, failing, untried), last error class, since when
POST /v1/admin/relays/test   {"group": ID}: a test alert through each relay of
                             the group, sent now; per relay delivered or why not

Content-free both ways: a test alert names the group and says it is a test.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kiosk.hub.admin_api import AdminApi
from kiosk.hub.alert_relays import AlertRelays
from kiosk.hub.api_errors import ApiError, json_object
from kiosk.hub.live_site import LiveSite
from kiosk.hub.logs import log_event
from kiosk.hub.settings import HubSettings
from kiosk.hub.store import Store

__all__ = ["relay_admin_routes"]


def relay_admin_routes(
    store: Store, settings: HubSettings, relays: AlertRelays, site: LiveSite
) -> list[Route]:
    guarded = AdminApi(store, settings).guarded

    async def health(request: Request, body: bytes) -> Response:
        return JSONResponse({"relays": relays.health(await site.current())})

    async def test(request: Request, body: bytes) -> Response:
        group = json_object(body).get("group")
        current = await site.current()
        if current is None:
            raise ApiError(404, "no_manifest", "the operator has not applied a site yet")
        if not isinstance(group, str) or group not in {g.id for g in current.groups}:
            raise ApiError(404, "unknown_group", "no staff group of that id in the site")
        log_event("relay.test", group=group)
        return JSONResponse({"group": group, "relays": await relays.test_group(current, group)})

    return [
        Route("/v1/admin/relays", guarded(health), methods=["GET"]),
        Route("/v1/admin/relays/test", guarded(test), methods=["POST"]),
    ]
