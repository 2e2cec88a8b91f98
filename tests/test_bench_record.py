"""What the bench counts as lost: a ticket the hub acknowledged and then let go of,
not one still open on the hub because a simulated person ran out of patience."""

from __future__ import annotations

from kiosk.bench.record import Plan, Recorder


def test_unclosed_tickets_still_open_on_the_hub_are_unfinished_not_lost() -> None:
    recorder = Recorder()
    plan = Plan(kiosk_id="k", acceptor_id="s1", escalate=False, cancel=False)
    for ticket_id in ("closed", "open-on-hub", "gone", "never-shown", "refused"):
        recorder.tapped(ticket_id, plan)
    for ticket_id in ("closed", "open-on-hub", "gone", "never-shown"):
        recorder.submitted(ticket_id)
    for ticket_id in ("closed", "open-on-hub", "gone"):
        recorder.notified(ticket_id, "s1", None, 0.0)
    recorder.kiosk_saw("closed", "resolved")
    assert sorted(recorder.unclosed_ids()) == ["gone", "never-shown", "open-on-hub"]

    report = recorder.summary(open_on_hub={"open-on-hub", "never-shown"})
    # "gone": acknowledged, unclosed and no longer on the hub. "never-shown": no
    # console ever showed it, wherever it is. "refused" was never acknowledged.
    assert report["lost"] == 2
    assert report["unfinished"] == 1
    assert report["tickets_closed"] == 1
    assert recorder.summary()["lost"] == 3  # without the hub's word, unclosed is lost


def test_a_given_up_submission_is_reported_with_the_hubs_answer() -> None:
    recorder = Recorder()
    plan = Plan(kiosk_id="k", acceptor_id="s1", escalate=False, cancel=False)
    for ticket_id in ("a", "b", "c"):
        recorder.tapped(ticket_id, plan)
    recorder.submit_failed("a", "429 slow_down")
    recorder.submit_failed("b", "429 slow_down")
    recorder.submit_failed("c", "HubUnreachable")
    report = recorder.summary()
    assert report["submit_failures"] == 3
    assert report["submit_failure_kinds"] == {"429 slow_down": 2, "HubUnreachable": 1}
    assert report["lost"] == 0  # never acknowledged: the kiosk said so, nothing was lost
