"""Epoch keys on the devices: a staff console publishes its key for the epoch
(`HubClient.publish_epoch_key`); a kiosk fetches the keys of its route's
consoles (`HubClient.epoch_keys`), checks each one itself and keeps them here.

Blocking: call from worker threads.
"""

from __future__ import annotations

import binascii
import logging
import os
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.core.epoch_key import EpochKeyRecord
from kiosk.core.errors import BadSignature
from kiosk.core.site import DeviceRecord, DeviceRole, Site
from kiosk.crypto import key_id_of, verify_epoch_key

__all__ = [
    "EpochKeyCache",
    "EpochPublicKey",
    "sealing_keys",
    "verified_epoch_keys",
]

_LOG = logging.getLogger("kiosk.client")
# Clocks differ a little: a key is used from slightly before its window opens.
_CLOCK_SLACK = 60
# A kept key set is fetched again after this long even if no push came.
_CACHE_SECONDS = 600.0
# ...and before any kept key's window closes (consoles publish the next key
# minutes ahead, so the fresh set holds it).
_CACHE_MARGIN = 10.0


@dataclass(frozen=True, slots=True)
class EpochPublicKey:
    device_id: str
    epoch_id: str
    not_before: int
    not_after: int
    public: bytes

    @property
    def key_id(self) -> bytes:
        return key_id_of(self.public)


def verified_epoch_keys(
    site: Site,
    doc: Any,
    now: float | None = None,
    checked: set[tuple[Any, ...]] | None = None,
    signed: set[str] | None = None,
) -> dict[str, EpochPublicKey]:
    """Staff device id → its current epoch key, from the hub's answer.

    Only keys that the device named signed (its identity key from the verified
    manifest), whose window holds `now`: a hub cannot slip in a key of its own,
    an expired one, or one device's key as another's. Among several valid keys
    of one device, the newest. `checked` remembers signatures already verified
    (with the identity key they were verified against), so each is checked once.
    `signed` collects the devices that signed any key in `doc`, current or not:
    they are consoles that publish epoch keys.
    """
    now = time.time() if now is None else now
    found: dict[str, EpochPublicKey] = {}
    entries = doc.get("keys") if isinstance(doc, dict) else None
    for entry in entries if isinstance(entries, list) else []:
        try:
            key = _checked(site, entry, now, checked, signed)
        except (BadSignature, KeyError, ValueError, TypeError, binascii.Error) as exc:
            _LOG.warning("event=epoch_key.refused kind=%s", type(exc).__name__)
            continue
        if key is None:
            continue
        best = found.get(key.device_id)
        if best is None or key.not_before > best.not_before:
            found[key.device_id] = key
    return found


def _checked(
    site: Site,
    entry: Any,
    now: float,
    checked: set[tuple[Any, ...]] | None = None,
    signed: set[str] | None = None,
) -> EpochPublicKey | None:
    wire = EpochKeyRecord.from_view(entry)  # the one record the hub stores and serves
    device_id = wire.device_id
    key = EpochPublicKey(device_id, wire.epoch_id, wire.not_before, wire.not_after, wire.public)
    record = site.device(device_id)
    if record is None or record.role is not DeviceRole.STAFF:
        raise BadSignature("an epoch key names a device that is not staff of this site")
    signature = wire.signature
    fields = (device_id, key.epoch_id, key.not_before, key.not_after, key.public)
    seen = (record.sign_public, *fields, signature)
    if checked is None or seen not in checked:
        verify_epoch_key(record.sign_public, *fields, signature)
        if checked is not None:
            checked.add(seen)
    if signed is not None:
        signed.add(device_id)
    if not key.not_before - _CLOCK_SLACK <= now < key.not_after:
        return None  # expired (or not yet valid): not an attack, just not usable
    return key


