"""Events as each device's stream writes them: server-sent events of JSON.

The JSON is what kiosks and consoles read (kiosk/client); it is the same as
when events were dicts, key for key.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from kiosk.core.events import (
    DevicePresence,
    DutyChanged,
    EpochKeyPublished,
    Keepalive,
    ManifestChanged,
    Queued,
    ReplyPosted,
    StoredReply,
    StreamEnded,
    TicketChanged,
)
from kiosk.core.site import DeviceRecord, DeviceRole, Site
from kiosk.hub.views import Views

__all__ = ["render", "reply_json", "sse"]


def sse(event: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(event, separators=(",", ":")).encode() + b"\n\n"


def reply_json(reply: StoredReply, *, sealed: bool) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": reply.id,
        "ticket_id": reply.ticket_id,
        "staff_id": reply.staff_id,
        "created_at": reply.created_at,
    }
    if sealed:  # only the kiosk can open it; staff consoles are told it was sent
        view["sealed"] = base64.b64encode(reply.ciphertext).decode()
    return view


def render(views: Views, device: DeviceRecord, site: Site, event: Queued) -> bytes:
    """One queued event as this device's stream writes it (b"": nothing)."""
    match event:
        case Keepalive():
            return b": keepalive\n\n"
        case TicketChanged():
            return sse(_ticket(views, device, site, event))
        case DutyChanged():
            return sse({"type": "duty", "on_duty": event.on_duty})
        case DevicePresence() | EpochKeyPublished():
            return sse(event.as_json())
        case ManifestChanged():
            return sse({"type": "manifest"})
        case ReplyPosted():
            kiosk = device.role is DeviceRole.KIOSK
            return sse({"type": "reply", "reply": reply_json(event.reply, sealed=kiosk)})
        case StreamEnded():
            return b""


def _ticket(views: Views, device: DeviceRecord, site: Site, event: TicketChanged) -> dict[str, Any]:
    if device.role is DeviceRole.KIOSK:
        return {"type": "ticket", "ticket": views.kiosk_json(event.ticket, site)}
    view = event.ticket.as_json()
    if event.sealed is not None:
        view["sealed"] = event.sealed.get(device.id)
    out: dict[str, Any] = {"type": "ticket", "ticket": view}
    if event.alert is not None and event.alert_group in (None, device.group_id):
        out["alert"] = event.alert.value  # reminder, reescalated or handed_over
    if event.skipped:  # an escalation that came early, and why (group ids only)
        out["skipped"] = {"reason": "unreached", "groups": list(event.skipped)}
    return out
