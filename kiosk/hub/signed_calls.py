"""Every device call: its body read within limits, its signature and nonce
checked against the current manifest, its device's allowance spent.

`SignedCalls.authenticated(handler)` makes a route handler of a function that
takes the request and its Caller (device, site, body).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from kiosk.core.rate_limit import RateLimiter
from kiosk.core.site import DeviceRecord, Site
from kiosk.hub.api_errors import ApiError, json_object
from kiosk.hub.auth import Authenticator, AuthError, Call, Signed, replayed
from kiosk.hub.batched import Batched
from kiosk.hub.limits import limit
from kiosk.hub.live_site import LiveSite
from kiosk.hub.logs import log_event
from kiosk.hub.request_body import read_body
from kiosk.hub.settings import HubSettings
from kiosk.hub.store import Store

__all__ = ["Caller", "SignedCalls"]

_Authenticated = tuple["Site | None", "DeviceRecord | AuthError"]


@dataclass(frozen=True, slots=True)
class Caller:
    """An authenticated call: who made it, under which manifest, with what body."""

    device: DeviceRecord
    site: Site
    body: bytes

    def doc(self, *, optional: bool = False) -> dict[str, Any]:
        """The body as a JSON object (`optional`: an empty body is {})."""
        return json_object(self.body) if self.body or not optional else {}


Handler = Callable[[Request], Awaitable[Response]]
CallerHandler = Callable[[Request, Caller], Awaitable[Response]]


class SignedCalls:
    def __init__(self, settings: HubSettings, store: Store, site: LiveSite) -> None:
        self._settings = settings
        self._store = store
        self._site = site
        self._auth = Authenticator(settings.clock_skew_seconds)
        # Per device and per hub process: one device's flood never spends another's.
        self.call_limits = RateLimiter(settings.call_bucket)
        # Nonces in the table (every hub's, and kept over a restart): the calls
        # that arrive together share one manifest read and one insert. On SQLite
        # reads keep theirs in memory (a replayed GET changes nothing and answers
        # only what its device may read); every other call's nonce is stored.
        self._shared: Batched[Call, _Authenticated] = Batched(self._authenticate_together)
        self._reads_in_memory = store.engine.dialect.name == "sqlite"

    def authenticated(self, handler: CallerHandler) -> Handler:
        async def call(request: Request) -> Response:
            body = await self.read_body(request)
            device, site = await self.authenticate(request, body)
            return await handler(request, Caller(device, site, body))

        return call

    async def read_body(self, request: Request, *, signed: bool = True) -> bytes:
        """The body, read only once the signature headers pass what can be checked
        without it (`signed`), and within settings.body_read_seconds: a client
        trickling a body is cut off (408), not waited for."""
        if signed:
            await self._check_signature_headers(request)
        settings = self._settings
        return await read_body(request, settings.max_body_bytes, settings.body_read_seconds)

    async def _check_signature_headers(self, request: Request) -> None:
        site = await self._site.current()
        try:
            self._auth.check_headers(site, request.headers)
        except AuthError as exc:
            log_event("auth.refused", reason=exc.code)
            raise ApiError(401, exc.code, exc.message) from None

    async def authenticate(self, request: Request, body: bytes) -> tuple[DeviceRecord, Site]:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        call = Call({k.lower(): v for k, v in request.headers.items()}, request.method, path, body)
        device: DeviceRecord | AuthError
        if not (self._reads_in_memory and request.method == "GET"):
            site, device = await self._shared(call)
        elif (site := self._site.on_loop()) is not None:
            # The common case on SQLite: no trip to a worker thread at all (a
            # signature check is ~0.2 ms of C; nonces are kept in this process).
            device = self._authenticate_here(site, call)
        else:
            site, device = await run_in_threadpool(self._authenticate_in_thread, call)
        self._site.notice(site)
        if isinstance(device, AuthError):
            log_event("auth.refused", reason=device.code)
            raise ApiError(401, device.code, device.message) from None
        assert site is not None  # authenticate() refuses every device without a site
        limit(self.call_limits, device.id)
        return device, site

    def _authenticate_here(self, site: Site | None, call: Call) -> DeviceRecord | AuthError:
        try:
            return self._auth.authenticate(site, call)
        except AuthError as exc:
            return exc

    def _authenticate_in_thread(self, call: Call) -> _Authenticated:
        # One trip to a worker thread for both: each trip waits for the GIL.
        site, _ = self._site.state.current()
        return site, self._authenticate_here(site, call)

    def _authenticate_together(self, calls: list[Call]) -> list[_Authenticated]:
        """In a worker thread, for calls that arrived together: the newest manifest
        (read after each of them arrived, so a revocation counts from the next
        call), each signature, and their nonces in one statement."""
        site, _ = self._site.state.current()
        checked: list[Signed | AuthError] = []
        for call in calls:
            try:
                checked.append(self._auth.verify(site, call))
            except AuthError as exc:
                checked.append(exc)
        signed = [c for c in checked if isinstance(c, Signed)]
        unused = iter(
            self._store.remember_nonces([(c.device.id, c.nonce, c.expires_at) for c in signed])
        )
        return [
            (site, c if isinstance(c, AuthError) else c.device if next(unused) else replayed())
            for c in checked
        ]
