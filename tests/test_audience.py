"""Who receives what the hub publishes: every kind of audience against every
kind of device, as a table (kiosk/core/audience.py)."""

from __future__ import annotations

import pytest

from kiosk.core.audience import Audience, StaffReach
from kiosk.core.epoch_key import EpochKeyRecord
from kiosk.core.events import (
    DevicePresence,
    DutyChanged,
    EpochKeyPublished,
    ManifestChanged,
    ReplyPosted,
    StoredReply,
    TicketView,
)
from kiosk.core.site import DeviceRecord, DeviceRole


def _kiosk(device_id: str) -> DeviceRecord:
    return DeviceRecord(device_id, DeviceRole.KIOSK, b"s", b"h", location_id="p3")


def _staff(device_id: str, group: str | None) -> DeviceRecord:
    return DeviceRecord(device_id, DeviceRole.STAFF, b"s", b"h", group_id=group)


# The ticket was raised at kiosk k1. Group g1's step came (s-due, and s-acc,
# who accepted it); g3 was escalated to (s-esc); g2 is on the route but its
# step has not come (s-late); g4 is on no step of it (s-off); s-none has no group.
DEVICES = {
    "k1": _kiosk("k1"),
    "k2": _kiosk("k2"),
    "s-due": _staff("s-due", "g1"),
    "s-acc": _staff("s-acc", "g1"),
    "s-esc": _staff("s-esc", "g3"),
    "s-late": _staff("s-late", "g2"),
    "s-off": _staff("s-off", "g4"),
    "s-none": _staff("s-none", None),
}
DUE = {"s-due", "s-acc", "s-esc"}
ON_ROUTE = DUE | {"s-late"}


class Reach:
    """The hub's judgement of the ticket, as a fixed table."""

    def due(self, device: DeviceRecord) -> bool:
        return device.id in DUE

    def on_route(self, device: DeviceRecord) -> bool:
        return device.id in ON_ROUTE


# Each audience and exactly the devices it admits.
CASES = {
    "ticket": (Audience.ticket("k1"), {"k1", "s-due", "s-acc", "s-esc"}),
    "escalation": (Audience.escalation("k1", "g3"), {"k1", "s-esc"}),
    "escalation, not due": (Audience.escalation("k1", "g2"), {"k1"}),
    "reminder": (Audience.reminder("k1", "s-acc"), {"k1", "s-acc"}),
    "reminder, not due": (Audience.reminder("k1", "s-late"), {"k1"}),
    "reescalation": (Audience.reescalation("k1"), {"k1", *ON_ROUTE}),
    "hand-over": (Audience.staff_except("s-acc"), {"s-due", "s-esc"}),
    "kiosk only": (Audience.kiosk("k1"), {"k1"}),
    "one console": (Audience.console("s-off"), {"s-off"}),
    "staff groups": (Audience.staff_groups(frozenset({"g2", "g4"})), {"s-late", "s-off"}),
    "every kiosk": (Audience.every_kiosk(), {"k1", "k2"}),
    "nobody": (Audience(), set()),
}


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("device_id", DEVICES)
def test_each_audience_admits_exactly_its_devices(name: str, device_id: str) -> None:
    audience, admitted = CASES[name]
    assert audience.admits(DEVICES[device_id], Reach()) is (device_id in admitted)


@pytest.mark.parametrize("name", CASES)
def test_without_a_ticket_to_judge_no_console_is_due(name: str) -> None:
    """A ticket's staff audience needs the hub's judgement; kiosks and listed
    consoles do not."""
    audience, admitted = CASES[name]
    listed = audience.staff in (StaffReach.LISTED, StaffReach.NONE)
    for device_id, device in DEVICES.items():
        expected = device_id in admitted and (listed or device.role is DeviceRole.KIOSK)
        assert audience.admits(device) is expected, device_id


def test_each_event_names_its_audience() -> None:
    view = TicketView(
        *("t1", "k1", "p3", "Central", "Platform 3", "lost", "normal", "submitted"),
        *(1.0, 1.0, None, None, None),
    )
    key = EpochKeyRecord("s-due", "e1", 0, 60, b"p", b"s")
    reply = StoredReply("r1", "t1", "s-due", 2.0, b"sealed")
    presence = DevicePresence("k2", "p3", "Central", "Platform 3", False, ("g4",))
    assert DutyChanged("s-due", False).audience == Audience.console("s-due")
    assert presence.audience == Audience.staff_groups(frozenset({"g4"}))
    assert EpochKeyPublished(key).audience == Audience.every_kiosk()
    assert ManifestChanged().audience == Audience.every_kiosk()
    assert ReplyPosted(reply, view).audience == Audience.ticket("k1")
    assert "groups" not in presence.as_json()  # routing detail stays on the hubs
    assert EpochKeyRecord.from_view(key.view()) == key
