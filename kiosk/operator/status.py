"""`kiosk admin status`: every enrolled device with its last heartbeat, and how
many requests are open per station (counts only, never content)."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from kiosk.core.site import Site
from kiosk.hub.settings import DEFAULT_OFFLINE_AFTER_SECONDS
from kiosk.operator.relay_status import relay_lines
from kiosk.operator.site_admin import SiteLayout, current_site

__all__ = ["device_states", "fleet_status", "format_status"]


def fleet_status(
    layout: SiteLayout,
    *,
    offline_after: float = DEFAULT_OFFLINE_AFTER_SECONDS,
    now: float | None = None,
) -> dict[str, Any]:
    now = time.time() if now is None else now
    site = current_site(layout)
    hub = layout.hub_admin
    devices = device_states(layout, site, offline_after=offline_after, now=now)
    open_by_location = Counter(t.location_id for t in hub.open_tickets())
    stations = sorted({x.station for x in site.locations})
    open_by_station = dict.fromkeys(stations, 0)
    for location_id, count in open_by_location.items():
        location = site.location(location_id)
        key = location.station if location else "(unknown location)"
        open_by_station[key] = open_by_station.get(key, 0) + count
    return {
        "site": site.name,
        "manifest_version": site.version,
        "manifest_valid_until": site.valid_until,
        "manifest_expired": site.expired(now),
        "checked_at": now,
        "offline_after_seconds": offline_after,
        "devices": devices,
        "offline": sum(1 for d in devices if d["state"] != "online"),
        "open_requests": open_by_station,
        # Content-free: relay, state, last error class and since when.
        "relays": hub.relays(),
    }


def device_states(
    layout: SiteLayout, site: Site, *, offline_after: float, now: float
) -> list[dict[str, Any]]:
    """Every enrolled device of `site` with its last heartbeat as the hub reports it
    (the operator's dashboard shows the same rows without asking for open requests)."""
    beats = {beat.device_id: beat for beat in layout.hub_admin.beats()}
    # Which versions had expired by now: a device holding one seals nothing (and a hub
    # that keeps it on one is freezing a revocation).
    valid_until = {v.version: v.valid_until for v in layout.state().history()}
    devices = []
    for device in sorted(site.devices, key=lambda d: (d.role.value, d.id)):
        beat = beats.get(device.id)
        location = site.location(device.location_id or "")
        if beat is None:
            state = "never seen"
        else:
            state = "online" if now - beat.last_seen <= offline_after else "offline"
        devices.append(
            {
                "id": device.id,
                "role": device.role.value,
                "station": location.station if location else None,
                "location": device.location_id,
                "location_label": location.label if location else None,
                "group": device.group_id,
                "state": state,
                "last_seen": beat.last_seen if beat else None,
                "seconds_since": round(now - beat.last_seen, 1) if beat else None,
                "version": beat.version if beat else None,
                "manifest_version": beat.manifest_version if beat else None,
                # Version 0: no manifest fetched yet, which is not one that expired.
                "manifest_expired": bool(
                    beat
                    and beat.manifest_version > 0
                    and now >= valid_until.get(beat.manifest_version, 0)
                ),
            }
        )
    return devices


def format_status(status: dict[str, Any]) -> str:
    until = time.strftime("%Y-%m-%d %H:%M %Z", time.localtime(status["manifest_valid_until"]))
    validity = "EXPIRED: run kiosk admin refresh" if status["manifest_expired"] else "valid"
    lines = [
        f"{status['site']}: manifest version {status['manifest_version']}, "
        f"{validity} until {until}",
        "",
    ]
    rows = [("DEVICE", "ROLE", "WHERE", "STATE", "LAST SEEN", "VERSION", "MANIFEST")]
    for d in status["devices"]:
        where = (
            f"{d['station']} · {d['location_label']}" if d["role"] == "kiosk" else d["group"] or ""
        )
        seen = "-" if d["seconds_since"] is None else f"{d['seconds_since']:.0f} s ago"
        stale = (
            d["manifest_version"] is not None and d["manifest_version"] < status["manifest_version"]
        )
        manifest = "-" if d["manifest_version"] is None else str(d["manifest_version"])
        if d["manifest_expired"]:
            manifest += " (EXPIRED)"
            stale = False
        rows.append(
            (
                d["id"],
                d["role"],
                where,
                d["state"].upper() if d["state"] != "online" else d["state"],
                seen,
                d["version"] or "-",
                manifest + (" (old)" if stale else ""),
            )
        )
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    lines += [
        "  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
    ]
    lines.append("")
    counts = ", ".join(f"{k} {v}" for k, v in status["open_requests"].items()) or "none"
    lines.append(f"open requests per station: {counts}")
    total = len(status["devices"])
    lines.append(f"not online: {status['offline']} of {total} devices")
    lines += relay_lines(status.get("relays", []))
    return "\n".join(lines)
