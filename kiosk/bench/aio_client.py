"""A simulated device's signed calls to the hub from asyncio: the steps of the
apps' `HubClient` the bench uses, built with the same pure functions
(kiosk/client/signed_calls.py: signing, sealing) and the same checks
(epoch keys verified against the manifest, SSE cut by `SseDecoder`), over
`HubLink`s instead of a requests session.

As a requests session does, each device keeps the connections its calls used
and reuses one that is still open; its event stream has a connection of its own.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk import __version__
from kiosk.bench.aio_link import Answer, HubAddress, HubLink
from kiosk.client.device import DeviceConfig
from kiosk.client.epoch_keys import (
    EpochKeyCache,
    EpochPublicKey,
    sealing_keys,
    verified_epoch_keys,
)
from kiosk.client.signed_calls import (
    check_recipients,
    sealed_ticket_doc,
    signed_call,
    ticket_readers,
)
from kiosk.client.sse import EventTooLarge, SseDecoder
from kiosk.client.transport import refusal
from kiosk.core.body import TicketBody
from kiosk.core.errors import HubRefused, HubUnreachable
from kiosk.core.site import Site
from kiosk.crypto import DeviceKeys, EphemeralKey

__all__ = ["AioClient", "FleetShared"]


@dataclass
class FleetShared:
    """What a process's devices share: the TLS context (the site's CA), a bound
    on TLS handshakes in flight, and memos that save the process's CPU and
    memory without saving the hub any work."""

    context: ssl.SSLContext
    handshakes: asyncio.Semaphore
    # Epoch key signatures this process has verified (every kiosk of a route
    # checks the same few keys: once is enough for the simulator's CPU).
    checked: set[tuple[Any, ...]] = field(default_factory=set)
    # One object per distinct epoch key, however many kiosks keep it.
    keys: dict[EpochPublicKey, EpochPublicKey] = field(default_factory=dict)
    _addresses: dict[str, HubAddress] = field(default_factory=dict)

    @classmethod
    def for_ca(cls, ca_file: Path, handshakes: int) -> FleetShared:
        # Certificate and host name are both checked, as kiosk/client/tls.py does.
        context = ssl.create_default_context(cafile=str(ca_file))
        return cls(context, asyncio.Semaphore(handshakes))

    def address(self, hub_url: str) -> HubAddress:
        found = self._addresses.get(hub_url)
        if found is None:
            found = self._addresses[hub_url] = HubAddress.of(hub_url, self.context)
        return found


class AioClient:
    def __init__(self, config: DeviceConfig, keys: DeviceKeys, shared: FleetShared) -> None:
        self.config = config
        self.keys = keys
        self.shared = shared
        self.address = shared.address(config.hub_url)
        self._idle: list[HubLink] = []
        self._stream: HubLink | None = None
        self.epoch_cache = EpochKeyCache(publishers_file=config.directory / "epoch-key-consoles")
        self.reply_keys: dict[str, EphemeralKey] = {}

    def close(self) -> None:
        for link in [*self._idle, *([self._stream] if self._stream else [])]:
            link.close()
        self._idle = []
        for ticket_id in list(self.reply_keys):
            self.forget_reply_key(ticket_id)

    def drop_closed(self) -> None:
        """Let go of kept connections the hub has closed (idle too long), and
        their buffers, before the next call would find them closed."""
        kept = []
        for link in self._idle:
            if link.alive():
                kept.append(link)
            else:
                link.close()
        self._idle = kept

    async def _open(self) -> HubLink:
        async with self.shared.handshakes:
            return await HubLink.open(self.address)

    async def _kept_or_new(self) -> HubLink:
        while self._idle:
            link = self._idle.pop()
            if link.alive():
                return link
            link.close()
        return await self._open()

    # -- calls ---------------------------------------------------------------
    async def request(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None = None,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> Answer:
        """A signed call and the hub's answer, 2xx or 304; HubRefused or
        HubUnreachable as `HubClient.request` raises them."""
        for attempt in (1, 2):
            link = await self._kept_or_new()
            kept = link.used
            data, sent = signed_call(
                self.keys, self.config.device_id, method, path, body, headers=headers
            )
            try:
                answer = await link.request(method, path, sent, data)
                break
            except HubUnreachable:
                # A kept connection the hub closed as the call went out (urllib3
                # checks for that before reuse): once more, signed afresh.
                if not kept or attempt == 2:
                    raise
        if link.reusable:
            self._idle.append(link)
        status = answer.status
        if status >= 400:
            raise refusal(status, answer.reason, answer.body)
        if 300 <= status < 400 and status != 304:
            raise HubRefused(status, "redirect", "the hub's address answered with a redirect")
        return answer

    async def call(
        self, method: str, path: str, body: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        answer = await self.request(method, path, body)
        try:
            doc = json.loads(answer.body)
        except ValueError:
            doc = None
        if not isinstance(doc, dict):
            raise HubRefused(answer.status, "bad_answer", "the hub answered no JSON object")
        return doc

    async def heartbeat(self, manifest_version: int) -> None:
        await self.call(
            "POST", "/v1/heartbeat", {"version": __version__, "manifest_version": manifest_version}
        )

    async def act(self, ticket_id: str, action: str, **fields: Any) -> dict[str, Any]:
        return await self.call("POST", f"/v1/tickets/{ticket_id}/{action}", fields or None)

    async def ticket(self, ticket_id: str) -> dict[str, Any]:
        return await self.call("GET", f"/v1/tickets/{ticket_id}")

    async def cancel(self, ticket_id: str) -> dict[str, Any]:
        return await self.call("POST", f"/v1/tickets/{ticket_id}/cancel")

    # -- events --------------------------------------------------------------
    async def events(self) -> AsyncIterator[dict[str, Any]]:
        """Server-sent events for this device until the stream ends or fails."""
        link = self._stream = await self._open()
        # Signed once connected: a wait for a handshake must not age the signature.
        _, sent = signed_call(self.keys, self.config.device_id, "GET", "/v1/events")
        answer, chunks = await link.stream("GET", "/v1/events", sent)
        if answer.status != 200:
            content = b"".join([c async for c in chunks])
            raise refusal(answer.status, answer.reason, content)
        # While the stream was down a console may have published a key unseen.
        self.epoch_cache.forget()
        decoder = SseDecoder()
        try:
            async for chunk in chunks:
                for data in decoder.feed(chunk):
                    event = json.loads(data)
                    kind = event.get("type") if isinstance(event, dict) else None
                    if kind == "epoch_keys":
                        self.epoch_cache.pushed(event.get("key"))
                    yield event
        except EventTooLarge as exc:
            raise HubUnreachable(f"event stream ended: {type(exc).__name__}") from None
        finally:
            link.close()

    # -- kiosk ---------------------------------------------------------------
    def reply_key(self, ticket_id: str) -> EphemeralKey:
        key = self.reply_keys.get(ticket_id)
        if key is None:
            key = self.reply_keys[ticket_id] = EphemeralKey()
        return key

    def forget_reply_key(self, ticket_id: str) -> None:
        key = self.reply_keys.pop(ticket_id, None)
        if key is not None:
            key.destroy()

    async def epoch_keys(self, site: Site) -> dict[str, EpochPublicKey]:
        """As `HubClient.epoch_keys`: kept ones, or fetched and checked now."""
        kept = self.epoch_cache.get(site)
        if kept is not None:
            return kept
        generation = self.epoch_cache.generation
        try:
            doc = await self.call("GET", "/v1/epoch-keys")
        except HubRefused as exc:
            if exc.status != 404:
                raise
            return {}
        signed: set[str] = set()
        fresh = verified_epoch_keys(site, doc, checked=self.shared.checked, signed=signed)
        keys = {d: self.shared.keys.setdefault(k, k) for d, k in fresh.items()}
        self.epoch_cache.saw_publishers(site, signed)
        self.epoch_cache.put(site, keys, generation)
        return keys

    async def submit_ticket(self, site: Site, ticket_id: str, body: TicketBody) -> dict[str, Any]:
        """As `HubClient.submit_ticket`: sealed to the route's staff keys, then sent."""
        device_id = self.config.device_id
        location, readers = ticket_readers(site, device_id, body, time.time())
        cache = self.epoch_cache
        recipients, key_ids, left_out = sealing_keys(readers, await self.epoch_keys(site), cache)
        if not recipients:  # perhaps only the kept keys are stale: fetch them once more
            cache.forget()
            recipients, key_ids, left_out = sealing_keys(
                readers, await self.epoch_keys(site), cache
            )
        check_recipients(recipients, key_ids, left_out, cache)
        doc = sealed_ticket_doc(
            site,
            self.keys,
            device_id,
            ticket_id,
            location,
            body,
            (recipients, key_ids),
            lambda: self.reply_key(ticket_id).public,
            time.time(),
        )
        return await self.call("POST", "/v1/tickets", doc)
