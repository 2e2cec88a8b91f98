"""Presence: which devices are alive, kept so that every hub and `kiosk admin
status` see the same picture.

A device is alive while its event stream is open on a hub (a stream to a
vanished device is reset within settings.dead_peer_seconds, dead_peers.py),
and while its heartbeats arrive: one when its stream connects, when its
manifest changes, and otherwise every few minutes, or every 10 s while its
stream is down (kiosk/client/heartbeat.py). Beats are kept in memory and
written in one transaction per sweep, together with the "seen" time of the
devices streaming here, which also finds devices gone silent and devices
back. The offline flag is changed by compare-and-set, so of several hubs
sharing a database exactly one announces each change.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import Table, case, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.dml import ReturningInsert

from kiosk.core.events import DevicePresence
from kiosk.core.site import DeviceRecord, Site
from kiosk.hub.api_errors import ApiError
from kiosk.hub.field_rules import parse
from kiosk.hub.models import DevicePresenceRow
from kiosk.hub.request_models import (
    MAX_HEARTBEAT_MANIFEST_VERSION,
    MAX_VERSION_LENGTH,
    HeartbeatIn,
)
from kiosk.hub.store import Store

__all__ = [
    "MAX_MANIFEST_VERSION",
    "MAX_VERSION_LENGTH",
    "Beat",
    "Presence",
    "PresenceChange",
    "presence_event",
    "valid_beat",
]

_LOG = logging.getLogger("kiosk.hub")
MAX_MANIFEST_VERSION = MAX_HEARTBEAT_MANIFEST_VERSION  # a 32-bit column (PostgreSQL INTEGER)
_IDS_PER_STATEMENT = 500  # device ids in one "seen" UPDATE (SQLite's bound-parameter limit)


@dataclass(frozen=True, slots=True)
class Beat:
    at: float
    version: str
    manifest_version: int


def valid_beat(version: object, manifest_version: object) -> bool:
    """What a beat may carry: a short text of printable ASCII (a software version:
    no lone surrogate, no control, format or invisible character) and a whole
    number its column holds. Beats are stored together, and a value the database
    refuses would otherwise lose every device's beats (the rules of HeartbeatIn)."""
    try:
        parse(HeartbeatIn, {"version": version, "manifest_version": manifest_version})
    except ApiError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class PresenceChange:
    device_id: str
    online: bool


