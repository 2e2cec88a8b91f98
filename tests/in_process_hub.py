"""A hub in this process (`create_hub`) on a clock the test sets: signed calls
straight to the ASGI app, each device's stream as the hub would write it, and
the timers' steps called one at a time instead of waited for.

Everything runs on the test's thread, one `asyncio.run` per call or step, and
without the app's lifespan: no timer runs but the one the test calls.
(kiosk/client/in_process.py serves clients the whole app, timers and all.)
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from starlette.types import ASGIApp

from kiosk.client.device import DeviceConfig
from kiosk.client.in_process import call_app
from kiosk.crypto import DeviceKeys, sign_request
from kiosk.hub.app import Hub, create_hub
from kiosk.hub.events import StreamContext, Subscription
from kiosk.hub.wire import render
from kiosk.operator.site_admin import SiteLayout

T = TypeVar("T")

__all__ = ["Answer", "FakeClock", "InProcessHub", "Stream"]


class FakeClock:
    """The hub's time: where the test puts it."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        self.now += seconds
        return self.now


@dataclass(frozen=True)
class Answer:
    status_code: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


async def _call(
    app: ASGIApp, method: str, path: str, headers: dict[str, str], body: bytes
) -> Answer:
    status, answer = await call_app(app, method, path, headers, body)
    return Answer(status, answer)


class Stream:
    """What one device's event stream writes, read without a socket."""

    def __init__(self, hub: Hub, subscription: Subscription) -> None:
        self._hub = hub
        self._subscription = subscription

    def take(self) -> list[dict[str, Any]]:
        """The events written since the last take, as the device parses them."""
        queued, self._subscription.pending = self._subscription.pending, []
        context = self._subscription.context
        assert context is not None
        written = b"".join(render(self._hub.views, context.device, context.site, e) for e in queued)
        return [json.loads(line[6:]) for line in written.split(b"\n") if line.startswith(b"data:")]

    def tickets(self) -> list[dict[str, Any]]:
        return [e["ticket"] for e in self.take() if e["type"] == "ticket"]

    def close(self) -> None:
        """The device's connection ends (as when the stream's writer finishes)."""
        self._hub.broker.unsubscribe(self._subscription)


class InProcessHub:
    def __init__(self, layout: SiteLayout, clock: FakeClock, **settings: Any) -> None:
        """`settings`: HubSettings fields other than the layout's."""
        app = create_hub(dataclasses.replace(layout.hub_settings(), **settings), clock=clock)
        self.app = app
        self.hub: Hub = app.state.hub
        self.clock = clock

    def call(
        self, device: DeviceConfig, method: str, path: str, doc: dict[str, Any] | None = None
    ) -> Answer:
        """A call signed by `device` (no query string: the hub signs the path)."""
        body = b"" if doc is None else json.dumps(doc).encode()
        keys = DeviceKeys.load(device.directory)
        headers = dict(sign_request(keys, device.device_id, method, path, body))
        headers["Content-Length"] = str(len(body))
        if body:
            headers["Content-Type"] = "application/json"
        return asyncio.run(_call(self.app, method, path, headers, body))

    def listen(self, device_id: str) -> Stream:
        """The device's stream from now on (its snapshot left out)."""
        site = self.run(self.hub.current_site())
        assert site is not None
        device = site.device(device_id)
        assert device is not None
        return Stream(self.hub, self.hub.streams.subscribe(StreamContext(device, site)))

    def run(self, step: Coroutine[Any, Any, T]) -> T:
        return asyncio.run(step)

    def escalate(self, after: float) -> None:
        """Move the clock on by `after` seconds and run one escalation tick."""
        self.run(self.hub.escalate_once(self.clock.advance(after)))

    def close(self) -> None:
        self.hub.store.close_loop_reader()
        self.hub.store.engine.dispose()
