"""The ticket state machine, checked by the states it reaches and the events it refuses."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.core.categories import Category, Urgency
from kiosk.core.errors import IllegalTransition
from kiosk.core.ticket import (
    CLOSED_STATES,
    OPEN_STATES,
    TRANSITIONS,
    Ticket,
    TicketEvent,
    TicketState,
    new_ticket_id,
    next_state,
    short_code,
)


def _ticket() -> Ticket:
    return Ticket(
        id=new_ticket_id(),
        kiosk_id="kiosk-1",
        location_id="p3",
        category=Category.UNWELL,
        urgency=Urgency.NORMAL,
        created_at=1.0,
    )


def test_the_common_path_ends_resolved() -> None:
    t = _ticket()
    t = t.apply(TicketEvent.DELIVER, at=2.0)
    t = t.apply(TicketEvent.ACCEPT, at=3.0, actor="staff-1", eta_minutes=4)
    assert (t.state, t.accepted_by, t.eta_minutes) == (TicketState.ACCEPTED, "staff-1", 4)
    t = t.apply(TicketEvent.RESOLVE, at=4.0)
    assert t.state is TicketState.RESOLVED
    assert not t.is_open


@pytest.mark.parametrize("closed", sorted(CLOSED_STATES))
@pytest.mark.parametrize("event", list(TicketEvent))
def test_closed_tickets_accept_no_event(closed: TicketState, event: TicketEvent) -> None:
    with pytest.raises(IllegalTransition):
        next_state(closed, event)


def test_a_second_accept_is_refused_not_overwritten() -> None:
    t = _ticket().apply(TicketEvent.ACCEPT, at=2.0, actor="staff-1")
    with pytest.raises(IllegalTransition, match="already accepted by staff-1"):
        t.apply(TicketEvent.ACCEPT, at=3.0, actor="staff-2")
    assert t.accepted_by == "staff-1"


def test_resolve_before_anyone_saw_it_is_refused() -> None:
    with pytest.raises(IllegalTransition):
        _ticket().apply(TicketEvent.RESOLVE, at=2.0)


def test_accept_needs_an_actor() -> None:
    with pytest.raises(IllegalTransition):
        _ticket().apply(TicketEvent.ACCEPT, at=2.0)


@given(st.lists(st.sampled_from(list(TicketEvent)), max_size=12))
def test_any_event_sequence_stays_within_the_table(events: list[TicketEvent]) -> None:
    """Whatever arrives, a ticket is only ever in a state the table allows, and
    once closed it stays closed."""
    t = _ticket()
    for event in events:
        before = t
        try:
            t = t.apply(event, at=2.0, actor="staff-1")
        except IllegalTransition:
            assert t is before
            assert (before.state, event) not in TRANSITIONS or before.accepted_by
            continue
        assert TRANSITIONS[(before.state, event)] is t.state
        assert before.state in OPEN_STATES


@given(st.from_regex(r"[0-9a-f]{32}", fullmatch=True))
def test_short_codes_are_three_unambiguous_characters(ticket_id: str) -> None:
    code = short_code(ticket_id)
    assert len(code) == 3
    assert code[0].isalpha()
    assert code[1].isdigit()
    assert code[2].isalpha()
    assert not set(code) & set("0O1IB8S5Z2G6Q")  # nothing to misread or mishear
