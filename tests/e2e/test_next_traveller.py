"""Kind to the next traveller: once the hub has a request, the kiosk makes room
for the next person (a button, or the waiting screen left untouched) without
withdrawing it: it stays open for staff. The site file's times reach the kiosk,
and the start screen says where else to get help while the hub is unreachable.

The inactivity clock is driven (the harness's `idle` op), never waited out.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from kiosk.i18n.bidi_text import for_rtl_label, isolate
from kiosk.i18n.catalogs import load_translations
from kiosk.operator.site_changes import apply_site_file, export_site_file
from tests.app_driver import AppDriver
from tests.conftest import HubProcess, Site, start_hub
from tests.e2e.test_offline_send import _send_for_help, _text

pytestmark = pytest.mark.usefixtures("display")

_STAYS = "Your request stays with the staff."
_POINT = "Ticket office, main hall"
_PHONE = "+44 20 7946 0321"
_PLATFORM_JA = "3番線 北階段"


def _sent(traveller: AppDriver) -> None:
    # Offered once the hub has the request (sent, received, or nobody answered yet).
    traveller.wait_until(lambda s: "Start a new request" in s["texts"], "the hub has it")


def _open_tickets(site: Site) -> list[str]:
    """The hub's states of its tickets, asked of the hub through the staff device."""
    with sqlite3.connect(site.layout.hub / "hub.db") as db:
        ids = [row[0] for row in db.execute("SELECT id FROM tickets ORDER BY created_at")]
    staff = site.client(site.staff)
    try:
        return [str(staff.call("GET", f"/v1/tickets/{i}")["state"]) for i in ids]
    finally:
        staff.close()


def _edit_site(site: Site, tmp_path: Path, **limits: int) -> None:
    """The central station gets a help point, a phone and three languages, its
    kiosk a name in each; `limits` replace the site file's times."""
    text = export_site_file(site.layout)
    plain = 'label = "Platform 3, north stairs"'
    assert plain in text
    text = text.replace(plain, f'label = {{ en = "Platform 3", ja = "{_PLATFORM_JA}" }}')
    for key, value in limits.items():
        start = text.index(f"{key} = ")
        text = text[:start] + f"{key} = {value}" + text[text.index("\n", start) :]
    central = text.index('id = "central"\n')
    end = text.index("[[station.area]]", central)
    station = text[central:end]
    station = station[: station.index("languages = [")] + (
        'languages = ["en", "ar", "ja"]\ndefault_language = "en"\n'
        'emergency_number = "112"\n'
        f'help_point = "{_POINT}"\nhelp_phone = "{_PHONE}"\n\n'
    )
    (tmp_path / "site.toml").write_text(text[:central] + station + text[end:])
    apply_site_file(site.layout, tmp_path / "site.toml")


def test_start_a_new_request_leaves_the_first_open_for_staff(
    site: Site, hub: HubProcess, tmp_path: Path
) -> None:
    # The thank-you screen stays until the test presses on (3 s is a slow poll under load).
    traveller = AppDriver(
        "traveller",
        site.kiosk.directory,
        "720x1280",
        tmp_path / "t.log",
        env={"KIOSK_TEST_DONE_SECONDS": "600"},
    )
    try:
        _send_for_help(traveller)
        _sent(traveller)
        traveller.press(id="start_new")
        state = traveller.wait_until(lambda s: s["screen"] == "done", "the way out")
        assert _text(state, _STAYS)
        assert not state["has_request"]  # forgotten here at once
        traveller.press(id="finish")
        traveller.wait_until(lambda s: s["screen"] == "start", "the start screen")
        assert _open_tickets(site) in (["submitted"], ["delivered"])  # not withdrawn
        _send_for_help(traveller)  # the next traveller's own request
        _sent(traveller)
        assert len(_open_tickets(site)) == 2
        assert all(t in ("submitted", "delivered") for t in _open_tickets(site))
        shots = Path(os.environ.get("KIOSK_SCREENSHOTS", tmp_path))
        traveller.screenshot(shots / "waiting-start-new.png")
    finally:
        traveller.close()


