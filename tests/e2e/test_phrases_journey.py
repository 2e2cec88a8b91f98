"""Details and replies travel as phrase ids: each reader sees them in their own
language. Real hub, real kiosk and staff apps, driven by touches."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kiosk.core.phrases import DETAIL_PHRASES, REPLY_PHRASES
from kiosk.i18n import load_translations
from kiosk.resources import LOCALES_DIR
from kiosk.uikit.theme import contrast_ratio
from tests.app_driver import AppDriver
from tests.conftest import HubProcess, Site
from tests.residue import residue

pytestmark = pytest.mark.usefixtures("display")

CHOSEN = ("sit_down", "wheelchair")
REPLY = "reply.stay_put"


def _shots(tmp_path: Path) -> Path:
    return Path(os.environ.get("KIOSK_SCREENSHOTS", tmp_path / "screenshots"))


def _in(code: str, message: str) -> str:
    text = load_translations(code, LOCALES_DIR).gettext(message)
    if code != "en":
        assert text != message, f"{message!r} is not translated into {code} yet"
    return text


@pytest.mark.parametrize(
    ("kiosk_language", "staff_language"), [("ar", "de"), ("en", "ja"), ("ja", "ar"), ("de", "en")]
)
def test_details_and_replies_reach_each_reader_in_their_language(
    site: Site, hub: HubProcess, tmp_path: Path, kiosk_language: str, staff_language: str
) -> None:
    shots = _shots(tmp_path)
    traveller = AppDriver("traveller", site.kiosk.directory, "720x1280", tmp_path / "kiosk.log")
    staff = AppDriver(
        "staff", site.staff.directory, "900x1000", tmp_path / "staff.log", language=staff_language
    )
    try:
        staff.wait_until(lambda s: s["connected"], "staff console connected")
        high_contrast = kiosk_language == "de"  # the reply's card in both palettes
        if high_contrast:
            traveller.press(id="mode_high_contrast")
        traveller.press(language=kiosk_language)
        traveller.press(id="agree")
        traveller.wait_until(lambda s: s["screen"] == "category", "category screen")
        traveller.press(category="unwell")
        state = traveller.wait_until(lambda s: s["screen"] == "details", "details screen")
        skip = _in(kiosk_language, "Skip")
        assert skip in state["texts"]  # nothing chosen: it says "Skip", never blocks
        for phrase in CHOSEN:
            traveller.press(phrase=phrase)
        state = traveller.state()
        assert _in(kiosk_language, "Continue") in state["texts"]
        assert _in(kiosk_language, DETAIL_PHRASES["in_pain"]) in state["texts"]
        assert traveller.call("layout_problems")["problems"] == []
        spoken = traveller.call("screen_speech")["text"]
        assert _in(kiosk_language, DETAIL_PHRASES["wheelchair"]) in spoken
        traveller.screenshot(shots / f"{kiosk_language}-details.png")
        traveller.press(id="details_continue")
        traveller.wait_until(lambda s: s["screen"] == "urgency", "urgency screen")
        traveller.press(id="send")

        # The console shows the details in the staff member's language.
        state = staff.wait_until(
            lambda s: len(s["cards"]) == 1 and s["cards"][0]["details"], "details on the card"
        )
        card = state["cards"][0]
        for phrase in CHOSEN:
            assert _in(staff_language, DETAIL_PHRASES[phrase]) in card["details"]
        assert _in(staff_language, DETAIL_PHRASES["in_pain"]) not in card["details"]
        staff.screenshot(shots / f"staff-{staff_language}-details.png")

        # A reply, picked on the console, is shown on the kiosk in the traveller's language.
        staff.press(card=0, id="reply")
        staff.wait_until(
            lambda s: _in(staff_language, REPLY_PHRASES[REPLY]) in s["texts"], "picker"
        )
        staff.screenshot(shots / f"staff-{staff_language}-reply-picker.png")
        staff.press(phrase=REPLY)
        staff.wait_until(lambda s: s["cards"][0]["replies"], "the console shows the reply went")
        reply = _in(kiosk_language, REPLY_PHRASES[REPLY])
        state = traveller.wait_until(lambda s: reply in s["texts"], "reply on the kiosk")
        assert _in(kiosk_language, "A staff member replied:") in state["texts"]
        # Read against the card the reply is drawn on, not the screen behind it.
        heading = _in(kiosk_language, "A staff member replied:")
        drawn = [
            c
            for c in traveller.call("colours")["colours"]
            if c["text"] in (reply[:30], heading[:30])
        ]
        assert len(drawn) == 2, drawn
        for c in drawn:
            ratio = contrast_ratio(tuple(c["fg"]), tuple(c["bg"]))  # type: ignore[arg-type]
            assert ratio >= (7.0 if high_contrast else 4.5), (c, ratio)
        spoken = traveller.call("screen_speech")["text"]
        assert reply in spoken
        assert traveller.call("layout_problems")["problems"] == []
        traveller.screenshot(shots / f"{kiosk_language}-waiting-reply.png")
        staff.screenshot(shots / f"staff-{staff_language}-replied.png")

        # Resolved: the reply goes with the ticket; the kiosk forgets it.
        ticket_id = card["id"]
        staff.press(card=0, id="resolve")
        traveller.wait_until(lambda s: s["screen"] == "done", "thank-you screen")
        traveller.wait_until(lambda s: s["screen"] == "start", "back to start", timeout=15)
        assert reply not in traveller.state()["texts"]
        assert residue(site.layout.root, {"ticket id": ticket_id.encode()}) == []
        assert "stay" not in hub.log_text()
    finally:
        staff.close()
        traveller.close()


def test_console_shows_free_text_as_written_and_marks_unknown_details(
    site: Site, hub: HubProcess, tmp_path: Path
) -> None:
    """A body from a newer kiosk: an id this console does not know is skipped
    with a note; free text is shown as the traveller wrote it, in its own script."""
    from kiosk.core.body import TicketBody
    from kiosk.core.categories import Category, Urgency
    from kiosk.core.ticket import new_ticket_id

    kiosk = site.client(site.kiosk)
    free_text = "أنا عند الدرج رقم 3"
    body = TicketBody(
        Category.LOST, Urgency.NORMAL, "ar", ("in_pain", "from_a_newer_kiosk"), free_text
    )
    staff = AppDriver("staff", site.staff.directory, "900x1000", tmp_path / "s.log", language="de")
    try:
        staff.wait_until(lambda s: s["connected"], "staff console connected")
        kiosk.submit_ticket(kiosk.site(), new_ticket_id(), body)
        state = staff.wait_until(lambda s: s["cards"] and s["cards"][0]["details"], "card")
        details = state["cards"][0]["details"]
        assert _in("de", DETAIL_PHRASES["in_pain"]) in details
        assert "from_a_newer_kiosk" not in details
        assert _in("de", "Some details cannot be shown: update this console.") in details
        note = _in("de", "Written by the traveller ({language}):").format(language="Arabisch")
        assert note in state["texts"]
        assert any("الدرج" in t for t in state["texts"])  # shaped as written, not translated
        assert staff.call("layout_problems")["problems"] == []
        staff.screenshot(_shots(tmp_path) / "staff-de-free-text.png")
    finally:
        staff.close()
        kiosk.close()
