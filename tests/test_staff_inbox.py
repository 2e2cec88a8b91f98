"""The staff console's inbox: ordering, updates, and no ghosts after a reconnect."""

from __future__ import annotations

from typing import Any

import pytest

import kiosk.staff.inbox as inbox_module
from kiosk.core.body import TicketBody
from kiosk.core.categories import Category, Urgency
from kiosk.core.ticket import TicketState
from kiosk.staff.inbox import StaffInbox, TicketView


def _event(
    ticket_id: str, state: str = "submitted", urgency: str = "normal", at: float = 1.0
) -> dict[str, Any]:
    return {
        "type": "ticket",
        "ticket": {
            "id": ticket_id,
            "state": state,
            "urgency": urgency,
            "category": "unwell",
            "created_at": at,
            "sealed": "c2VhbGVk",
        },
    }


def _inbox() -> StaffInbox:
    return StaffInbox(lambda view: TicketBody(Category.UNWELL, Urgency.NORMAL, "en"))


def test_urgent_first_then_oldest() -> None:
    inbox = _inbox()
    inbox.apply(_event("a", at=1.0))
    inbox.apply(_event("b", at=2.0, urgency="urgent"))
    inbox.apply(_event("c", at=0.5))
    assert [i.id for i in inbox.ordered()] == ["b", "c", "a"]


def test_updates_change_state_and_closing_removes() -> None:
    inbox = _inbox()
    assert inbox.apply(_event("a"))[0] == "new"
    what, item = inbox.apply(_event("a", state="accepted"))
    assert what == "updated"
    assert item is not None
    assert item.state.value == "accepted"
    assert inbox.apply(_event("a", state="resolved"))[0] == "closed"
    assert inbox.items == {}
    assert inbox.apply(_event("zzz", state="resolved"))[0] == "ignored"


def test_the_view_is_parsed_once_and_an_update_keeps_the_sealed_copy() -> None:
    inbox = _inbox()
    inbox.apply(_event("a"))
    update = _event("a", state="accepted")
    update["ticket"].update(sealed="b3RoZXI=", accepted_by="staff-1", eta_minutes=5)
    _, item = inbox.apply(update)
    assert item is not None
    assert item.view == TicketView(
        id="a",
        category=Category.UNWELL,
        urgency=Urgency.NORMAL,
        state=TicketState.ACCEPTED,
        created_at=1.0,
        accepted_by="staff-1",
        eta_minutes=5,
        sealed="c2VhbGVk",
    )
    assert item.view.as_json()["state"] == "accepted"


def test_a_view_that_does_not_parse_is_refused() -> None:
    bad = _event("a", urgency="whenever")
    with pytest.raises(ValueError, match="whenever"):
        _inbox().apply(bad)


def test_a_reconnect_snapshot_drops_ghosts_and_keeps_the_rest() -> None:
    inbox = _inbox()
    inbox.apply(_event("kept"))
    inbox.apply(_event("resolved-while-offline"))
    inbox.apply({"type": "connecting"})
    inbox.apply(_event("kept"))
    inbox.apply(_event("new-while-offline"))
    inbox.apply({"type": "synced"})
    assert sorted(inbox.items) == ["kept", "new-while-offline"]


def test_a_ticket_this_console_cannot_open_is_still_listed() -> None:
    inbox = StaffInbox(lambda view: None)
    what, item = inbox.apply(_event("a"))
    assert what == "new"
    assert item is not None
    assert item.body is None


def test_replies_are_recorded_on_their_ticket_only() -> None:
    inbox = _inbox()
    inbox.apply(_event("a"))
    reply = {"id": "r1", "ticket_id": "a", "staff_id": "staff-ben", "created_at": 2.0}
    what, item = inbox.apply({"type": "reply", "reply": reply})
    assert what == "reply"
    assert item is not None
    assert item.replies == {"r1": "staff-ben"}
    stray = {"id": "r2", "ticket_id": "gone", "staff_id": "staff-ben", "created_at": 2.0}
    assert inbox.apply({"type": "reply", "reply": stray}) == ("ignored", None)


def test_the_hub_can_alert_again_for_a_request_already_shown() -> None:
    inbox = _inbox()
    inbox.apply(_event("a"))
    what, item = inbox.apply(_event("a", state="accepted"))
    assert item is not None
    assert not item.calls_for_attention  # someone has it
    what, item = inbox.apply({**_event("a", state="accepted"), "alert": "reminder"})
    assert what == "alert"
    assert item is not None
    assert item.calls_for_attention
    item.acknowledged = True
    assert not item.calls_for_attention
    what, item = inbox.apply({**_event("a", state="delivered"), "alert": "handed_over"})
    assert (what, item.alert if item else None) == ("alert", "handed_over")
    assert item is not None
    assert item.calls_for_attention  # a tap before the hand-over does not silence it


def test_a_handed_over_request_stops_alerting_once_accepted() -> None:
    inbox = _inbox()
    inbox.apply(_event("a", state="accepted"))
    inbox.apply({**_event("a", state="delivered"), "alert": "handed_over"})
    _, item = inbox.apply(_event("a", state="accepted"))
    assert item is not None
    assert not item.calls_for_attention


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _counting_inbox(clock: _Clock | None = None) -> tuple[StaffInbox, list[str]]:
    opened: list[str] = []

    def open_body(view: dict[str, Any]) -> TicketBody:
        opened.append(str(view["id"]))
        return TicketBody(Category.UNWELL, Urgency.NORMAL, "en")

    return StaffInbox(open_body, clock or _Clock()), opened


