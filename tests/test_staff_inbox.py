"""The staff console's inbox: ordering, updates, and no ghosts after a reconnect."""

from __future__ import annotations

from typing import Any

from kiosk.core.body import TicketBody
from kiosk.core.categories import Category, Urgency
from kiosk.staff.inbox import StaffInbox


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
