"""Staff consoles' epoch keys, on the hub: stored and served, never made here.

    POST /v1/epoch-keys   a staff console publishes its key for an epoch
    GET  /v1/epoch-keys   every device: the unexpired keys of the site's staff

Each key is the public half of a receiving key that lives only in the
console's memory, signed with the console's long-term identity key (which the
operator-signed manifest lists). The hub checks the signature only to turn
away junk early: kiosks check it themselves, so a hub cannot substitute a key
of its own. Only public data is stored; rows are pruned once expired.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy import delete, select
from sqlalchemy.orm import sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kiosk.core.epoch_key import EpochKeyRecord
from kiosk.core.errors import BadSignature
from kiosk.core.events import EpochKeyPublished
from kiosk.core.site import DeviceRole
from kiosk.crypto import verify_epoch_key
from kiosk.hub.api_errors import ApiError
from kiosk.hub.field_rules import parse
from kiosk.hub.guarded import by_method, guarded_route
from kiosk.hub.large_response import piecewise_json
from kiosk.hub.logs import log_event
from kiosk.hub.models import EpochKeyRow
from kiosk.hub.publisher import Publisher
from kiosk.hub.request_models import EpochKeyIn
from kiosk.hub.signed_calls import Caller, SignedCalls
from kiosk.hub.store import Store

__all__ = ["EpochKeyStore", "StoredEpochKey", "epoch_key_routes"]

# A week: far longer than a sensible epoch, bounded against a faulty console.
MAX_EPOCH_SECONDS = 7 * 24 * 3600
# A console publishes its next key shortly before the current one ends.
MAX_KEYS_PER_DEVICE = 3
# How long the unexpired keys read once answer GET /v1/epoch-keys without the
# database. Every kiosk asks at each (re)connect: after a hub restart that is
# every kiosk of the site within a minute, each a read of every key. A key
# stored here is served at once; one stored by another hub on the same
# PostgreSQL database (which pushes it to kiosks itself) at most this late.
KEPT_SECONDS = 2.0


StoredEpochKey = EpochKeyRecord  # one record for hub and devices (kiosk/core)


class EpochKeyStore:
    def __init__(self, store: Store, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._store = store
        self._sessions = sessionmaker(store.engine, expire_on_commit=False)
        self._monotonic = monotonic
        self._lock = threading.Lock()
        # (read at, unexpired keys then) and the puts so far: a read that began
        # before a put is not kept after it.
        self._kept: tuple[float, list[StoredEpochKey]] | None = None
        self._puts = 0

    def put(self, key: StoredEpochKey, now: float) -> None:
        """Store (or restore) a key; drop this device's expired and surplus ones."""
        try:
            self._write(key, now)
        finally:
            with self._lock:
                self._kept, self._puts = None, self._puts + 1

    def _write(self, key: StoredEpochKey, now: float) -> None:
        with self._store.write_lock, self._sessions.begin() as s:
            s.merge(
                EpochKeyRow(
                    device_id=key.device_id,
                    epoch_id=key.epoch_id,
                    not_before=key.not_before,
                    not_after=key.not_after,
                    public=key.public,
                    signature=key.signature,
                )
            )
            s.flush()
            s.execute(delete(EpochKeyRow).where(EpochKeyRow.not_after < now))
            rows = s.scalars(
                select(EpochKeyRow)
                .where(EpochKeyRow.device_id == key.device_id)
                .order_by(EpochKeyRow.not_before.desc())
            ).all()
            for row in rows[MAX_KEYS_PER_DEVICE:]:
                s.delete(row)

    def kept(self, now: float) -> list[StoredEpochKey] | None:
        """The unexpired keys at `now` without the database, if read lately; else None."""
        with self._lock:
            kept = self._kept
        if kept is None or self._monotonic() - kept[0] > KEPT_SECONDS:
            return None
        return [k for k in kept[1] if k.not_after >= now]

    def current(self, now: float) -> list[StoredEpochKey]:
        """The keys unexpired at `now` (blocking: a worker thread's)."""
        if (kept := self.kept(now)) is not None:
            return kept
        with self._lock:
            puts, read_at = self._puts, self._monotonic()
        with self._sessions() as s:
            rows = s.scalars(select(EpochKeyRow).where(EpochKeyRow.not_after >= now)).all()
            keys = [
                StoredEpochKey(
                    r.device_id, r.epoch_id, r.not_before, r.not_after, r.public, r.signature
                )
                for r in rows
            ]
        with self._lock:
            if self._puts == puts:
                self._kept = (read_at, keys)
        return keys


def epoch_key_routes(calls: SignedCalls, keys: EpochKeyStore, publisher: Publisher) -> list[Route]:
    async def post_epoch_key(request: Request, caller: Caller) -> Response:
        device = caller.device
        if device.role is not DeviceRole.STAFF:
            raise ApiError(403, "staff_only", "only a staff device publishes epoch keys")
        now = time.time()
        key = _checked_key(caller, now)
        await run_in_threadpool(keys.put, key, now)
        log_event("epoch_key.stored", device=device.id)
        # Kiosks keep the keys they checked between requests: this one is pushed to them.
        publisher.everywhere(EpochKeyPublished(key))
        return JSONResponse(key.view(), status_code=201)

    async def get_epoch_keys(request: Request, caller: Caller) -> Response:
        device, site = caller.device, caller.site
        if device.role is DeviceRole.KIOSK and device.location_id is not None:
            # A kiosk seals only to the consoles of its own routes: a national
            # site's other keys would be most of every answer.
            staff = site.readers_at(device.location_id)
        else:
            staff = frozenset(d.id for d in site.devices if d.role is DeviceRole.STAFF)
        now = time.time()
        current = keys.kept(now)
        if current is None:
            current = await run_in_threadpool(keys.current, now)
        return piecewise_json({"keys": [k.view() for k in current if k.device_id in staff]})

    handler = by_method(
        GET=calls.authenticated(get_epoch_keys), POST=calls.authenticated(post_epoch_key)
    )
    return [guarded_route("/v1/epoch-keys", handler, ["GET", "POST"])]


def _checked_key(caller: Caller, now: float) -> EpochKeyRecord:
    """The key in the body, if well formed and signed by the calling console."""
    body = parse(EpochKeyIn, caller.doc())
    epoch_id, not_before, not_after = body.epoch_id, body.not_before, body.not_after
    if not not_before < not_after <= not_before + MAX_EPOCH_SECONDS or not_after < now:
        raise ApiError(400, "bad_epoch_key", "the validity window is empty, too long or over")
    public, signature = body.public, body.signature
    device = caller.device
    try:
        verify_epoch_key(
            device.sign_public, device.id, epoch_id, not_before, not_after, public, signature
        )
    except BadSignature:
        raise ApiError(400, "bad_signature", "the epoch key is not signed by this device") from None
    return EpochKeyRecord(device.id, epoch_id, not_before, not_after, public, signature)
