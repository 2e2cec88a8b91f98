"""Ticket events as a console's stream writes them: one view, each console's own copy."""

from __future__ import annotations

import gc
import json
from typing import Any

from kiosk.core.audience import Audience
from kiosk.core.events import Alert, TicketChanged, TicketView
from kiosk.core.site import DeviceRecord, DeviceRole, Site
from kiosk.hub import wire
from kiosk.hub.views import Views
from kiosk.hub.wire import render
from kiosk.operator import sample_site

_VIEW = TicketView(
    "ab" * 16, "kiosk-p3", "central-p3", "Central", "Platform 3", "lost", "normal",
    "submitted", 10.0, 11.5, None, None, None,
)  # fmt: skip


def _console(device_id: str, group: str) -> DeviceRecord:
    return DeviceRecord(device_id, DeviceRole.STAFF, b"s", b"h", group_id=group)


def _read(written: bytes) -> dict[str, Any]:
    assert written.startswith(b"data: ")
    assert written.endswith(b"\n\n")
    event = json.loads(written[len(b"data: ") : -2])
    assert isinstance(event, dict)
    return event


def _render(event: TicketChanged, device: DeviceRecord) -> dict[str, Any]:
    # Views' answers are not asked for a console's ticket event; none is needed.
    site: Site = sample_site()
    return _read(render(Views.__new__(Views), device, site, event))


def test_each_console_gets_the_same_view_with_its_own_sealed_copy() -> None:
    sealed = {"staff-a": "QUFB", "staff-b": "QkJC"}
    event = TicketChanged(_VIEW, Audience.ticket("kiosk-p3"), sealed)
    for device_id, copy in [("staff-a", "QUFB"), ("staff-b", "QkJC"), ("staff-c", None)]:
        got = _render(event, _console(device_id, "central-staff"))
        assert got == {"type": "ticket", "ticket": {**_VIEW.as_json(), "sealed": copy}}
    # Rendered again (a second stream of the same console): the same text.
    again = _render(event, _console("staff-a", "central-staff"))
    assert again["ticket"]["sealed"] == "QUFB"


def test_a_change_carries_no_sealed_key_and_alerts_only_their_group() -> None:
    event = TicketChanged(
        _VIEW,
        Audience.ticket("kiosk-p3"),
        alert=Alert.REESCALATED,
        alert_group="central-control",
        skipped=("central-staff",),
    )
    control = _render(event, _console("staff-x", "central-control"))
    assert control == {
        "type": "ticket",
        "ticket": _VIEW.as_json(),
        "alert": "reescalated",
        "skipped": {"reason": "unreached", "groups": ["central-staff"]},
    }
    staff = _render(event, _console("staff-y", "central-staff"))
    assert "alert" not in staff
    assert "sealed" not in staff["ticket"]


def test_an_event_is_never_rendered_as_another_that_came_before() -> None:
    # Many events in turn, more than the texts kept: each console reads its own.
    for n in range(600):
        view = TicketView(**{**_VIEW.as_json(), "id": f"{n:032x}"})
        event = TicketChanged(view, Audience.ticket("kiosk-p3"), {"staff-a": f"{n:04d}"})
        got = _render(event, _console("staff-a", "central-staff"))
        assert got["ticket"]["id"] == f"{n:032x}"
        assert got["ticket"]["sealed"] == f"{n:04d}"


def test_nothing_of_an_event_is_kept_once_no_stream_holds_it() -> None:
    before = len(wire._STAFF_VIEWS)
    event = TicketChanged(_VIEW, Audience.ticket("kiosk-p3"), {"staff-a": "QUFB"})
    _render(event, _console("staff-a", "central-staff"))
    assert len(wire._STAFF_VIEWS) == before + 1
    del event  # the last stream has written it: its text (and sealed copies) go with it
    gc.collect()
    assert len(wire._STAFF_VIEWS) == before
