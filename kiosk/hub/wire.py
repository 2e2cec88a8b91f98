"""Events as each device's stream writes them: server-sent events of JSON.

The JSON is what kiosks and consoles read (kiosk/client); it is the same as
when events were dicts, key for key.
"""

from __future__ import annotations

import base64
import json
import weakref
from functools import partial
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
            return _ticket(views, device, site, event)
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


def _ticket(views: Views, device: DeviceRecord, site: Site, event: TicketChanged) -> bytes:
    if device.role is DeviceRole.KIOSK:
        return sse({"type": "ticket", "ticket": views.kiosk_json(event.ticket, site)})
    # The view is the same for every console: encoded once an event, then each
    # console's own sealed copy (kilobytes, its own) is added to the text.
    out = [_STAFF_VIEWS.opened(event)]
    if event.sealed is not None:
        out.append(b',"sealed":' + _dumps(event.sealed.get(device.id)))
    out.append(b"}")
    if event.alert is not None and event.alert_group in (None, device.group_id):
        out.append(b',"alert":' + _dumps(event.alert.value))  # reminder, reescalated, handed_over
    if event.skipped:  # an escalation that came early, and why (group ids only)
        out.append(b',"skipped":' + _dumps({"reason": "unreached", "groups": list(event.skipped)}))
    out.append(b"}\n\n")
    return b"".join(out)


def _dumps(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


class _StaffViews:
    """`data: {"type":"ticket","ticket":{...` of each event still queued, its
    closing brace left off for the console's sealed copy.

    Kept while the event lives (a weak reference's callback drops it), so the
    text goes when the last stream has written the event and nothing of a
    request, sealed copies included, outlives it here; and an id is never
    taken for that of a later event at the same address."""

    def __init__(self) -> None:
        self._texts: dict[int, tuple[weakref.ref[TicketChanged], bytes]] = {}

    def opened(self, event: TicketChanged) -> bytes:
        key = id(event)
        kept = self._texts.get(key)
        if kept is not None and kept[0]() is event:
            return kept[1]
        text = b'data: {"type":"ticket","ticket":' + _dumps(event.ticket.as_json())[:-1]
        self._texts[key] = (weakref.ref(event, partial(self._forget, key)), text)
        return text

    def _forget(self, key: int, gone: weakref.ref[TicketChanged]) -> None:
        kept = self._texts.get(key)
        if kept is not None and kept[0] is gone:
            del self._texts[key]

    def __len__(self) -> int:
        return len(self._texts)


_STAFF_VIEWS = _StaffViews()
