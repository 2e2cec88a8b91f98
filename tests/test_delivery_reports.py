"""Which console reports a new request as delivered, and when."""

from __future__ import annotations

from kiosk.client.delivery import REPORT_STEP_SECONDS, delivery_report_delay, still_to_report
from kiosk.core.ticket import new_ticket_id


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