def test_an_untouched_waiting_screen_hands_over_after_the_sites_time(
    site: Site, hub: HubProcess, tmp_path: Path
) -> None:
    # outcome_seconds: the thank-you screen stays while the test reads it.
    _edit_site(site, tmp_path, handover_seconds=40, more_time_seconds=20, outcome_seconds=60)
    traveller = AppDriver(
        "traveller",
        site.kiosk.directory,
        "720x1280",
        tmp_path / "t.log",
        env={"KIOSK_TEST_SITE_LIMITS": "1"},
    )
    try:
        _send_for_help(traveller)
        _sent(traveller)
        idle = traveller.call("idle", seconds=35)
        assert idle["times"]["handover_seconds"] == 40
        assert not idle["asking"]  # not yet: the site's 40 s, not the kiosk's own
        assert traveller.call("idle", seconds=41)["asking"]
        assert _text(traveller.state(), "Do you need more time?")
        traveller.call("idle", seconds=61)  # nobody answered
        state = traveller.wait_until(lambda s: s["screen"] == "done", "handed over")
        assert _text(state, _STAYS)
        assert _open_tickets(site) in (["submitted"], ["delivered"])
    finally:
        traveller.close()


def test_site_times_reach_the_kiosk(site: Site, hub: HubProcess, tmp_path: Path) -> None:
    _edit_site(site, tmp_path, inactivity_seconds=45, more_time_seconds=25, outcome_seconds=4)
    traveller = AppDriver(
        "traveller",
        site.kiosk.directory,
        "720x1280",
        tmp_path / "t.log",
        env={"KIOSK_TEST_SITE_LIMITS": "1"},
    )
    try:
        traveller.wait_until(lambda s: "日本語" in s["texts"], "the station's languages")
        traveller.press(language="en")
        traveller.wait_until(lambda s: s["screen"] == "consent", "consent")
        idle = traveller.call("idle", seconds=44)
        assert idle["times"] == {
            "inactivity_seconds": 45,
            "warning_seconds": 25,
            "handover_seconds": 120,
            "done_seconds": 4,
        }
        assert not idle["asking"]
        assert traveller.call("idle", seconds=46)["asking"]
        state = traveller.state()
        assert _text(state, "Do you need more time?")
        assert _text(state, "in 24 seconds")  # the site's 25 s countdown
        traveller.call("idle", seconds=71)
        traveller.wait_until(lambda s: s["screen"] == "start", "back to the start")
        traveller.press(language="ja")  # the place's name in the traveller's language
        traveller.wait_until(lambda s: _text(s, _PLATFORM_JA), "the place named in Japanese")
    finally:
        traveller.close()


def _notice(code: str) -> str:
    """The first line of the offline notice as the start screen draws it in `code`."""
    line = load_translations(code).gettext("This kiosk is offline.")
    return for_rtl_label(line) if code == "ar" else line


def _title(code: str) -> str:
    title = load_translations(code).gettext("Need help?")
    return for_rtl_label(title) if code == "ar" else title


def test_the_start_screen_says_it_is_offline_and_where_to_go(
    site: Site, hub: HubProcess, tmp_path: Path
) -> None:
    _edit_site(site, tmp_path)
    traveller = AppDriver("traveller", site.kiosk.directory, "720x1280", tmp_path / "t.log")
    back = None
    try:
        traveller.wait_until(lambda s: "日本語" in s["texts"], "the station's facts")
        assert not _text(traveller.state(), _notice("en"))
        hub.stop()
        state = traveller.wait_until(
            lambda s: _text(s, _notice("en")), "the offline notice", timeout=60
        )
        assert _text(state, f"Please go to {_POINT} or call {_PHONE}.")
        shots = Path(os.environ.get("KIOSK_SCREENSHOTS", tmp_path))
        for code in ("en", "ar", "ja"):
            _shoot_in(traveller, code, shots / f"offline-{code}.png")
        arabic = load_translations("ar").gettext("Please go to {place} or call {phone}.")
        shown = for_rtl_label(arabic.format(place=isolate(_POINT), phone=isolate(_PHONE)))
        assert any(shown in t for t in _shot_texts["ar"])
        back = start_hub(site.layout, site.port)
        traveller.wait_until(lambda s: not _text(s, _notice("en")), "the notice gone", 60)
    finally:
        traveller.close()
        if back is not None:
            back.stop()


_shot_texts: dict[str, list[str]] = {}


def _shoot_in(traveller: AppDriver, code: str, path: Path) -> None:
    """A screenshot while the start screen's title is in `code` (it cycles):
    taken once the screen is still, kept if the title had not moved on."""
    for _attempt in range(10):
        traveller.wait_until(
            lambda s: _title(code) in s["texts"] and _text(s, _notice(code)), f"{code} shown"
        )
        traveller.call("still")
        traveller.screenshot(path)
        state = traveller.state()
        if _title(code) in state["texts"] and _text(state, _notice(code)):
            _shot_texts[code] = state["texts"]
            return
    raise AssertionError(f"no still screen in {code}")
