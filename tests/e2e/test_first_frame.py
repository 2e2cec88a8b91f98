"""What the first frame after a touch shows, on the real kiosk and staff apps.

A screen that is not shown draws its texts when it is about to be shown, not
when the language changes (kiosk/uikit/offscreen_text.py), and a screen is
built before its first frame (BaseScreen.on_pre_enter). Either done a frame
late would show, for a frame, the texts of the language before in the new
language's font: boxes for missing glyphs, or English letters set right to left.
Each first frame must show what the screen shows once settled, each text drawn
for what it holds. And a button in a list shows it is pressed at the touch,
though a Kivy ScrollView holds touches back 250 ms where it can scroll.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app_driver import AppDriver
from tests.conftest import HubProcess, Site

pytestmark = pytest.mark.usefixtures("display")

# Right to left, CJK, Indic, and back to English, which the kiosk starts in.
_LANGUAGES = ("ar", "ja", "hi", "en")


def test_the_first_frame_of_each_screen_shows_its_texts_in_the_chosen_language(
    site: Site, hub: HubProcess, tmp_path: Path
) -> None:
    # With no drawing in idle frames, each screen's first frame draws by itself.
    traveller = AppDriver(
        "traveller",
        site.kiosk.directory,
        "720x1280",
        tmp_path / "t.log",
        env={"KIOSK_TEST_NO_IDLE_DRAWING": "1"},
    )
    walk = (
        ({"language": None}, "consent"),
        ({"id": "agree"}, "category"),
        ({"category": "unwell"}, "details"),
        ({"id": "details_continue"}, "urgency"),
        ({"id": "cancel"}, "start"),
    )
    try:
        for code in _LANGUAGES:
            traveller.wait_until(lambda s: s["screen"] == "start", "start")
            for target, screen in walk:
                touch = {k: v if v is not None else code for k, v in target.items()}
                frame = traveller.call("press_first_frame", **touch)
                assert (code, frame["screen"], frame["stale"]) == (code, screen, [])
                traveller.call("still")  # frames later, the screen settled
                settled = traveller.wait_until(lambda s, n=screen: s["screen"] == n, screen)
                if screen != "start":  # whose title cycles through the languages
                    assert (code, screen, frame["texts"]) == (code, screen, settled["texts"])
    finally:
        traveller.close()


def test_the_pin_pad_opens_without_the_last_message(
    site: Site, hub: HubProcess, tmp_path: Path
) -> None:
    """A screen cleared when it is shown is cleared before its first frame: the
    next person at the pad does not see, even for a frame, how the last one did."""
    from kiosk.client.maintenance_pin import set_pin

    set_pin(site.kiosk.directory, "246810")
    traveller = AppDriver("traveller", site.kiosk.directory, "720x1280", tmp_path / "t.log")
    try:
        for visit in range(2):
            traveller.wait_until(lambda s: s["screen"] == "start", "start")
            traveller.send("next_screen_first_frame")
            traveller.call("hold", id="hold_corner", seconds=3.5)
            frame = traveller.receive()
            assert (frame["screen"], frame["stale"]) == ("pin", [])
            assert not any("Wrong PIN" in t for t in frame["texts"]), visit
            for digit in "111111":
                traveller.press(text=digit)
            traveller.press(id="ok")
            assert any("Wrong PIN" in t for t in traveller.state()["texts"])
            traveller.press(id="cancel")
    finally:
        traveller.close()


def test_a_language_shows_it_is_pressed_at_once_and_opens_on_release(
    site: Site, hub: HubProcess, tmp_path: Path
) -> None:
    """The list of languages fits the kiosk's screen, so nothing holds the touch
    back to see whether it becomes a scroll (Kivy's ScrollView waits 250 ms)."""
    traveller = AppDriver("traveller", site.kiosk.directory, "1080x1920", tmp_path / "t.log")
    try:
        traveller.wait_until(lambda s: s["screen"] == "start", "start")
        assert traveller.call("hold", language="de", seconds=0.3)["state"] == "down"
        traveller.wait_until(
            lambda s: s["screen"] == "consent" and s["language"] == "de", "consent in German"
        )
    finally:
        traveller.close()


def test_accept_on_a_staff_console_shows_it_is_pressed_at_once(
    site: Site, hub: HubProcess, tmp_path: Path
) -> None:
    from kiosk.core.body import TicketBody
    from kiosk.core.categories import Category, Urgency
    from kiosk.core.ticket import new_ticket_id

    kiosk = site.client(site.kiosk)
    kiosk.submit_ticket(
        kiosk.site(), new_ticket_id(), TicketBody(Category.UNWELL, Urgency.URGENT, "en")
    )
    staff = AppDriver("staff", site.staff.directory, "900x1000", tmp_path / "s.log")
    try:
        staff.wait_until(lambda s: len(s["cards"]) == 1, "the request on the console")
        assert staff.call("hold", card=0, id="accept", seconds=0.3)["state"] == "down"
        staff.wait_until(lambda s: s["cards"][0]["accepted"], "accepted")
    finally:
        staff.close()


def test_in_a_list_that_scrolls_a_touch_shows_at_once_and_a_drag_presses_nothing(
    site: Site, hub: HubProcess, tmp_path: Path
) -> None:
    """With larger text the languages and the details no longer fit, and their
    lists scroll: the button under a finger still shows pressed at the touch (a
    detail, whose state is whether it is chosen, by its frame), a finger that
    moves scrolls and presses nothing, and a tap opens the next screen in the
    first frame after the finger lifts."""
    traveller = AppDriver("traveller", site.kiosk.directory, "720x1280", tmp_path / "t.log")

    def start_with_larger_text() -> None:  # the modes end with each traveller
        traveller.wait_until(lambda s: s["screen"] == "start", "start")
        if not traveller.state()["modes"]["large_text"]:
            traveller.press(id="mode_large_text")
            traveller.wait_until(lambda s: s["modes"]["large_text"], "larger text")
        traveller.call("still")  # laid out anew: only the first languages are in view

    try:
        start_with_larger_text()
        assert traveller.call("hold", language="bg", seconds=0.3)["state"] == "down"
        traveller.wait_until(lambda s: s["screen"] == "consent", "consent after a held press")
        traveller.press(id="cancel")
        start_with_larger_text()
        assert traveller.call("press_first_frame", language="es")["screen"] == "consent"
        traveller.press(id="cancel")
        start_with_larger_text()

        dragged = traveller.call("drag", language="bg", dy=300)
        assert (dragged["state_at_touch"], dragged["state_moved"]) == ("down", "normal")
        assert dragged["scroll_y_after"] < dragged["scroll_y_before"], "the list did not scroll"
        traveller.call("still")  # frames after the lift: a press would have shown by now
        assert traveller.state()["screen"] == "start"

        traveller.press(language="en")
        traveller.wait_until(lambda s: s["screen"] == "consent", "consent")
        traveller.press(id="agree")
        traveller.press(category="unwell")
        traveller.wait_until(lambda s: s["screen"] == "details", "details")
        traveller.call("still")
        touched = traveller.call("hold", phrase="can_wait", seconds=0.1)
        assert (touched["state"], touched["touched"]) == ("normal", True)
    finally:
        traveller.close()
