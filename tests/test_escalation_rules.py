"""Escalation timing as pure rules: duty, fallback and the accepted timers."""

from __future__ import annotations

from kiosk.core.escalation import (
    alert_delays,
    fallback_delay,
    reescalation_due,
    reminder_due,
    staffed_groups,
)
from kiosk.core.site import (
    DeviceRecord,
    DeviceRole,
    EscalationStep,
    Location,
    Route,
    Site,
    StaffGroup,
)

_ROUTE = Route(
    "r",
    ("p3",),
    (),
    (EscalationStep("platform", 0), EscalationStep("control", 60), EscalationStep("police", 300)),
    remind_after_seconds=120,
    reescalate_after_seconds=240,
    fallback_after_seconds=90,
)
_ALL = frozenset({"platform", "control", "police"})


def test_everyone_on_duty_waits_each_step() -> None:
    assert alert_delays(_ROUTE, _ALL) == {"platform": 0, "control": 60, "police": 300}
    assert fallback_delay(_ROUTE, _ALL) == 390


def test_a_step_with_nobody_on_duty_is_not_waited_on() -> None:
    assert alert_delays(_ROUTE, frozenset({"control", "police"})) == {
        "platform": 0,
        "control": 0,
        "police": 240,
    }
    assert alert_delays(_ROUTE, frozenset({"platform", "police"})) == {
        "platform": 0,
        "control": 60,
        "police": 60,
    }
    # Nobody at the last step: the kiosk shows the fallback when it comes.
    assert fallback_delay(_ROUTE, frozenset({"platform"})) == 60
    assert fallback_delay(_ROUTE, frozenset()) == 0


def test_groups_at_the_same_step_count_together() -> None:
    route = Route(
        "r",
        ("p3",),
        (),
        (EscalationStep("a", 0), EscalationStep("b", 0), EscalationStep("c", 30)),
    )
    assert alert_delays(route, frozenset({"b", "c"}))["c"] == 30  # b is there to answer
    assert alert_delays(route, frozenset({"c"}))["c"] == 0


def test_staffed_groups_counts_devices_not_off_duty() -> None:
    key = b"k" * 32
    site = Site(
        name="s",
        version=1,
        emergency_number="112",
        groups=(StaffGroup("platform", "P"), StaffGroup("control", "C")),
        devices=(
            DeviceRecord("a", DeviceRole.STAFF, key, key, group_id="platform"),
            DeviceRecord("b", DeviceRole.STAFF, key, key, group_id="control"),
        ),
    )
    assert staffed_groups(site, []) == {"platform", "control"}
    assert staffed_groups(site, ["b"]) == {"platform"}


def test_accepted_timers_count_from_the_accept() -> None:
    assert not reminder_due(_ROUTE, 1000.0, 1119.0)
    assert reminder_due(_ROUTE, 1000.0, 1120.0)
    assert not reescalation_due(_ROUTE, 1000.0, 1239.0)
    assert reescalation_due(_ROUTE, 1000.0, 1240.0)


def test_routes_without_timers_read_as_defaults_and_round_trip() -> None:
    site = Site(
        name="s",
        version=1,
        emergency_number="112",
        locations=(Location("p3", "Central", "Platform 3"),),
        groups=(StaffGroup("platform", "P"), StaffGroup("control", "C"), StaffGroup("police", "X")),
        routes=(_ROUTE,),
    )
    doc = site.to_document()
    assert Site.from_document(doc).routes == (_ROUTE,)
    for key in ("remind_after_seconds", "reescalate_after_seconds", "fallback_after_seconds"):
        del doc["routes"][0][key]
    old = Site.from_document(doc).routes[0]
    assert old.steps == _ROUTE.steps
    assert old.remind_after_seconds > 0
    assert old.reescalate_after_seconds > old.remind_after_seconds
