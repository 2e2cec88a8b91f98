"""The alert relays' part of `kiosk admin status` and `kiosk admin test-alert`:
content-free lines (relay, state, last error class, since when)."""

from __future__ import annotations

import time
from typing import Any

__all__ = ["relay_lines", "test_alert_lines"]


def _when(at: object) -> str:
    if not isinstance(at, int | float):
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(at))


def relay_lines(relays: list[dict[str, Any]]) -> list[str]:
    if not relays:
        return []
    lines = ["", "alert relays:"]
    for r in relays:
        where = f"{r['group']}/{r['name']} ({r['kind']})"
        if r["state"] == "failing":
            lines.append(f"  {where}: FAILING: {r['error']} since {_when(r['failing_since'])}")
        elif r["state"] == "ok":
            lines.append(f"  {where}: ok, last delivered {_when(r['delivered_at'])}")
        else:
            lines.append(f"  {where}: not tried yet (kiosk admin test-alert {r['group']})")
    failing = sum(1 for r in relays if r["state"] == "failing")
    lines.append(f"failing relays: {failing} of {len(relays)}")
    return lines


def test_alert_lines(group: str, results: list[dict[str, Any]]) -> list[str]:
    if not results:
        return [f"{group}: this group has no alert relay ([[group.alert]] in the site file)"]
    return [
        f"{group}/{r['name']} ({r['kind']}): "
        + ("delivered" if r["delivered"] else f"NOT delivered: {r['error']}")
        for r in results
    ]
