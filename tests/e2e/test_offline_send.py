"""The hub is down when the traveller sends: the kiosk says so at once and shows
where else to get help, keeps sending in the background, and the request goes
through when the hub is back, with nobody pressing anything again. Nobody
touching the kiosk never stops the sending: only "I no longer need help" does."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from kiosk.core.categories import Category
from tests.app_driver import AppDriver
from tests.conftest import Site, start_hub
from tests.hub_events import listen

pytestmark = pytest.mark.usefixtures("display")


def _text(state: dict[str, object], fragment: str) -> bool:
    return any(fragment in t for t in state["texts"])  # type: ignore[union-attr]


def _send_for_help(traveller: AppDriver) -> None:
    traveller.press(language="en")
    traveller.press(id="agree")
    traveller.wait_until(lambda s: s["screen"] == "category", "category screen")
    traveller.press(category=Category.LOST.value)
    traveller.press(id="details_continue")
    traveller.press(id="send")


def test_a_request_sent_while_the_hub_is_down_goes_through_when_it_is_back(
    site: Site, tmp_path: Path
) -> None:
    traveller = AppDriver("traveller", site.kiosk.directory, "720x1280", tmp_path / "t.log")
    hub = None
    try:
        _send_for_help(traveller)
        state = traveller.wait_until(
            lambda s: _text(s, "We could not reach the staff"), "fallback at once", timeout=20
        )
        assert _text(state, "Please call 112")
        assert _text(state, "We keep trying")
        hub = start_hub(site.layout, site.port)  # the link returns
        staff = site.client(site.staff)
        # The kiosk's next try may come before the console is connected (the ticket
        # is then in its snapshot) or after (then it is pushed): either counts.
        events = listen(staff, keep_snapshot=True)
        state = traveller.wait_until(
            lambda s: _text(s, "Your request has been sent"), "sent by itself", timeout=60
        )
        assert not _text(state, "We could not reach the staff")
        seen = [e for e in list(events.queue) if e.get("type") == "ticket"]
        while not seen:
            event = events.get(timeout=20)
            if event.get("type") == "ticket":
                seen.append(event)
        assert seen[0]["ticket"]["category"] == "lost"
        staff.close()
    finally:
        traveller.close()
        if hub is not None:
            hub.stop()


def test_a_request_still_being_sent_is_never_withdrawn_by_inactivity(
    site: Site, tmp_path: Path
) -> None:
    """A traveller who collapsed after sending must not lose the request: the
    kiosk keeps sending however long nobody touches it, and once the hub has it,
    makes room for the next traveller without withdrawing it."""
    traveller = AppDriver(
        "traveller",
        site.kiosk.directory,
        "720x1280",
        tmp_path / "t.log",
        # The thank-you screen stays until the test has read it (3 s is a slow poll
        # under load).
        env={
            "KIOSK_TEST_INACTIVITY": "30",
            "KIOSK_TEST_WARNING": "20",
            "KIOSK_TEST_DONE_SECONDS": "600",
        },
    )
    hub = None
    try:
        _send_for_help(traveller)
        traveller.wait_until(lambda s: _text(s, "We keep trying"), "retrying", timeout=20)
        idle = traveller.call("idle", seconds=3600)  # an hour untouched, as the clock goes
        assert not idle["asking"]
        state = traveller.state()
        assert state["screen"] == "waiting"
        assert state["has_request"]
        # The clock back to now: an hour untouched would hand the request over the
        # moment the hub has it, before a poll could see that it does.
        traveller.call("idle", seconds=0)
        hub = start_hub(site.layout, site.port)
        traveller.wait_until(
            lambda s: "Start a new request" in s["texts"], "delivered when the hub is back", 60
        )
        traveller.call("idle", seconds=3600)  # now the hub has it: room for the next one
        state = traveller.wait_until(lambda s: s["screen"] == "done", "handed over")
        assert _text(state, "Your request stays with the staff.")
    finally:
        traveller.close()
        if hub is not None:
            hub.stop()
    with sqlite3.connect(site.layout.hub / "hub.db") as db:
        assert db.execute("SELECT state FROM tickets").fetchall() in (
            [("submitted",)],
            [("delivered",)],
        )
