"""Which console reports a new request as delivered, and when."""

from __future__ import annotations

from kiosk.client.delivery import (
    LATENESS_CAP_SECONDS,
    REPORT_STEP_SECONDS,
    delivery_report_delay,
    report_delay_for,
    still_to_report,
)
from kiosk.core.site import DeviceRecord, DeviceRole
from kiosk.core.ticket import new_ticket_id
from kiosk.operator import sample_site


def test_exactly_one_console_reports_at_once_and_the_others_take_turns() -> None:
    readers = [f"staff-{n}" for n in range(5)]
    firsts = set()
    for _ in range(50):
        ticket_id = new_ticket_id()
        delays = {r: delivery_report_delay(ticket_id, r, readers) for r in readers}
        assert sorted(delays.values())[0] == 0.0
        assert sorted(delays.values())[1] >= REPORT_STEP_SECONDS  # no two at once
        # Every console computes the same order on its own.
        again = {r: delivery_report_delay(ticket_id, r, reversed(readers)) for r in readers}
        assert [r for r in readers if again[r] == 0.0] == [r for r in readers if delays[r] == 0.0]
        firsts.add(min(delays, key=lambda r: delays[r]))
        # A console that is not among the readers (no manifest yet) waits longest.
        assert delivery_report_delay(ticket_id, "staff-new", readers) > max(delays.values())
    assert len(firsts) > 1  # the first reporter changes from request to request


def test_only_an_unreported_request_is_reported() -> None:
    assert still_to_report("submitted")
    assert not still_to_report("delivered")
    assert not still_to_report("accepted")
    assert not still_to_report(None)


def test_a_late_request_makes_each_turn_wait_as_long_again() -> None:
    readers = [f"staff-{n}" for n in range(5)]
    ticket_id = new_ticket_id()
    prompt = sorted(delivery_report_delay(ticket_id, r, readers) for r in readers)
    late = sorted(delivery_report_delay(ticket_id, r, readers, lateness=2.0) for r in readers)
    assert late[0] == prompt[0] == 0.0  # the first console still reports at once
    # The second waits for the first's report to come back as late as the request did.
    assert late[1] >= REPORT_STEP_SECONDS + 2 * 2.0 > prompt[1] - REPORT_STEP_SECONDS / 2
    # A clock ahead of the hub's, or an old request, adds no more than the cap.
    capped = sorted(delivery_report_delay(ticket_id, r, readers, lateness=3600) for r in readers)
    assert capped[1] <= 1.5 * (REPORT_STEP_SECONDS + 2 * LATENESS_CAP_SECONDS)
    # A clock behind the hub's (negative lateness) is taken as no lateness.
    early = sorted(delivery_report_delay(ticket_id, r, readers, lateness=-9) for r in readers)
    assert early[1] <= 1.5 * REPORT_STEP_SECONDS


def test_lateness_is_taken_from_the_requests_last_change() -> None:
    site = sample_site()
    for n in range(3):
        staff = DeviceRecord(f"staff-{n}", DeviceRole.STAFF, b"s", b"h", group_id="central-staff")
        site = site.with_device(staff)
    route = {"location_id": "central-p3", "category": "unwell", "urgency": "urgent"}
    readers = [d.id for d in site.recipients_for(*route.values())]
    assert len(readers) == 3
    view = {"id": new_ticket_id(), "updated_at": 1000.0, "created_at": 990.0, **route}
    second = sorted(readers, key=lambda r: delivery_report_delay(view["id"], r, readers))[1]
    assert report_delay_for(view, second, site, now=1000.1) < 1.5 * (REPORT_STEP_SECONDS + 0.2)
    assert report_delay_for(view, second, site, now=1003.0) >= REPORT_STEP_SECONDS + 6.0
