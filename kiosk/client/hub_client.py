"""Signed calls to the hub over TLS. Blocking: apps call it from worker threads."""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from collections.abc import Iterator, Mapping
from typing import Any

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
from kiosk.client.transport import HubRequest, HubResponse, TlsTransport, Transport, refusal
from kiosk.core.body import TicketBody, binding_bytes
from kiosk.core.categories import Category, Urgency
from kiosk.core.epoch_key import EpochKeyRecord
from kiosk.core.errors import (
    BadSignature,
    CannotOpen,
    HubRefused,
    HubUnreachable,
    SiteError,
)
from kiosk.core.site import DeviceRecord, DeviceRole, Site
from kiosk.crypto import (
    DeviceKeys,
    EphemeralKey,
    open_ticket,
    sign_epoch_key,
    verify_manifest,
    verify_ticket,
)
from kiosk.crypto.sealing import ReceivingKey
from kiosk.crypto.signing import SIGNATURE_LENGTH

__all__ = ["HubClient", "OpenedTicket"]

# Until a verified manifest says how long requests live (request_expiry_seconds),
# the longest any site may let one stay open (kiosk/operator/site_file.py).
_MAX_TICKET_AGE = 24 * 3600
_CLOCK_SLACK = 300
_LOG = logging.getLogger("kiosk.client")


class OpenedTicket:
    """A staff console's view: routing metadata from the hub plus the body it decrypted."""

    def __init__(self, view: dict[str, Any], body: TicketBody) -> None:
        self.view = view
        self.body = body


