"""What the kiosk's waiting screen says for each state of a request
(kiosk/traveller/status_texts.py), without a window: the texts are chosen
here, and the app only puts them on the screen."""

from __future__ import annotations

import pytest

from tests.kivy_in_process import kivy_ready

kivy_ready()  # the translator is a Kivy event dispatcher

from kiosk.core.categories import Category  # noqa: E402
from kiosk.core.ticket import TicketState  # noqa: E402
from kiosk.traveller.request_flow import TravellerRequest  # noqa: E402
from kiosk.traveller.status_texts import (  # noqa: E402
    Closed,
    Status,
    state_status,
    trouble_status,
    unreachable_status,
)
from kiosk.uikit.translator import tr  # noqa: E402


@pytest.fixture(autouse=True)
def english() -> None:
    tr.switch("en")


def _request(state: str, *, eta: int | None = None, fallback: bool = False) -> TravellerRequest:
    request = TravellerRequest(language="en", category=Category.UNWELL)
    request.state, request.eta_minutes, request.fallback = state, eta, fallback
    return request


def test_sent_and_received_say_so_and_that_nobody_is_coming_yet() -> None:
    sent = state_status(_request(TicketState.SUBMITTED.value), "112", "en")
    seen = state_status(_request(TicketState.DELIVERED.value), "112", "en")
    assert sent == Status(
        "Your request has been sent",
        "Please stay here if you can. A member of staff will answer soon.",
        help_coming=False,
    )
    assert isinstance(seen, Status)
    assert seen.heading == "Staff have received your request"
    assert seen.help_coming is False


def test_accepted_says_help_is_coming_and_when() -> None:
    shown = state_status(_request(TicketState.ACCEPTED.value, eta=5), "112", "en")
    assert isinstance(shown, Status)
    assert (shown.heading, shown.help_coming, shown.failed) == ("Help is coming", True, False)
    assert shown.detail.endswith("Expected in about 5 minutes.")
    bare = state_status(_request(TicketState.ACCEPTED.value), "112", "en")
    assert isinstance(bare, Status)
    assert "Expected" not in bare.detail


def test_unanswered_and_unreachable_give_the_emergency_number() -> None:
    late = state_status(_request(TicketState.SUBMITTED.value, fallback=True), "999", "en")
    assert isinstance(late, Status)
    assert late.heading == "No member of staff has answered yet"
    assert "999" in late.detail
    assert late.detail.endswith("Your request stays open: staff may still come.")
    for status in (trouble_status("999"), unreachable_status("999")):
        assert status.failed
        assert status.detail.startswith("Please call 999 in an emergency")
    assert "We keep trying" in trouble_status("999").detail
    assert "We keep trying" not in unreachable_status("999").detail


@pytest.mark.parametrize(
    ("state", "words"),
    [
        (TicketState.RESOLVED, "We hope you are well."),
        (TicketState.CANCELLED, "withdrawn"),
        (TicketState.EXPIRED, "withdrawn"),
        (TicketState.NOT_FOUND, "could not find you"),
    ],
)
def test_closed_states_end_with_a_message(state: TicketState, words: str) -> None:
    shown = state_status(_request(state.value), "112", "en")
    assert isinstance(shown, Closed)
    assert words in shown.message


def test_states_not_at_the_hub_change_nothing() -> None:
    assert state_status(_request("sending"), "112", "en") is None
