"""Every offered language, on the real kiosk app: each screen is shown, every text
fits on the window, and a screenshot is kept (KIOSK_SCREENSHOTS to keep them)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kiosk.i18n import SUPPORTED_LOCALES
from tests.app_driver import AppDriver
from tests.conftest import HubProcess, Site

pytestmark = pytest.mark.usefixtures("display")


def test_every_language_renders_every_screen_within_the_window(
    site: Site, hub: HubProcess, tmp_path: Path
) -> None:
    shots = Path(os.environ.get("KIOSK_SCREENSHOTS", tmp_path)) / "languages"
    traveller = AppDriver("traveller", site.kiosk.directory, "720x1280", tmp_path / "t.log")
    problems: dict[str, list[str]] = {}
    try:
        for code in SUPPORTED_LOCALES:
            traveller.press(language=code)
            traveller.wait_until(
                lambda s, c=code: s["screen"] == "consent" and s["language"] == c, "consent"
            )
            for screen, then in (("consent", "agree"), ("category", None)):
                found = traveller.call("layout_problems")["problems"]
                if found:
                    problems[f"{code}/{screen}"] = found
                traveller.screenshot(shots / f"{code}-{screen}.png")
                if then:
                    traveller.press(id=then)
                    traveller.wait_until(lambda s: s["screen"] == "category", "category")
            traveller.press(category="unwell")
            traveller.wait_until(lambda s: s["screen"] == "details", "details")
            traveller.press(phrase="sit_down")  # a toggle down, and "Continue" instead of "Skip"
            found = traveller.call("layout_problems")["problems"]
            if found:
                problems[f"{code}/details"] = found
            traveller.screenshot(shots / f"{code}-details.png")
            traveller.press(id="details_continue")
            traveller.wait_until(lambda s: s["screen"] == "urgency", "urgency")
            found = traveller.call("layout_problems")["problems"]
            if found:
                problems[f"{code}/urgency"] = found
            traveller.press(id="cancel")
            traveller.wait_until(lambda s: s["screen"] == "start", "start")
    finally:
        traveller.close()
    assert problems == {}


@pytest.mark.parametrize("code", ["ja", "hi", "he", "th", "de"])
def test_staff_console_in_other_scripts_shows_a_request_within_the_window(
    site: Site, hub: HubProcess, tmp_path: Path, code: str
) -> None:
    from kiosk.core.body import TicketBody
    from kiosk.core.categories import Category, Urgency
    from kiosk.core.ticket import new_ticket_id

    kiosk = site.client(site.kiosk)
    kiosk.submit_ticket(
        kiosk.site(), new_ticket_id(), TicketBody(Category.MEDICAL_NOW, Urgency.URGENT, "ar")
    )
    staff = AppDriver("staff", site.staff.directory, "900x1000", tmp_path / "s.log", language=code)
    try:
        staff.wait_until(lambda s: len(s["cards"]) == 1, "the request on the console")
        assert staff.call("layout_problems")["problems"] == []
        shots = Path(os.environ.get("KIOSK_SCREENSHOTS", tmp_path)) / "languages"
        staff.screenshot(shots / f"staff-{code}.png")
    finally:
        staff.close()


def test_a_right_to_left_screen_mirrors_its_left_to_right_twin(
    site: Site, hub: HubProcess, tmp_path: Path
) -> None:
    traveller = AppDriver("traveller", site.kiosk.directory, "720x1280", tmp_path / "t.log")

    def positions(code: str, screen: str) -> tuple[dict[str, dict[str, object]], float]:
        traveller.press(language=code)
        traveller.wait_until(lambda s: s["screen"] == "consent" and s["language"] == code, "")
        if screen == "category":
            traveller.press(id="agree")
            traveller.wait_until(lambda s: s["screen"] == "category", "category")
        answer = traveller.call("positions")
        traveller.press(id="cancel")
        traveller.wait_until(lambda s: s["screen"] == "start", "start")
        return answer["positions"], answer["window_width"]

    try:
        for screen, buttons in (("consent", ("agree", "cancel")), ("category", ("back", "cancel"))):
            ltr, width = positions("en", screen)
            rtl, _ = positions("ar", screen)
            for name in buttons:
                a, b = ltr[name], rtl[name]
                assert b["y"] == pytest.approx(a["y"], abs=1)
                assert b["w"] == pytest.approx(a["w"], abs=1)
                # Mirrored: the same distance from the other edge.
                assert b["x"] == pytest.approx(width - a["x"] - a["w"], abs=2), (screen, name)
            for name, widget in ltr.items():
                if widget["halign"] == "left":
                    assert rtl[name]["halign"] == "right", (screen, name)
    finally:
        traveller.close()
