"""A staff console's epoch keys: made in memory, published signed, destroyed.

Each epoch (a shift by default) the console makes a fresh receiving key that is
never written to disk; kiosks seal new requests to it. Shortly before an epoch
ends the next key is made and published, so kiosks move on in time. A key is
kept while its epoch lasts, plus the longest escalation delay of the
console's group (a request sealed near the end of an epoch reaches a later
escalation step only after that delay), and afterwards only while an open
request in the inbox was opened with it; then it is destroyed, and no key anywhere (this
console's long-term key included) opens any copy sealed to it: not one in the
hub's database, its WAL or a backup. After a restart the console has a new
key; requests sealed to the lost one are read by the route's other consoles.

What the hub says cannot keep a key alive: a request it shows that did not
open with the key does not count, and every key is destroyed once any request
sealed to it must have expired (`KeyRing.hard_end`), open or not. Once this
console has published a key, a copy sealed to its long-term key and sent after
that is refused (`open_request`): a hub that withholds epoch keys from kiosks
does not get requests it could later open with a stolen disk.

Kivy-free, so it is unit-tested; the publishing runs on its own thread.
"""

from __future__ import annotations

import base64
import binascii
import logging
import math
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from kiosk.client.epoch_keys import EpochPublicKey
from kiosk.client.hub_client import HubClient, OpenedTicket
from kiosk.core.errors import DowngradedSeal, KioskError
from kiosk.core.site import Site, SiteLimits
from kiosk.crypto import EphemeralKey, sealed_key_id
from kiosk.staff.inbox import StaffInbox

__all__ = [
    "DEFAULT_EPOCH_SECONDS",
    "EpochPublisher",
    "KeyRing",
    "escalation_grace",
    "needed_key_ids",
    "open_request",
]

_LOG = logging.getLogger("kiosk.staff")
# One shift. Shorter epochs shrink what a stolen, still-running console can
# open; longer ones lose fewer requests when a console restarts (each restart
# starts a new key). The long-term key opens none of them either way.
DEFAULT_EPOCH_SECONDS = 8 * 3600.0
# The longest a request may stay open by any site's limits (request_expiry_seconds).
MAX_OPEN_SECONDS = 24 * 3600.0
# Kiosks' and consoles' clocks differ, and a kiosk learns of a new key a moment late.
CLOCK_SLACK = 300.0
# A current key is published again this often: a hub that lost it (restored,
# replaced) has it back soon, and kiosks seal to it rather than to nobody.
REPUBLISH_SECONDS = 600.0


@dataclass
class _Epoch:
    public: EpochPublicKey
    key: EphemeralKey
    published_at: float | None = None  # when the hub last took it


class KeyRing:
    def __init__(self, device_id: str, epoch_seconds: float = DEFAULT_EPOCH_SECONDS) -> None:
        if epoch_seconds <= 0:
            raise ValueError("an epoch lasts some seconds")
        self.device_id = device_id
        self.epoch_seconds = epoch_seconds
        # The next key is published this long before the current one ends.
        self.lead_seconds = min(300.0, epoch_seconds / 4)
        # Kept this long after the epoch for requests not yet due at this console.
        self.grace_seconds = 0.0
        # A request expires this long after it was sent (the manifest's limit).
        self.open_seconds = float(SiteLimits().request_expiry_seconds)
        # The start of the first key this console published (since it started).
        self.published_since: int | None = None
        self._epochs: dict[bytes, _Epoch] = {}
        self._lock = threading.Lock()

    def rotate(self, now: float) -> list[EpochPublicKey]:
        """Make the next epoch's key when due; the keys to publish (not yet, or again)."""
        with self._lock:
            if not any(e.public.not_after - self.lead_seconds > now for e in self._epochs.values()):
                key = EphemeralKey()
                public = EpochPublicKey(
                    device_id=self.device_id,
                    epoch_id=f"{int(now)}-{secrets.token_hex(4)}",
                    not_before=int(now),
                    not_after=math.ceil(now + self.epoch_seconds),
                    public=key.public,
                )
                self._epochs[key.key_id] = _Epoch(public, key)
                _LOG.info("event=epoch_key.made")
            return [
                e.public
                for e in self._epochs.values()
                if e.published_at is None
                or (e.public.not_after > now and now - e.published_at >= REPUBLISH_SECONDS)
            ]

    def mark_published(self, key_id: bytes, now: float | None = None) -> None:
        with self._lock:
            epoch = self._epochs.get(key_id)
            if epoch is not None:
                epoch.published_at = epoch.public.not_before if now is None else now
                start = epoch.public.not_before
                if self.published_since is None or start < self.published_since:
                    self.published_since = start

    def refuses_long_term(self, sent_at: float) -> bool:
        """A copy sealed to the long-term key, sent then, is a downgrade: kiosks
        had (or should have had) this console's epoch key by then."""
        since = self.published_since
        return since is not None and sent_at > since + CLOCK_SLACK

    def hard_end(self, public: EpochPublicKey) -> float:
        """When the key is destroyed whatever the inbox holds: a request sealed to
        it was sent before its window closed, and expires after `open_seconds`."""
        hold = min(max(self.grace_seconds, self.open_seconds), MAX_OPEN_SECONDS)
        return public.not_after + hold + CLOCK_SLACK

    def held(self) -> dict[bytes, EphemeralKey]:
        """Key id → key, for opening: every key not yet destroyed."""
        with self._lock:
            return {key_id: e.key for key_id, e in self._epochs.items()}

    def sweep(self, now: float, needed: Iterable[bytes]) -> int:
        """Destroy the keys whose epoch has ended and that no open request needs,
        and every key past its hard end, needed or not."""
        keep = set(needed)
        with self._lock:
            gone = [
                key_id
                for key_id, e in self._epochs.items()
                if (e.public.not_after + self.grace_seconds <= now and key_id not in keep)
                or self.hard_end(e.public) <= now
            ]
            epochs = [self._epochs.pop(key_id) for key_id in gone]
        for epoch in epochs:
            epoch.key.destroy()
        if epochs:
            _LOG.info("event=epoch_key.destroyed count=%d", len(epochs))
        return len(epochs)

    def destroy_all(self) -> None:
        with self._lock:
            epochs, self._epochs = list(self._epochs.values()), {}
        for epoch in epochs:
            epoch.key.destroy()


