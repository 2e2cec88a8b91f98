"""What the bench counts as lost: a ticket the hub acknowledged and then let go of,
not one still open on the hub because a simulated person ran out of patience."""

from __future__ import annotations

from kiosk.bench.record import GONE, Plan, Recorder


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


def test_a_request_gone_while_its_kiosk_was_away_is_closed_only_if_someone_closed_it() -> None:
    recorder = Recorder()
    plan = Plan(kiosk_id="k", acceptor_id="s1", escalate=False, cancel=False)
    for ticket_id in ("resolved-unseen", "dropped-by-hub", "cancelled-unseen"):
        recorder.tapped(ticket_id, plan)
        recorder.submitted(ticket_id)
        recorder.notified(ticket_id, "s1", None, 0.0)
    # The kiosk's stream was down as they closed; back, it finds each gone (404).
    recorder.close_acked("resolved-unseen", "resolved")
    recorder.close_acked("cancelled-unseen", "cancelled")
    for ticket_id in ("resolved-unseen", "dropped-by-hub", "cancelled-unseen"):
        recorder.kiosk_saw(ticket_id, GONE)
    report = recorder.summary()
    assert report["tickets_closed"] == 2
    assert (report["resolved"], report["cancelled"]) == (1, 1)
    # Nobody's close was acknowledged: the hub let it go.
    assert report["lost"] == 1
    assert recorder.unclosed_ids() == ["dropped-by-hub"]
    # A close seen on the stream after all is not a second close.
    recorder.kiosk_saw("resolved-unseen", GONE)
    assert recorder.summary()["duplicated"] == 0
