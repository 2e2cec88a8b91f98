"""Staff on or off duty, per device.

    GET  /v1/duty    staff: {"on_duty": bool} for the calling device
    POST /v1/duty    staff: {"on_duty": bool}; pushed to the device's streams

A device with no row is on duty. Off duty, a console still sees its inbox but
is never alerted (it learns its state from its event stream), and escalation
does not wait on a group with nobody on duty (kiosk/core/escalation.py).
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from kiosk.core.escalation import staffed_groups
from kiosk.core.site import DeviceRole, Site
from kiosk.hub.api_errors import ApiError, json_object
from kiosk.hub.logs import log_event
from kiosk.hub.models import StaffDutyRow

if TYPE_CHECKING:
    from kiosk.hub.app import Hub

__all__ = ["DutyBook", "duty"]


class DutyBook:
    """Duty states in the database, with an in-memory copy of who is off duty
    that event filters read without touching the disk. Several hubs share the
    table; each refreshes its copy every escalation tick."""

    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._lock = threading.Lock()
        self._off: frozenset[str] = frozenset()
        self._staffed: tuple[tuple[int, frozenset[str]], frozenset[str]] | None = None

    @property
    def off_duty(self) -> frozenset[str]:
        return self._off

    def on_duty(self, device_id: str) -> bool:
        return device_id not in self._off

    def staffed(self, site: Site) -> frozenset[str]:
        """Groups of `site` with someone on duty; recomputed only when the site
        or the duty states change (event filters ask for every event)."""
        key = (site.version, self._off)
        cached = self._staffed
        if cached is None or cached[0] != key:
            cached = self._staffed = (key, staffed_groups(site, self._off))
        return cached[1]

    def refresh(self) -> frozenset[str]:
        """Re-read who is off duty (worker thread)."""
        with self._sessions() as s:
            off = frozenset(
                s.scalars(select(StaffDutyRow.device_id).where(StaffDutyRow.on_duty.is_(False)))
            )
        with self._lock:
            self._off = off
        return off

    def set(self, device_id: str, on_duty: bool) -> None:
        """Store a device's duty state (worker thread)."""
        with self._sessions.begin() as s:
            s.execute(delete(StaffDutyRow).where(StaffDutyRow.device_id == device_id))
            s.add(StaffDutyRow(device_id=device_id, on_duty=on_duty, changed_at=time.time()))
        with self._lock:
            self._off = self._off - {device_id} if on_duty else self._off | {device_id}


async def duty(hub: Hub, request: Request) -> Response:
    body = await hub.read_body(request)
    device, _site = await hub.authenticate(request, body)
    if device.role is not DeviceRole.STAFF:
        raise ApiError(403, "staff_only", "only a staff device has a duty state")
    if request.method == "POST":
        doc = json_object(body)
        on_duty = doc.get("on_duty")
        if not isinstance(on_duty, bool):
            raise ApiError(400, "bad_duty", "on_duty must be true or false")
        await run_in_threadpool(hub.duty.set, device.id, on_duty)
        log_event("staff.duty", device=device.id, on_duty=on_duty)
        # Every stream of this device (a console may be connected twice) follows.
        hub.broker.publish({"type": "duty", "device_id": device.id, "on_duty": on_duty})
    return JSONResponse({"on_duty": hub.duty.on_duty(device.id)})