def escalation_grace(site: Site, device_id: str) -> float:
    """The longest a request waits before it is due at this console (its escalation step)."""
    record = site.device(device_id)
    group = record.group_id if record is not None else None
    delays = [s.after_seconds for r in site.routes for s in r.steps if s.group_id == group]
    return float(max(delays, default=0))


def needed_key_ids(inbox: StaffInbox) -> set[bytes]:
    """The epoch keys that the open requests in the inbox were opened with.

    An item this console could not open keeps no key: a hub cannot keep an old
    key alive by showing a made-up request that names it."""
    needed = set()
    for item in list(inbox.items.values()):
        if item.body is None:
            continue
        try:
            key_id = sealed_key_id(base64.b64decode(item.view.sealed or ""))
        except (binascii.Error, ValueError):
            continue
        if key_id is not None:
            needed.add(key_id)
    return needed


def open_request(client: HubClient, ring: KeyRing, view: dict[str, Any]) -> OpenedTicket:
    """Open this console's copy of a request with its epoch keys.

    DowngradedSeal if the copy was sealed to the long-term key although the
    kiosk sent it (by its own signed clock) after this console had published
    an epoch key: kiosks that know a console publishes keys never do that, so a
    hub withheld the key. The staff see the request without its details.
    """
    opened = client.open_ticket(view, ring.held())
    long_term = sealed_key_id(base64.b64decode(str(view["sealed"]))) is None
    if long_term and ring.refuses_long_term(opened.body.sent_at):
        _LOG.error("event=ticket.long_term_copy_refused")
        raise DowngradedSeal("sealed to the long-term key while an epoch key was published")
    return opened


class EpochPublisher:
    """Makes each epoch's key when due and publishes it, retrying until the hub has it."""

    def __init__(
        self,
        client: HubClient,
        ring: KeyRing,
        clock: Callable[[], float],
        interval: float | None = None,
    ) -> None:
        self._client = client
        self._ring = ring
        self._clock = clock
        self._interval = interval or max(0.2, min(5.0, ring.lead_seconds / 4))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="epoch-keys", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def publish_due(self) -> None:
        due = self._ring.rotate(self._clock())
        if due:  # the manifest may have changed the escalation steps since
            site = self._client.site()
            self._ring.grace_seconds = escalation_grace(site, self._client.config.device_id)
            self._ring.open_seconds = float(site.limits.request_expiry_seconds)
        for public in due:
            self._client.publish_epoch_key(public)
            self._ring.mark_published(public.key_id, self._clock())
            _LOG.info("event=epoch_key.published")

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.publish_due()
            except KioskError as exc:  # hub away: kiosks fall back meanwhile; retry
                _LOG.info("event=epoch_key.publish_failed kind=%s", type(exc).__name__)
            except Exception:
                _LOG.exception("event=epoch_key.publish_failed")
            self._stop.wait(self._interval)
