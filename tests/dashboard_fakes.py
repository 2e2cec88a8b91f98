"""The operator dashboard's inputs, shaped as the hub's admin API sends them
(GET /v1/admin/live and /v1/admin/statistics), for tests that need no hub."""

from __future__ import annotations

import dataclasses
import time
from datetime import UTC, tzinfo
from typing import Any

from kiosk.core.errors import HubUnreachable
from kiosk.core.site import Site
from kiosk.operator import sample_site
from kiosk.operator.dashboard.live import LiveView, assemble_live

NOW = 1_796_700_000.0  # Tuesday 2026-12-08, 03:20 UTC: ISO week 2026-W50


def site(valid_for: float = 6 * 86400) -> Site:
    return dataclasses.replace(sample_site(), valid_until=int(NOW + valid_for))


def device(
    device_id: str,
    *,
    location: str | None = None,
    group: str | None = None,
    state: str = "online",
    seconds_since: float | None = 3.0,
    manifest_expired: bool = False,
) -> dict[str, Any]:
    """One row as kiosk.operator.status.device_states makes it (the fields read)."""
    return {
        "id": device_id,
        "role": "kiosk" if location else "staff",
        "location": location,
        "group": group,
        "state": state,
        "seconds_since": None if state == "never seen" else seconds_since,
        "manifest_expired": manifest_expired,
    }


def ticket(
    location_id: str,
    age: float,
    *,
    accepted: bool = False,
    step: int = 1,
    steps: int = 2,
    fallback: bool = False,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "location_id": location_id,
        "age_seconds": age,
        "accepted": accepted,
        "step": step,
        "steps": steps,
        "fallback": fallback,
        **extra,
    }


def group(group_id: str, consoles: int, on_duty: int, live: int, reached: bool) -> dict[str, Any]:
    return {
        "group_id": group_id,
        "consoles": consoles,
        "on_duty": on_duty,
        "live": live,
        "reached": reached,
    }


def counter(kind: str, period: str, key: str, count: int) -> dict[str, Any]:
    return {"kind": kind, "period": period, "key": key, "count": count}


class FakeSource:
    """A dashboard Source with fixed answers; `unreachable` makes the hub fail."""

    def __init__(
        self,
        devices: list[dict[str, Any]] | None = None,
        live: dict[str, Any] | None = None,
        statistics: dict[str, Any] | None = None,
    ) -> None:
        self._site = site()
        self.devices = devices or []
        self.report = live or {"now": NOW, "tickets": [], "groups": [], "relays": []}
        self.counters = statistics or {"enabled": True, "keep_days": 400, "counters": []}
        self.unreachable = False

    def site(self) -> Site:
        return self._site

    def live(self) -> LiveView:
        if self.unreachable:
            raise HubUnreachable("cannot reach the hub at https://127.0.0.1:1 (ConnectError)")
        return assemble_live(self._site, self.devices, self.report, time.time())

    def statistics(self) -> dict[str, Any]:
        if self.unreachable:
            raise HubUnreachable("cannot reach the hub at https://127.0.0.1:1 (ConnectError)")
        return self.counters

    def zone(self) -> tzinfo:
        return UTC
