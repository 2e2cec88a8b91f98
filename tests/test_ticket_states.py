"""The ticket state machine, checked by the states it reaches and the events it refuses."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.core.errors import IllegalTransition
from kiosk.core.ticket import (
    CLOSED_STATES,
    OPEN_STATES,
    TRANSITIONS,
    TicketEvent,
    TicketState,
    next_state,
    short_code,
)
from tests.tickets import open_ticket


def test_the_common_path_ends_resolved() -> None:
    t = open_ticket()
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
    t = open_ticket().apply(TicketEvent.ACCEPT, at=2.0, actor="staff-1")
    with pytest.raises(IllegalTransition, match="already accepted by staff-1"):
        t.apply(TicketEvent.ACCEPT, at=3.0, actor="staff-2")
    assert t.accepted_by == "staff-1"


def test_resolve_before_anyone_saw_it_is_refused() -> None:
    with pytest.raises(IllegalTransition):
        open_ticket().apply(TicketEvent.RESOLVE, at=2.0)


def test_accept_needs_an_actor() -> None:
    with pytest.raises(IllegalTransition):
        open_ticket().apply(TicketEvent.ACCEPT, at=2.0)


@given(st.lists(st.sampled_from(list(TicketEvent)), max_size=12))
def test_any_event_sequence_stays_within_the_table(events: list[TicketEvent]) -> None:
    """Whatever arrives, a ticket is only ever in a state the table allows, and
    once closed it stays closed."""
    t = open_ticket()
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


def _run(events: list[tuple[TicketEvent, dict[str, str]]]) -> list[TicketState]:
    """The states a ticket passes through for a sequence of (event, arguments)."""
    t, states = open_ticket(), []
    for event, args in events:
        t = t.apply(event, at=float(len(states) + 2), **args)  # type: ignore[arg-type]
        states.append(t.state)
    return states


def test_a_handover_returns_the_ticket_to_unaccepted_for_the_group() -> None:
    t = open_ticket().apply(TicketEvent.ACCEPT, at=2.0, actor="staff-1", eta_minutes=3)
    assert t.accepted_at == 2.0
    t = t.apply(TicketEvent.HAND_OVER, at=3.0, actor="staff-1", group="control")
    assert (t.state, t.accepted_by, t.eta_minutes, t.accepted_at, t.handed_to) == (
        TicketState.DELIVERED,
        None,
        None,
        None,
        "control",
    )
    t = t.apply(TicketEvent.ACCEPT, at=4.0, actor="ctl-1")  # the new group takes it
    assert (t.accepted_by, t.accepted_at) == ("ctl-1", 4.0)


def test_only_the_accepter_hands_over_or_reports_not_found() -> None:
    t = open_ticket().apply(TicketEvent.ACCEPT, at=2.0, actor="staff-1")
    for event in (TicketEvent.HAND_OVER, TicketEvent.NOT_FOUND):
        with pytest.raises(IllegalTransition, match="only staff-1"):
            t.apply(event, at=3.0, actor="staff-2", group="control")
    with pytest.raises(IllegalTransition):  # nobody accepted it: nothing to hand over
        open_ticket().apply(TicketEvent.HAND_OVER, at=2.0, actor="staff-1", group="control")
    with pytest.raises(IllegalTransition):  # a hand-over names the group
        t.apply(TicketEvent.HAND_OVER, at=3.0, actor="staff-1")


def test_not_found_is_its_own_closed_outcome() -> None:
    states = _run(
        [
            (TicketEvent.DELIVER, {}),
            (TicketEvent.ACCEPT, {"actor": "staff-1"}),
            (TicketEvent.HAND_OVER, {"actor": "staff-1", "group": "staff"}),
            (TicketEvent.ACCEPT, {"actor": "staff-2"}),
            (TicketEvent.NOT_FOUND, {"actor": "staff-2"}),
        ]
    )
    assert states == [
        TicketState.DELIVERED,
        TicketState.ACCEPTED,
        TicketState.DELIVERED,
        TicketState.ACCEPTED,
        TicketState.NOT_FOUND,
    ]
    assert TicketState.NOT_FOUND in CLOSED_STATES
    with pytest.raises(IllegalTransition):  # only after someone went to look
        open_ticket().apply(TicketEvent.NOT_FOUND, at=2.0, actor="staff-1")
