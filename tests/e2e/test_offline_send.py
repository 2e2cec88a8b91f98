"""The hub is down when the traveller sends: the kiosk says so at once and shows
where else to get help, keeps sending in the background, and the request goes
through when the hub is back, with nobody pressing anything again. A traveller
who walks away instead stops the sending (the kiosk resets and sends nothing)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from kiosk.core.categories import Category
from tests.app_driver import AppDriver
from tests.conftest import Site, start_hub
from tests.hub_events import listen
from tests.waiting import wait_until

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


def test_a_traveller_who_walks_away_while_the_hub_is_down_sends_nothing(
    site: Site, tmp_path: Path
) -> None:
    traveller = AppDriver(
        "traveller",
        site.kiosk.directory,
        "720x1280",
        tmp_path / "t.log",
        env={"KIOSK_TEST_INACTIVITY": "2", "KIOSK_TEST_WARNING": "2"},
    )
    hub = None
    try:
        _send_for_help(traveller)
        traveller.wait_until(lambda s: _text(s, "We keep trying"), "retrying", timeout=20)
        traveller.wait_until(lambda s: s["screen"] == "start", "reset after the warning", 30)
        hub = start_hub(site.layout, site.port)
        # Every job the app runs off the UI thread has ended, its sender among
        # them, with the hub up to take anything the sender still sent.
        wait_until(lambda: traveller.call("background")["running"] == 0, "the sending to end")
    finally:
        traveller.close()
        if hub is not None:
            hub.stop()
    with sqlite3.connect(site.layout.hub / "hub.db") as db:
        assert db.execute("SELECT count(*) FROM tickets").fetchone() == (0,)