@pytest.mark.parametrize("closed", ["resolved", "cancelled", "expired", "not_found"])
def test_a_request_closed_here_and_served_again_as_open_is_a_replay(closed: str) -> None:
    """A hostile hub replays a genuine ticket: kiosk signature and seal are real."""
    inbox, opened = _counting_inbox()
    assert inbox.apply(_event("a"))[0] == "new"
    assert inbox.apply(_event("a", state=closed))[0] == "closed"
    assert inbox.was_closed("a")
    for state in ("submitted", "delivered", "accepted"):
        assert inbox.apply(_event("a", state=state)) == ("replayed", None)
        assert inbox.apply({**_event("a", state=state), "alert": "reminder"})[0] == "replayed"
    inbox.apply({"type": "connecting"})  # nor as part of a snapshot after a reconnect
    assert inbox.apply(_event("a"))[0] == "replayed"
    inbox.apply({"type": "synced"})
    assert inbox.items == {}
    assert opened == ["a"]  # opened once, when it was genuinely new
    assert not inbox.was_closed("b")
    assert inbox.apply(_event("b"))[0] == "new"


def test_a_request_that_only_left_the_snapshot_may_come_back() -> None:
    """Not closed, just not this group's now (handed on, or duty changed): it
    may come back genuinely, so it is not taken for a replay."""
    inbox, _ = _counting_inbox()
    inbox.apply(_event("a"))
    inbox.apply({"type": "connecting"})
    inbox.apply({"type": "synced"})
    assert inbox.items == {}
    assert inbox.apply(_event("a"))[0] == "new"


def test_closed_requests_are_remembered_only_while_their_ticket_could_still_open() -> None:
    clock = _Clock()
    inbox, _ = _counting_inbox(clock)
    inbox.remember_seconds = 3600.0
    inbox.apply(_event("a"))
    inbox.apply(_event("a", state="resolved"))
    clock.now += 3599.0
    assert inbox.apply(_event("a"))[0] == "replayed"
    clock.now += 2.0  # past it the signed age refuses the ticket (HubClient.open_ticket)
    assert not inbox.was_closed("a")
    inbox.apply(_event("b"))
    inbox.apply(_event("b", state="resolved"))  # remembering one more forgets the old
    assert len(inbox._closed) == 1
    inbox.clear()
    assert not inbox.was_closed("b")


def test_closed_requests_remembered_are_bounded_and_never_in_clear(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(inbox_module, "_CLOSED_KEPT", 3)
    inbox, _ = _counting_inbox()
    for ticket_id in ("a", "b", "c", "d"):
        inbox.apply(_event(ticket_id))
        inbox.apply(_event(ticket_id, state="cancelled"))
    assert [inbox.was_closed(t) for t in "abcd"] == [False, True, True, True]
    assert all(len(key) == 16 for key in inbox._closed)  # keyed digests, not the ids
    assert not any(t.encode() in inbox._closed for t in "bcd")
    # A closed event for a request never shown here is not remembered: a hub
    # cannot push the genuine ones out by closing made-up ids.
    inbox.apply(_event("zzz", state="resolved"))
    assert not inbox.was_closed("zzz")
    assert inbox.was_closed("b")


def _early(ticket_id: str, skipped: object, state: str = "submitted") -> dict[str, Any]:
    return {**_event(ticket_id, state=state), "skipped": skipped}


def test_an_early_escalation_keeps_the_groups_nobody_could_be_reached_in() -> None:
    inbox = _inbox()
    unreached = {"reason": "unreached", "groups": ["central-staff", "north-staff"]}
    what, item = inbox.apply(_early("a", unreached))
    assert what == "new"
    assert item is not None
    assert item.view.skipped == ("central-staff", "north-staff")
    assert "skipped" not in item.view.as_json()  # not the hub's view of the ticket
    # Later views (an accept, a reconnect's snapshot) do not say it again: it stays.
    _, item = inbox.apply(_event("a", state="accepted"))
    assert item is not None
    assert item.view.skipped == ("central-staff", "north-staff")
    # A newer escalation names whom it skipped now.
    _, item = inbox.apply(_early("a", {"reason": "unreached", "groups": ["north-staff"]}))
    assert item is not None
    assert item.view.skipped == ("north-staff",)


@pytest.mark.parametrize(
    "skipped",
    [
        None,
        "central-staff",
        ["central-staff"],
        {"groups": ["central-staff"]},  # no reason
        {"reason": "asleep", "groups": ["central-staff"]},  # a reason this console does not know
        {"reason": "unreached", "groups": "central-staff"},
        {"reason": "unreached", "groups": [1, None, "", {"id": "x"}, "x" * 500]},
    ],
)
def test_a_malformed_skipped_note_names_nobody_and_the_request_still_shows(
    skipped: object,
) -> None:
    what, item = _inbox().apply(_early("a", skipped))
    assert what == "new"
    assert item is not None
    assert item.view.skipped == ()


def test_the_skipped_groups_are_kept_once_each_and_bounded() -> None:
    groups = ["central-staff", 7, "central-staff"] + [f"g{n}" for n in range(20)]
    _, item = _inbox().apply(_early("a", {"reason": "unreached", "groups": groups}))
    assert item is not None
    assert item.view.skipped == ("central-staff", *(f"g{n}" for n in range(7)))