class HubClient:
    """One device's signed calls to its hub.

    `call` is the general API (a signed JSON request, the hub's JSON answer);
    the other methods are the protocol's steps built on it. `transport` carries
    the requests: by default HTTPS to `config.hub_url` pinned to the site's CA
    (closed with the client); a transport passed in is closed by its owner.
    """

    def __init__(
        self, config: DeviceConfig, keys: DeviceKeys, transport: Transport | None = None
    ) -> None:
        self.config = config
        self.keys = keys
        self._own_transport = transport is None
        self.transport: Transport = (
            TlsTransport(config.hub_url, config.ca_file) if transport is None else transport
        )
        self._site: Site | None = None  # newest verified manifest; never rolled back
        self._site_fetched: float | None = None  # monotonic time it was last confirmed newest
        # The version floor survives restarts: a hub cannot roll a rebooted
        # device back to a manifest that still lists a revoked reader.
        self._floor_file = config.directory / "manifest-version"
        self._site_lock = threading.Lock()
        # A kiosk's short-lived reply key per open ticket (memory only): staff seal
        # replies to it, and it is destroyed when the ticket closes.
        self.reply_keys: dict[str, EphemeralKey] = {}
        self._reply_lock = threading.Lock()
        # Which consoles publish epoch keys survives restarts too (public facts).
        self.epoch_cache = EpochKeyCache(publishers_file=config.directory / "epoch-key-consoles")

    def close(self) -> None:
        if self._own_transport and isinstance(self.transport, TlsTransport):
            self.transport.close()
        self.forget_reply_keys()

    def reply_key(self, ticket_id: str) -> EphemeralKey:
        """This ticket's reply key: made once, so a retried submit carries the same."""
        with self._reply_lock:
            key = self.reply_keys.get(ticket_id)
            if key is None:
                key = self.reply_keys[ticket_id] = EphemeralKey()
            return key

    def forget_reply_keys(self) -> None:
        for ticket_id in list(self.reply_keys):
            self.forget_reply_key(ticket_id)

    def forget_reply_key(self, ticket_id: str) -> None:
        """The ticket closed: destroy its reply key; its replies can never be opened again."""
        with self._reply_lock:
            key = self.reply_keys.pop(ticket_id, None)
        if key is not None:
            key.destroy()

    # -- calls ---------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None = None,
        *,
        signed: bool = True,
        stream: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> HubResponse:
        """Send one call (`body` as JSON; signed by this device unless `signed`
        is false) and return the hub's answer, 2xx or 304; close a streamed one.

        HubUnreachable if no answer came; HubRefused for a 4xx/5xx or a redirect.
        """
        data, sent = signed_call(
            self.keys, self.config.device_id, method, path, body, signed=signed, headers=headers
        )
        response = self.transport.send(HubRequest(method, path, sent, data, stream))
        status = response.status_code
        if status >= 400 or (300 <= status < 400 and status != 304):
            content = b"" if status < 400 else response.read()
            response.close()
            if status >= 400:
                raise refusal(status, response.reason, content)
            # A signed call must not go on to wherever a redirect points.
            raise HubRefused(status, "redirect", "the hub's address answered with a redirect")
        return response

    def call(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None = None,
        *,
        signed: bool = True,
    ) -> dict[str, Any]:
        """One JSON call to the hub and its JSON answer, e.g.
        `client.call("GET", f"/v1/tickets/{ticket_id}")`.

        HubUnreachable if no answer came; HubRefused if the hub refused it
        (its error code and message), redirected it, or answered no JSON object.
        """
        response = self.request(method, path, body, signed=signed)
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise HubRefused(response.status_code, "bad_answer", "the hub answered no JSON object")
        return answer

    # -- site ------------------------------------------------------------------
    def site(self, max_age: float | None = None) -> Site:
        """The newest site manifest, verified against the pinned site key; with
        `max_age`, the one verified at most that many seconds ago if there is one
        (a large site's manifest is big, and it changes seldom)."""
        with self._site_lock:
            kept, fetched = self._site, self._site_fetched
        fresh = (
            fetched is not None
            and max_age is not None
            and time.monotonic() - fetched <= max_age
            and kept is not None
            and not kept.expired(time.time())  # an expired one: ask for its successor
        )
        if kept is not None and fresh:
            return kept
        # The hub answers 304 without the document if the one kept is its newest.
        have = {"If-None-Match": f'"{kept.version}"'} if kept is not None else None
        response = self.request("GET", "/v1/manifest", headers=have)
        if response.status_code == 304 and kept is not None:
            with self._site_lock:
                self._site_fetched = time.monotonic()
            return kept
        signed = response.json()
        with self._site_lock:  # two threads may fetch at once; the floor only rises
            site = Site.from_document(
                verify_manifest(signed, self.config.site_public, self._floor())
            )
            if self._site is None or site.version > self._site.version:
                self._floor_file.write_text(f"{site.version}\n")
                self._site = site
            self._site_fetched = time.monotonic()
            return self._site

    def kept_site(self) -> Site | None:
        """The newest manifest this device has verified, without asking the hub."""
        with self._site_lock:
            return self._site

    def site_changed(self) -> None:
        """The hub pushed a new manifest: the next site(max_age=...) fetches it."""
        with self._site_lock:
            self._site_fetched = None

    def _floor(self) -> int:
        if self._site is not None:
            return self._site.version
        try:
            return int(self._floor_file.read_text().strip() or 0)
        except (FileNotFoundError, ValueError):
            return 0

    # -- kiosk -------------------------------------------------------------------
    def submit_ticket(self, site: Site, ticket_id: str, body: TicketBody) -> dict[str, Any]:
        """Seal `body` to the staff devices of this kiosk's route and send it.

        Safe to retry with the same id: the hub stores a ticket once.
        """
        device_id = self.config.device_id
        location, readers = ticket_readers(site, device_id, body, time.time())
        # Epoch keys where they are; no copy for a console that publishes them but
        # has none now; a long-term key only for one never seen publishing any
        # (docs/trust.md, "A console without an epoch key").
        recipients, key_ids, left_out = sealing_keys(
            readers, self.epoch_keys(site), self.epoch_cache
        )
        if not recipients:  # perhaps only the kept keys are stale: fetch them once more
            self.epoch_cache.forget()
            recipients, key_ids, left_out = sealing_keys(
                readers, self.epoch_keys(site), self.epoch_cache
            )
        check_recipients(recipients, key_ids, left_out, self.epoch_cache)
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
        return self.call("POST", "/v1/tickets", doc)

    def epoch_keys(self, site: Site) -> dict[str, EpochPublicKey]:
        """The route consoles' checked epoch keys: kept ones, or fetched now.
        A kiosk calls this when its stream connects, so a request never waits for it."""
        kept = self.epoch_cache.get(site)
        if kept is not None:
            return kept
        generation = self.epoch_cache.generation
        try:
            doc = self.call("GET", "/v1/epoch-keys")
        except HubRefused as exc:
            if exc.status != 404:  # a hub too old to know epoch keys: long-term keys
                raise
            return {}
        signed: set[str] = set()
        keys = verified_epoch_keys(site, doc, checked=self.epoch_cache.checked, signed=signed)
        self.epoch_cache.saw_publishers(site, signed)
        self.epoch_cache.put(site, keys, generation)
        return keys

    def cancel(self, ticket_id: str) -> dict[str, Any]:
        return self.call("POST", f"/v1/tickets/{ticket_id}/cancel")

    def ticket(self, ticket_id: str) -> dict[str, Any]:
        """The hub's view of one ticket this device may see."""
        return self.call("GET", f"/v1/tickets/{ticket_id}")

    # -- staff -------------------------------------------------------------------
    def open_ticket(
        self, view: dict[str, Any], epoch_keys: Mapping[bytes, ReceivingKey] | None = None
    ) -> OpenedTicket:
        """Decrypt this device's sealed copy and check who sent it.

        A copy sealed to an epoch key opens only with that key from `epoch_keys`
        (key id → key); one sealed to this device's long-term key with that.

        CannotOpen if it is not for us or was altered; BadSignature if the
        kiosk it names did not sign it (a hub cannot invent requests), or if
        it is stale (a hub cannot replay an old one).
        """
        try:
            sealed = base64.b64decode(str(view.get("sealed") or ""), validate=True)
            binding = binding_bytes(
                str(view["id"]),
                str(view["location_id"]),
                Category(view["category"]),
                Urgency(view["urgency"]),
            )
            kiosk_id = str(view["kiosk_id"])
        except (KeyError, ValueError, TypeError):
            raise CannotOpen("the hub sent a malformed request") from None
        plain = open_ticket(sealed, self.keys, binding, epoch_keys)
        body_bytes, signature = plain[:-SIGNATURE_LENGTH], plain[-SIGNATURE_LENGTH:]
        kiosk = self._known_kiosk(kiosk_id)
        if kiosk.location_id != view["location_id"]:
            raise BadSignature("the request claims a location its kiosk is not at")
        verify_ticket(kiosk.sign_public, kiosk_id, binding, body_bytes, signature)
        body = TicketBody.from_bytes(body_bytes)
        if (body.category.value, body.urgency.value) != (view["category"], view["urgency"]):
            raise SiteError("routing metadata does not match the sealed body")
        if not -_CLOCK_SLACK <= time.time() - body.sent_at <= self.max_ticket_age():
            raise BadSignature("this request is too old to be genuine")
        return OpenedTicket(view, body)

    def max_ticket_age(self) -> float:
        """How old a genuine open request can be: the site's request lifetime (it
        expires and is deleted after that) plus clock slack. Anything older is a
        hub replaying a request that has long closed."""
        site = self.kept_site()
        lifetime = site.limits.request_expiry_seconds if site is not None else _MAX_TICKET_AGE
        return float(lifetime + _CLOCK_SLACK)

    def _known_kiosk(self, kiosk_id: str) -> DeviceRecord:
        """The kiosk in the verified manifest (refetched once: it may be newly enrolled)."""
        for refresh in (False, True):
            site = self.site() if refresh or self._site is None else self._site
            record = site.device(kiosk_id)
            if record is not None and record.role is DeviceRole.KIOSK:
                return record
        raise BadSignature("the request names a kiosk this site does not list")

    def act(
        self,
        ticket_id: str,
        action: str,
        eta_minutes: int | None = None,
        *,
        group: str | None = None,
    ) -> dict[str, Any]:
        """accept (with an ETA), resolve, delivered, hand_over (to `group`; none:
        back to colleagues of this device's group) or not_found."""
        doc: dict[str, Any] = {}
        if eta_minutes is not None:
            doc["eta_minutes"] = eta_minutes
        if group is not None:
            doc["group"] = group
        return self.call("POST", f"/v1/tickets/{ticket_id}/{action}", doc or None)

    def heartbeat(self, version: str) -> None:
        self.call("POST", "/v1/heartbeat", {"version": version, "manifest_version": self._floor()})

    def set_duty(self, on_duty: bool) -> bool:
        """Go on or off duty; the hub's answer (off duty: no alerts on this console)."""
        return bool(self.call("POST", "/v1/duty", {"on_duty": on_duty})["on_duty"])

    def publish_epoch_key(self, key: EpochPublicKey) -> None:
        """Sign `key` with this console's long-term identity key and hand it to the hub."""
        device_id = self.config.device_id
        signature = sign_epoch_key(
            self.keys, device_id, key.epoch_id, key.not_before, key.not_after, key.public
        )
        record = EpochKeyRecord(
            device_id, key.epoch_id, key.not_before, key.not_after, key.public, signature
        )
        body = record.view()
        del body["device_id"]  # the hub takes it from the call's signature
        self.call("POST", "/v1/epoch-keys", body)

    # -- events --------------------------------------------------------------------
    def events(self) -> Iterator[dict[str, Any]]:
        """Server-sent events for this device until the stream ends or fails."""
        response = self.request("GET", "/v1/events", stream=True)
        # While the stream was down a console may have published a key unseen.
        self.epoch_cache.forget()
        self.site_changed()  # and perhaps a manifest
        decoder = SseDecoder()
        try:
            for chunk in response.iter_bytes():
                for data in decoder.feed(chunk):
                    event = json.loads(data)
                    kind = event.get("type") if isinstance(event, dict) else None
                    if kind == "epoch_keys":
                        self.epoch_cache.pushed(event.get("key"))
                    elif kind == "manifest":
                        self.site_changed()
                    yield event
        except EventTooLarge as exc:
            raise HubUnreachable(f"event stream ended: {type(exc).__name__}") from None
        finally:
            response.close()
