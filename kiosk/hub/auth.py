"""Authenticating every call: a device of the current manifest, a fresh
timestamp, a nonce never seen before, and a valid Ed25519 signature."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

from kiosk.core.errors import BadSignature
from kiosk.core.site import DeviceRecord, Site
from kiosk.crypto import verify_request
from kiosk.crypto.signing import request_message

__all__ = ["AuthError", "Authenticator", "Call", "Signed", "replayed"]

# An Ed25519 signature is 64 bytes, 88 characters of base64: room to spare.
_MAX_SIGNATURE_TEXT = 128


@dataclass(frozen=True)
class AuthError(Exception):
    code: str
    message: str


def replayed() -> AuthError:
    return AuthError("replay", "this request was already received")


class Call(NamedTuple):
    """What authenticating a call reads of it."""

    headers: dict[str, str]  # names in lower case
    method: str
    path: str  # with the query, as signed
    body: bytes


@dataclass(frozen=True, slots=True)
class Signed:
    """A call whose signature verified; its nonce is not yet known to be unused."""

    device: DeviceRecord
    nonce: str
    expires_at: float  # when its nonce may be forgotten: a replay is stale by then


class Authenticator:
    """Checks a call's device, clock and signature (`verify`); nonces are kept in
    this process (`authenticate`) or, behind a load balancer, in a store shared
    by every hub (the caller's, after `verify`)."""

    def __init__(self, clock_skew_seconds: int) -> None:
        self._skew = clock_skew_seconds
        self._lock = threading.Lock()
        # nonce → expiry; bounded by the clock window, so it cannot grow without end
        self._seen: OrderedDict[tuple[str, str], float] = OrderedDict()

    def authenticate(self, site: Site | None, call: Call) -> DeviceRecord:
        """`verify`, and the nonce never seen by this process before."""
        signed = self.verify(site, call)
        key = (signed.device.id, signed.nonce)
        with self._lock:  # on the event loop, or worker threads when it must wait
            now = time.time()
            while self._seen and next(iter(self._seen.values())) < now:
                self._seen.popitem(last=False)
            if key in self._seen:
                raise replayed()
            self._seen[key] = signed.expires_at
        return signed.device

    def check_headers(self, site: Site | None, headers: Mapping[str, str]) -> DeviceRecord:
        """What can be checked before the body is read: the four headers are there
        and of their shape, the device is in `site`, the timestamp is fresh. A
        stranger is then refused at once, not after a body trickled in for minutes.
        `headers` are looked up by lower-case name."""
        device_id = headers.get("kiosk-device", "")
        timestamp = headers.get("kiosk-timestamp", "")
        nonce = headers.get("kiosk-nonce", "")
        signature = headers.get("kiosk-signature", "")
        if not (device_id and timestamp and nonce and signature):
            raise AuthError("unauthenticated", "this call must be signed by an enrolled device")
        device = site.device(device_id) if site else None
        if device is None:
            raise AuthError("unknown_device", "this device is not enrolled at this site")
        if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
            raise AuthError("bad_timestamp", "timestamp must be whole seconds")
        if abs(time.time() - int(timestamp)) > self._skew:
            raise AuthError(
                "clock_skew", f"device clock is more than {self._skew} s away from the hub's"
            )
        if len(nonce) > 64:
            raise AuthError("bad_nonce", "nonce too long")
        if len(signature) > _MAX_SIGNATURE_TEXT:
            raise AuthError("bad_signature", "request signature does not verify")
        return device

    def verify(self, site: Site | None, call: Call) -> Signed:
        """A device of `site`, a fresh timestamp and a valid signature; raises AuthError."""
        headers, method, path, body = call
        device = self.check_headers(site, headers)
        timestamp, nonce = headers["kiosk-timestamp"], headers["kiosk-nonce"]
        signature = headers["kiosk-signature"]
        now = time.time()
        try:
            verify_request(
                device.sign_public,
                request_message(method, path, timestamp, nonce, body),
                signature,
            )
        except BadSignature:
            raise AuthError("bad_signature", "request signature does not verify") from None
        return Signed(device, nonce, now + 2 * self._skew)