class Presence:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._sessions = sessionmaker(store.engine, expire_on_commit=False)
        self._upsert = _beats_upsert(store)
        self._pending: dict[str, Beat] = {}
        self._lock = threading.Lock()
        # When this hub last stored each streaming device as seen (the sweep's thread).
        self._stored: dict[str, float] = {}
        # Only spreads the writes over time: nothing depends on it being unpredictable.
        self._chance = random.Random()  # noqa: S311

    def beat(self, device_id: str, beat: Beat) -> None:
        with self._lock:
            self._pending[device_id] = beat

    def sweep(
        self, now: float, offline_after: float, streaming: Collection[str] = ()
    ) -> list[PresenceChange]:
        """Write the beats received since the last sweep, and `now` as the last
        time seen of the devices `streaming` here; the devices that changed."""
        with self._lock:
            pending, self._pending = self._pending, {}
        cutoff = now - offline_after
        seen = self._due_as_seen(now, offline_after, streaming, pending)
        with self._store.write_lock, self._sessions.begin() as s:
            self._write(s, pending)
            for start in range(0, len(seen), _IDS_PER_STATEMENT):
                s.execute(
                    update(DevicePresenceRow)
                    .where(
                        DevicePresenceRow.device_id.in_(seen[start : start + _IDS_PER_STATEMENT]),
                        DevicePresenceRow.last_seen < now,
                    )
                    .values(last_seen=now)
                )
            gone = s.scalars(
                update(DevicePresenceRow)
                .where(DevicePresenceRow.offline.is_(False), DevicePresenceRow.last_seen < cutoff)
                .values(offline=True)
                .returning(DevicePresenceRow.device_id)
            ).all()
            back = s.scalars(
                update(DevicePresenceRow)
                .where(DevicePresenceRow.offline.is_(True), DevicePresenceRow.last_seen >= cutoff)
                .values(offline=False)
                .returning(DevicePresenceRow.device_id)
            ).all()
        return [PresenceChange(d, False) for d in gone] + [PresenceChange(d, True) for d in back]

    def _due_as_seen(
        self,
        now: float,
        offline_after: float,
        streaming: Collection[str],
        pending: dict[str, Beat],
    ) -> list[str]:
        """The streaming devices whose stored time would otherwise fall behind.

        Writing every streaming device at every sweep would be ten thousand rows
        every 2 s; each is written when what this hub stored for it is half the
        offline limit old, so a streaming device never looks silent (a sweep
        comes well within the other half). A device new here is stored at once
        (its beat, or this) and then given a random phase, so that devices that
        connected together (a hub's restart) are not written together for good.
        A device with no row yet gets one from its first beat (the apps beat
        when their stream connects)."""
        every = offline_after / 2
        stored, due = {}, []
        for device_id in streaming:
            last = self._stored.get(device_id)
            if last is None:
                if device_id not in pending:
                    due.append(device_id)
                last = now - self._chance.uniform(0.0, every / 2)
            elif device_id in pending:
                last = now
            elif now - last >= every:
                due.append(device_id)
                last = now
            stored[device_id] = last
        self._stored = stored  # devices no longer streaming are forgotten
        return due

    def _write(self, s: Session, pending: dict[str, Beat]) -> None:
        """One upsert for any number of beats, sent as few multi-row statements.

        A row at a time held the writer's lock for a tenth of a second at a
        thousand kiosks; an UPDATE per beat in one executemany still let go of
        Python's lock at every row, and on a busy hub each row then waited to get
        it back: a sweep of 210 beats took 26 ms beside one busy thread, against
        11 ms this way (4 ms either way on an idle hub)."""
        rows = [
            {
                "device_id": d,
                "last_seen": b.at,
                "version": b.version,
                "manifest_version": b.manifest_version,
                "offline": False,
            }
            for d, b in pending.items()
            if valid_beat(b.version, b.manifest_version)
        ]
        if not rows:
            return
        try:
            with s.begin_nested():
                s.execute(self._upsert, rows)
        except (SQLAlchemyError, ValueError):
            # One row the database refuses never costs the others their beats:
            # each is written on its own, and the refused ones are dropped.
            _LOG.warning("event=presence.row_refused kind=batch")
            for row in rows:
                try:
                    with s.begin_nested():
                        s.execute(self._upsert, [row])
                except (SQLAlchemyError, ValueError):
                    _LOG.warning("event=presence.row_refused device=%s", row["device_id"])

    def beating(self, since: float) -> frozenset[str]:
        """Devices whose last stored beat is at `since` or later (worker thread)."""
        with self._sessions() as s:
            return frozenset(
                s.scalars(
                    select(DevicePresenceRow.device_id).where(DevicePresenceRow.last_seen >= since)
                )
            )

    def rows(self) -> list[DevicePresenceRow]:
        with self._sessions() as s:
            return list(s.scalars(select(DevicePresenceRow)).all())


def _beats_upsert(store: Store) -> ReturningInsert[tuple[str]]:
    """A new device's row is inserted online; a known one keeps its offline flag
    (the sweep changes it) and the later of its stored and new beat, since
    another hub may have stored a later beat of the same device. RETURNING lets
    SQLAlchemy send many rows in each statement ("insertmanyvalues")."""
    table = DevicePresenceRow.__table__
    assert isinstance(table, Table)
    statement = store.dialect_insert(table)
    beat = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=[table.c.device_id],
        set_={
            "last_seen": case(
                (table.c.last_seen < beat.last_seen, beat.last_seen), else_=table.c.last_seen
            ),
            "version": beat.version,
            "manifest_version": beat.manifest_version,
        },
    ).returning(table.c.device_id)


def presence_event(site: Site, kiosk: DeviceRecord, online: bool) -> DevicePresence:
    """The push to the control room: the groups at the end of the kiosk's routes
    (those who answer when nobody else does) learn where it is and its state."""
    location = site.location(kiosk.location_id or "")
    groups = sorted(
        {
            r.steps[-1].group_id
            for r in site.routes
            if kiosk.location_id in r.location_ids and r.steps
        }
    )
    return DevicePresence(
        device_id=kiosk.id,
        location_id=kiosk.location_id,
        station=location.station if location else "",
        location_label=location.label if location else "",
        online=online,
        groups=tuple(groups),
    )
