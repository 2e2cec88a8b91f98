"""Heartbeats: which devices are alive, kept so that every hub and `kiosk admin
status` see the same picture.

Beats arrive every few seconds from every device; writing each one would cost
a thousand kiosks a hundred commits a second. They are kept in memory and
written in one transaction per sweep, which also finds devices gone silent
and devices back. The offline flag is changed by compare-and-set, so of
several hubs sharing a database exactly one announces each change.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, Table, bindparam, case, select, update
from sqlalchemy.orm import Session, sessionmaker

from kiosk.core.site import DeviceRecord, Site
from kiosk.hub.models import DevicePresenceRow
from kiosk.hub.store import Store

__all__ = ["Beat", "Presence", "PresenceChange", "presence_event"]


@dataclass(frozen=True, slots=True)
class Beat:
    at: float
    version: str
    manifest_version: int


@dataclass(frozen=True, slots=True)
class PresenceChange:
    device_id: str
    online: bool


class Presence:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._sessions = sessionmaker(store.engine, expire_on_commit=False)
        self._pending: dict[str, Beat] = {}
        self._lock = threading.Lock()

    def beat(self, device_id: str, beat: Beat) -> None:
        with self._lock:
            self._pending[device_id] = beat

    def sweep(self, now: float, offline_after: float) -> list[PresenceChange]:
        """Write the beats received since the last sweep; the devices that changed."""
        with self._lock:
            pending, self._pending = self._pending, {}
        cutoff = now - offline_after
        with self._store.write_lock, self._sessions.begin() as s:
            self._write(s, pending)
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

    @staticmethod
    def _write(s: Session, pending: dict[str, Beat]) -> None:
        """Two statements for any number of beats (a row at a time held the
        writer lock for a tenth of a second at a thousand kiosks)."""
        if not pending:
            return
        known = set(
            s.scalars(
                select(DevicePresenceRow.device_id).where(
                    DevicePresenceRow.device_id.in_(list(pending))
                )
            )
        )
        table = DevicePresenceRow.__table__
        assert isinstance(table, Table)
        at = bindparam("b_at", type_=Float)
        if known:
            s.execute(
                update(table)
                .where(table.c.device_id == bindparam("b_id"))
                # Another hub may have stored a later beat of the same device.
                .values(
                    last_seen=case((table.c.last_seen < at, at), else_=table.c.last_seen),
                    version=bindparam("b_version"),
                    manifest_version=bindparam("b_manifest"),
                ),
                [
                    {
                        "b_id": d,
                        "b_at": b.at,
                        "b_version": b.version,
                        "b_manifest": b.manifest_version,
                    }
                    for d, b in pending.items()
                    if d in known
                ],
            )
        new = [
            DevicePresenceRow(
                device_id=d,
                last_seen=b.at,
                version=b.version,
                manifest_version=b.manifest_version,
                offline=False,
            )
            for d, b in pending.items()
            if d not in known
        ]
        s.add_all(new)
        s.flush()

    def rows(self) -> list[DevicePresenceRow]:
        with self._sessions() as s:
            return list(s.scalars(select(DevicePresenceRow)).all())


def presence_event(site: Site, kiosk: DeviceRecord, online: bool) -> dict[str, Any]:
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
    return {
        "type": "device",
        "device_id": kiosk.id,
        "location_id": kiosk.location_id,
        "station": location.station if location else "",
        "location_label": location.label if location else "",
        "state": "online" if online else "offline",
        "groups": groups,
    }
