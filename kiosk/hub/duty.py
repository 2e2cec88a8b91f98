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

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kiosk.core.escalation import staffed_groups
from kiosk.core.events import DutyChanged
from kiosk.core.site import DeviceRole, Site
from kiosk.hub.api_errors import ApiError
from kiosk.hub.events import Broker
from kiosk.hub.field_rules import parse
from kiosk.hub.guarded import guarded_route
from kiosk.hub.logs import log_event
from kiosk.hub.models import StaffDutyRow
from kiosk.hub.request_models import DutyIn
from kiosk.hub.signed_calls import Caller, SignedCalls

__all__ = ["DutyBook", "duty_routes"]


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


def duty_routes(calls: SignedCalls, book: DutyBook, broker: Broker) -> list[Route]:
    async def duty(request: Request, caller: Caller) -> Response:
        device = caller.device
        if device.role is not DeviceRole.STAFF:
            raise ApiError(403, "staff_only", "only a staff device has a duty state")
        if request.method == "POST":
            on_duty = parse(DutyIn, caller.doc()).on_duty
            await run_in_threadpool(book.set, device.id, on_duty)
            log_event("staff.duty", device=device.id, on_duty=on_duty)
            # Every stream of this device (a console may be connected twice) follows.
            broker.publish(DutyChanged(device.id, on_duty))
        return JSONResponse({"on_duty": book.on_duty(device.id)})

    return [guarded_route("/v1/duty", calls.authenticated(duty), ["GET", "POST"])]