class EpochKeyCache:
    """A kiosk's verified epoch keys, kept between requests.

    Fetching and checking every console's signed key before every request was
    most of a kiosk's work per request and a large share of the hub's bytes.
    The hub pushes each newly published key on the kiosks' event streams
    (`epoch_keys`, e.g. after a console restarted); the kiosk checks it like a
    fetched one and keeps the newest per console. The whole set is fetched
    again when the stream reconnects (a push may have been missed), when the
    site changes, before a kept key expires, and every ten minutes.

    It also remembers which consoles it has seen publish a signed epoch key
    (`publishes`), in `publishers_file` so that a restart does not forget: a
    hub that later withholds their keys does not make this kiosk seal to their
    long-term keys (see `sealing_keys`).
    """

    def __init__(
        self, max_age: float = _CACHE_SECONDS, publishers_file: Path | None = None
    ) -> None:
        self._max_age = max_age
        self._lock = threading.Lock()
        self._publishers_file = publishers_file
        self._publishers = _read_publishers(publishers_file)  # device id → identity key
        self._kept: tuple[float, int, dict[str, EpochPublicKey]] | None = None
        self._pushed: list[Any] = []
        self.checked: set[tuple[Any, ...]] = set()  # signatures verified once
        self.generation = 0  # bumped by forget(): a fetch begun before it is not kept

    def get(self, site: Site) -> dict[str, EpochPublicKey] | None:
        with self._lock:
            kept, pushed, self._pushed = self._kept, self._pushed, []
        if kept is None:
            return None
        fetched, version, keys = kept
        if version != site.version or time.monotonic() - fetched > self._max_age:
            return None
        if pushed:
            keys = {**keys}
            signed: set[str] = set()
            fresh = verified_epoch_keys(site, {"keys": pushed}, checked=self.checked, signed=signed)
            self.saw_publishers(site, signed)
            for device_id, key in fresh.items():
                old = keys.get(device_id)
                if old is None or key.not_before >= old.not_before:
                    keys[device_id] = key
            with self._lock:
                if self._kept is kept:
                    self._kept = (fetched, version, keys)
        if any(k.not_after - _CACHE_MARGIN <= time.time() for k in keys.values()):
            return None
        return keys

    def put(self, site: Site, keys: dict[str, EpochPublicKey], generation: int) -> None:
        with self._lock:
            if generation == self.generation:
                self._kept = (time.monotonic(), site.version, keys)
            now = time.time()
            self.checked = {c for c in self.checked if c[4] > now}  # drop ended keys

    def pushed(self, entry: Any) -> None:
        """A key the hub pushed: checked and kept at the next use."""
        with self._lock:
            self._pushed.append(entry)

    def forget(self) -> None:
        with self._lock:
            self.generation += 1
            self._kept = None
            self._pushed = []

    def saw_publishers(self, site: Site, device_ids: Iterable[str]) -> None:
        """These consoles signed an epoch key: remember that they publish them."""
        with self._lock:
            known = dict(self._publishers)
            for device_id in device_ids:
                record = site.device(device_id)
                if record is not None:
                    known[device_id] = record.sign_public
            if known == self._publishers:
                return
            self._publishers = known
            _write_publishers(self._publishers_file, known)
        _LOG.info("event=epoch_key.publishers count=%d", len(known))

    def publishes(self, record: DeviceRecord) -> bool:
        """Has this console (with this identity key) been seen publishing epoch keys?"""
        with self._lock:
            return self._publishers.get(record.id) == record.sign_public


def sealing_keys(
    readers: Iterable[DeviceRecord],
    keys: dict[str, EpochPublicKey],
    cache: EpochKeyCache,
) -> tuple[dict[str, bytes], dict[str, bytes], int]:
    """Whom to seal a request to, and with which key: (device id → public key,
    device id → epoch key id, how many readers were left out).

    A reader with a current signed epoch key gets its copy sealed to that key.
    A reader this kiosk has seen publish epoch keys but that has none now
    (switched off, restarted with the push not yet here, or a hub withholding
    them) gets no copy: sealing to its long-term key would give up forward
    secrecy for that copy, which is what a hostile hub withholding keys wants.
    Only a reader never seen publishing one (an older console, or one not
    started since this kiosk first ran) is sealed to its long-term key.
    """
    recipients: dict[str, bytes] = {}
    key_ids: dict[str, bytes] = {}
    left_out = 0
    for reader in readers:
        epoch = keys.get(reader.id)
        if epoch is not None:
            recipients[reader.id], key_ids[reader.id] = epoch.public, epoch.key_id
        elif cache.publishes(reader):
            left_out += 1
        else:
            recipients[reader.id] = reader.hpke_public
    return recipients, key_ids, left_out


def _read_publishers(path: Path | None) -> dict[str, bytes]:
    try:
        lines = path.read_text().splitlines() if path is not None else []
    except (FileNotFoundError, UnicodeDecodeError):
        return {}
    known: dict[str, bytes] = {}
    for line in lines:
        device_id, _, sign_public = line.partition(" ")
        try:
            known[device_id] = bytes.fromhex(sign_public)
        except ValueError:
            continue
    return known


def _write_publishers(path: Path | None, known: dict[str, bytes]) -> None:
    """Public facts only (device ids and identity keys): no traveller data."""
    if path is None:
        return
    temporary = path.with_name(path.name + ".new")
    temporary.write_text("".join(f"{d} {k.hex()}\n" for d, k in sorted(known.items())))
    os.replace(temporary, path)
