"""Route handlers as the hub serves them: a refusal is a JSON error with its
status, and anything unexpected a 503 logged by kind only (never content)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kiosk.core.errors import KioskError
from kiosk.hub.api_errors import ApiError, error_response

__all__ = ["by_method", "guard", "guarded_route"]

_LOG = logging.getLogger("kiosk.hub")
Handler = Callable[[Request], Awaitable[Response]]


def guard(handler: Handler) -> Handler:
    async def guarded(request: Request) -> Response:
        try:
            return await handler(request)
        except ApiError as exc:
            return error_response(exc.status, exc.code, exc.message, retry_after=exc.retry_after)
        except KioskError as exc:
            _LOG.warning("event=request.refused kind=%s", type(exc).__name__)
            return error_response(400, "refused", str(exc))
        except Exception as exc:  # never a traceback with content in the log, never a 500
            _LOG.error("event=request.failed kind=%s", type(exc).__name__)
            return error_response(503, "unavailable", "the hub could not do this now; try again")

    return guarded


def guarded_route(path: str, handler: Handler, methods: list[str]) -> Route:
    return Route(path, guard(handler), methods=methods)


def by_method(**handlers: Handler) -> Handler:
    """One handler per method on one route, so that a 405 on it lists them all in Allow."""

    async def dispatch(request: Request) -> Response:
        # Starlette routes HEAD wherever it routes GET.
        return await handlers["GET" if request.method == "HEAD" else request.method](request)

    return dispatch
