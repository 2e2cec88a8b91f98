"""Two real staff consoles (and a real kiosk) against a real hub, on a virtual
display: alerts, who has a request, a refused second accept, hand-over,
"could not find the traveller", off duty, and the kiosk's side of each."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.client import DeviceConfig
from kiosk.core.body import TicketBody
from kiosk.core.categories import Category, Urgency
from kiosk.core.site import DeviceRole, EscalationStep
from kiosk.core.ticket import new_ticket_id
from kiosk.operator import enrol_local_device
from kiosk.operator.site_admin import current_site, publish
from tests.app_driver import AppDriver
from tests.conftest import HubProcess, Site

pytestmark = pytest.mark.usefixtures("display")

_PLACE = "Platform 3, north stairs"


def _shots(tmp_path: Path) -> Path:
    return Path(os.environ.get("KIOSK_SCREENSHOTS", tmp_path / "screenshots"))


def _text(state: dict[str, Any], fragment: str) -> bool:
    return any(fragment in t for t in state["texts"])


@pytest.fixture
def colleague(site: Site) -> DeviceConfig:
    """A second console of the same group, enrolled before any request is sealed."""
    return enrol_local_device(
        site.layout, DeviceRole.STAFF, site.hub_url, group_id="central-staff", device_id="staff-ben"
    )


def _console(config: DeviceConfig, tmp_path: Path, language: str = "en") -> AppDriver:
    log = tmp_path / f"{config.device_id}-{language}.log"
    return AppDriver("staff", config.directory, "900x1100", log, language=language)


@pytest.fixture
def consoles(
    site: Site, hub: HubProcess, colleague: DeviceConfig, tmp_path: Path
) -> Iterator[tuple[AppDriver, AppDriver]]:
    anna = _console(site.staff, tmp_path)
    try:
        ben = _console(colleague, tmp_path)
    except BaseException:
        anna.close()
        raise
    try:
        for console in (anna, ben):
            console.wait_until(lambda s: s["connected"], "console connected")
        yield anna, ben
    finally:
        anna.close()
        ben.close()


def _submit(site: Site) -> str:
    kiosk = site.client(site.kiosk)
    ticket_id = new_ticket_id()
    kiosk.submit_ticket(kiosk.site(), ticket_id, TicketBody(Category.LOST, Urgency.NORMAL, "en"))
    kiosk.close()
    return ticket_id


def test_two_consoles_one_accepts_the_other_is_refused_then_hand_over_and_not_found(
    site: Site, consoles: tuple[AppDriver, AppDriver], tmp_path: Path
) -> None:
    shots = _shots(tmp_path)
    anna, ben = consoles
    _submit(site)
    for console in (anna, ben):  # both alerted
        state = console.wait_until(
            lambda s: len(s["cards"]) == 1 and s["alerting"] and s["alerts_played"] >= 1,
            "the alert",
        )
        assert _text(state, f"New help request at {_PLACE}")
    anna.screenshot(shots / "staff-en-3-two-consoles-alert.png")

    # Both press "accept" at the same moment: one wins, the other is refused.
    anna.send("press", card=0, id="accept")
    ben.send("press", card=0, id="accept")
    pressed = {"anna": anna.receive(), "ben": ben.receive()}
    assert all(a["ok"] for a in pressed.values()), pressed
    winner, loser, winner_id = (
        (anna, ben, "staff-anna")
        if anna.wait_until(lambda s: s["cards"][0]["accepted"], "accepted")["cards"][0]["mine"]
        else (ben, anna, "staff-ben")
    )
    state = loser.wait_until(
        lambda s: (
            s["cards"][0]["status"] == f"Accepted by {winner_id}"
            and s["message"] == "A colleague has already accepted this request."
        ),
        "who has it, and the refusal",
    )
    assert not state["cards"][0]["mine"]
    assert _text(state, "A colleague has already accepted this request.")
    assert not state["alerting"]
    loser.screenshot(shots / "staff-en-4-refused.png")
    state = winner.wait_until(lambda s: _text(s, "Could not find the traveller"), "new actions")
    assert _text(state, "Hand over")
    winner.screenshot(shots / "staff-en-5-card-actions.png")

    # Back to colleagues: unaccepted again, and the others are alerted.
    winner.press(card=0, id="hand_over")
    winner.wait_until(lambda s: _text(s, "Back to my colleagues"), "hand-over choice")
    winner.screenshot(shots / "staff-en-6-hand-over.png")
    winner.press(id="release")
    state = loser.wait_until(
        lambda s: (
            not s["cards"][0]["accepted"]
            and s["alerting"]
            and _text(s, f"Handed over to your group: {_PLACE}")
        ),
        "the hand-over alert",
    )
    winner.wait_until(lambda s: not s["cards"][0]["mine"], "released")

    # The colleague takes it, goes, and finds nobody: closed for everyone.
    loser.press(card=0, id="accept")
    loser.wait_until(lambda s: s["cards"][0]["mine"], "accepted by the colleague")
    loser.press(card=0, id="not_found")
    state = loser.state()
    assert state["cards"]  # a single press only asks to confirm
    assert _text(state, "Press again to close the request")
    loser.press(card=0, id="not_found")
    loser.wait_until(lambda s: not s["cards"], "closed")
    winner.wait_until(
        lambda s: (
            not s["cards"]
            and _text(s, f"The request at {_PLACE} was closed: nobody was found there.")
        ),
        "the notice",
    )
    assert site.layout.store().count_rows() == {"tickets": 0, "sealed_copies": 0, "replies": 0}


def test_an_off_duty_console_lists_requests_but_never_alerts(
    site: Site, consoles: tuple[AppDriver, AppDriver], tmp_path: Path
) -> None:
    anna, ben = consoles
    ben.press(id="duty")
    ben.wait_until(lambda s: not s["on_duty"], "off duty")
    _submit(site)
    anna.wait_until(lambda s: s["alerting"] and s["alerts_played"] >= 1, "the on-duty alert")
    state = ben.wait_until(lambda s: len(s["cards"]) == 1, "the request listed")
    assert not state["alerting"]
    assert state["alerts_played"] == 0
    assert _text(state, "Off duty: no alerts. Requests are still listed.")
    ben.screenshot(_shots(tmp_path) / "staff-en-7-off-duty.png")
    # Back on duty, it alerts for what nobody has taken yet.
    ben.press(id="duty")
    ben.wait_until(lambda s: s["on_duty"] and s["alerting"], "on duty again")


@pytest.mark.parametrize("language", ["ar", "ja"])
def test_console_screens_in_other_scripts(
    site: Site, hub: HubProcess, tmp_path: Path, language: str
) -> None:
    shots = _shots(tmp_path)
    console = _console(site.staff, tmp_path, language)
    try:
        console.wait_until(lambda s: s["connected"], "console connected")
        _submit(site)
        console.wait_until(lambda s: s["alerting"], "the alert")
        console.screenshot(shots / f"staff-{language}-3-alert.png")
        console.press(card=0, id="accept")
        console.wait_until(lambda s: s["cards"] and s["cards"][0]["mine"], "accepted")
        console.screenshot(shots / f"staff-{language}-5-card-actions.png")
        console.press(card=0, id="hand_over")
        console.wait_until(lambda s: len(s["texts"]) > 12, "hand-over choice")
        console.screenshot(shots / f"staff-{language}-6-hand-over.png")
        console.press(id="close")
        console.press(id="duty")
        console.wait_until(lambda s: not s["on_duty"], "off duty")
        console.screenshot(shots / f"staff-{language}-7-off-duty.png")
        assert console.call("layout_problems")["problems"] == []
    finally:
        console.close()


def test_the_kiosk_after_a_hand_over_a_not_found_and_a_fallback(
    site: Site, hub: HubProcess, tmp_path: Path
) -> None:
    current = current_site(site.layout)
    routes = tuple(
        dataclasses.replace(
            r, steps=(EscalationStep("central-staff", 0),), fallback_after_seconds=3
        )
        if r.id == "central-all"
        else r
        for r in current.routes
    )
    publish(site.layout, dataclasses.replace(current, routes=routes))
    shots = _shots(tmp_path)
    staff = site.client(site.staff)
    kiosk = AppDriver("traveller", site.kiosk.directory, "720x1280", tmp_path / "kiosk.log")
    try:
        kiosk.press(language="en")
        kiosk.press(id="agree")
        kiosk.wait_until(lambda s: s["screen"] == "category", "category screen")
        kiosk.press(category="lost")
        kiosk.press(id="details_continue")
        kiosk.wait_until(lambda s: s["screen"] == "urgency", "urgency screen")
        kiosk.press(id="send")
        # Nobody answers within the last step's limit: where else to get help.
        state = kiosk.wait_until(
            lambda s: _text(s, "No member of staff has answered yet"), "the fallback", timeout=15
        )
        assert _text(state, "Please call 112")
        assert _text(state, "Your request stays open")
        assert state["has_request"]
        kiosk.screenshot(shots / "en-13-nobody-answered.png")

        open_ids = [t.id for t in site.layout.store().open_tickets()]
        assert len(open_ids) == 1
        ticket_id = open_ids[0]
        staff.act(ticket_id, "accept", 4)
        kiosk.wait_until(lambda s: _text(s, "Help is coming"), "help is coming")
        staff.act(ticket_id, "hand_over")  # back to colleagues
        kiosk.wait_until(
            lambda s: _text(s, "Staff have received your request") and not _text(s, "Help is"),
            "seen by staff again",
        )
        staff.act(ticket_id, "accept", 2)
        kiosk.wait_until(lambda s: _text(s, "Help is coming"), "help is coming again")
        staff.act(ticket_id, "not_found")
        state = kiosk.wait_until(lambda s: s["screen"] == "done", "the not-found message")
        assert _text(state, "could not find you")
        assert not state["has_request"]
        kiosk.screenshot(shots / "en-14-not-found.png")
        kiosk.wait_until(lambda s: s["screen"] == "start", "back to start", timeout=15)
    finally:
        kiosk.close()
        staff.close()


def test_an_accepted_request_left_open_reminds_its_accepter(
    site: Site, hub: HubProcess, tmp_path: Path
) -> None:
    current = current_site(site.layout)
    routes = tuple(
        dataclasses.replace(r, remind_after_seconds=2) if r.id == "central-all" else r
        for r in current.routes
    )
    publish(site.layout, dataclasses.replace(current, routes=routes))
    console = _console(site.staff, tmp_path)
    try:
        console.wait_until(lambda s: s["connected"], "console connected")
        _submit(site)
        console.wait_until(lambda s: s["alerting"], "the alert")
        console.press(card=0, id="accept")
        state = console.wait_until(lambda s: s["cards"][0]["mine"], "accepted")
        played = state["alerts_played"]
        state = console.wait_until(
            lambda s: s["alerting"] and _text(s, f"Still open: {_PLACE}"), "the reminder"
        )
        assert state["alerts_played"] > played
        console.screenshot(_shots(tmp_path) / "staff-en-8-still-open.png")
        console.press(id="alert")  # a tap silences it; the request stays
        state = console.wait_until(lambda s: not s["alerting"], "silenced")
        assert state["cards"][0]["mine"]
    finally:
        console.close()


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_control_room_is_told_why_a_request_came_early(
    site: Site, hub: HubProcess, tmp_path: Path, language: str
) -> None:
    """The route's first group has no console open: its step is skipped at once,
    and the control room's card says whom nobody could be reached in."""
    current = current_site(site.layout)
    steps = (EscalationStep("central-staff", 0), EscalationStep("central-control", 600))
    routes = tuple(
        dataclasses.replace(r, steps=steps) if r.id == "central-all" else r for r in current.routes
    )
    publish(site.layout, dataclasses.replace(current, routes=routes))
    control = enrol_local_device(
        site.layout, DeviceRole.STAFF, site.hub_url, group_id="central-control", device_id="ctl-1"
    )
    console = _console(control, tmp_path, language)
    try:
        console.wait_until(lambda s: s["connected"], "console connected")
        _submit(site)  # staff-anna, the platform staff's only console, is not running
        state = console.wait_until(
            lambda s: len(s["cards"]) == 1 and s["cards"][0]["skipped"] and s["alerting"],
            "the early request",
        )
        console.screenshot(_shots(tmp_path) / f"staff-{language}-9-came-early.png")
        if language == "en":
            assert state["cards"][0]["skipped"] == (
                "Sent to you early: nobody on duty could be reached in"
                " Central Station platform staff."
            )
            assert _text(state, f"New help request at {_PLACE}")  # only the place
        assert console.call("layout_problems")["problems"] == []
    finally:
        console.close()
