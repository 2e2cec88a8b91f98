"""Authenticating every call: a device of the current manifest, a fresh
timestamp, a nonce never seen before, and a valid Ed25519 signature."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.core.errors import BadSignature
from kiosk.core.site import DeviceRecord, Site
from kiosk.crypto import verify_request
from kiosk.crypto.signing import request_message

__all__ = ["AuthError", "Authenticator"]


@dataclass(frozen=True)
class AuthError(Exception):
    code: str
    message: str


class Authenticator:
    """`remember(device, nonce, expires_at)` -> False if seen: a store shared by
    every hub (PostgreSQL); without one, nonces are kept in this process."""

    def __init__(
        self,
        clock_skew_seconds: int,
        remember: Callable[[str, str, float], bool] | None = None,
    ) -> None:
        self._skew = clock_skew_seconds
        self._shared_remember = remember
        self._lock = threading.Lock()
        # nonce → expiry; bounded by the clock window, so it cannot grow without end
        self._seen: OrderedDict[tuple[str, str], float] = OrderedDict()

    @property
    def nonces_here(self) -> bool:
        """Nonces kept in this process: authenticating needs no database."""
        return self._shared_remember is None

    def authenticate(
        self,
        site: Site | None,
        headers: dict[str, str],
        method: str,
        path: str,
        body: bytes,
    ) -> DeviceRecord:
        device_id = headers.get("kiosk-device", "")
        timestamp = headers.get("kiosk-timestamp", "")
        nonce = headers.get("kiosk-nonce", "")
        signature = headers.get("kiosk-signature", "")
        if not (device_id and timestamp and nonce and signature):
            raise AuthError("unauthenticated", "this call must be signed by an enrolled device")
        device = site.device(device_id) if site else None
        if device is None:
            raise AuthError("unknown_device", "this device is not enrolled at this site")
        try:
            ts = int(timestamp)
        except ValueError:
            raise AuthError("bad_timestamp", "timestamp must be whole seconds") from None
        now = time.time()
        if abs(now - ts) > self._skew:
            raise AuthError(
                "clock_skew", f"device clock is more than {self._skew} s away from the hub's"
            )
        if len(nonce) > 64:
            raise AuthError("bad_nonce", "nonce too long")
        try:
            verify_request(
                device.sign_public,
                request_message(method, path, timestamp, nonce, body),
                signature,
            )
        except BadSignature:
            raise AuthError("bad_signature", "request signature does not verify") from None
        self._remember(device_id, nonce, now)
        return device

    def _remember(self, device_id: str, nonce: str, now: float) -> None:
        if self._shared_remember is not None:
            if not self._shared_remember(device_id, nonce, now + 2 * self._skew):
                raise AuthError("replay", "this request was already received")
            return
        with self._lock:  # on the event loop, or worker threads when it must wait
            self._remember_here((device_id, nonce), now)

    def _remember_here(self, key: tuple[str, str], now: float) -> None:
        while self._seen and next(iter(self._seen.values())) < now:
            self._seen.popitem(last=False)
        if key in self._seen:
            raise AuthError("replay", "this request was already received")
        self._seen[key] = now + 2 * self._skew
