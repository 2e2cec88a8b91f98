"""The accessibility modes on the real kiosk app, in both orientations: switched
on the start screen, every traveller screen walked in each mode, and on each
one every button measured (20 mm on the kiosk's panel, gaps between them, in
reach when low reach is on), every text checked for clipping and overlap, and
in high contrast every text's colours measured (7:1). The modes end with the
session. KIOSK_SCREENSHOTS=DIR keeps a picture of every screen under DIR/modes
(packaging/screens/make_mode_sheets.py turns them into docs/screens/modes/)."""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.i18n import SUPPORTED_LOCALES
from kiosk.traveller.settings import TravellerSettings
from kiosk.uikit.theme import contrast_ratio
from tests.app_driver import AppDriver
from tests.conftest import HubProcess, Site

pytestmark = pytest.mark.usefixtures("display")

_DEFAULTS = TravellerSettings(device_dir=Path("."))
# 20 mm on the default panel (102 dpi), never below 44 px.
MIN_TARGET = max(44.0, _DEFAULTS.min_target_mm / 25.4 * _DEFAULTS.screen_dpi)
MIN_GAP = 8.0  # px between two buttons: a finger on one does not touch the other
# EN 301 549 5.1.4: in the larger-text mode a capital H subtends at least 0.7°
# at the viewing distance we specify (500 mm): 6.1 mm, in px on the panel.
VIEWING_MM = 500.0
MIN_CAP_PX = 2 * VIEWING_MM * math.tan(math.radians(0.35)) / 25.4 * _DEFAULTS.screen_dpi
_MODE_BUTTONS = {
    "large_text": "mode_large_text",
    "high_contrast": "mode_high_contrast",
    "low_reach": "mode_low_reach",
}
# (language, modes) walked in each orientation.
_WALKS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("en", ()),
    ("en", ("large_text",)),
    ("en", ("high_contrast",)),
    ("en", ("low_reach",)),
    ("en", ("large_text", "high_contrast", "low_reach")),
    ("ar", ("large_text",)),
    ("ja", ("low_reach", "high_contrast")),
)


@pytest.fixture(params=["1080x1920", "1920x1080"], ids=["portrait", "landscape"])
def kiosk(request: Any, site: Site, hub: HubProcess, tmp_path: Path) -> Iterator[AppDriver]:
    driver = AppDriver("traveller", site.kiosk.directory, request.param, tmp_path / "t.log")
    yield driver
    driver.close()


def _cap_height_ratio() -> float:
    """Capital-letter height per em of the font Latin text is drawn in."""
    from fontTools.ttLib import TTFont

    from kiosk.i18n import locale_info

    with TTFont(locale_info("en").font_regular) as font:
        return float(font["OS/2"].sCapHeight) / float(font["head"].unitsPerEm)


def _overlap_gap(a: dict[str, Any], b: dict[str, Any]) -> float:
    """The distance between two rectangles; negative when they overlap."""
    dx = max(b["x"] - (a["x"] + a["w"]), a["x"] - (b["x"] + b["w"]))
    dy = max(b["y"] - (a["y"] + a["h"]), a["y"] - (b["y"] + b["h"]))
    return max(dx, dy)


def check_screen(kiosk: AppDriver, modes: tuple[str, ...], where: str) -> list[str]:
    """Everything wrong with the screen on show, as readable lines."""
    problems = [f"{where}: {p}" for p in kiosk.call("layout_problems")["problems"]]
    answer = kiosk.call("targets")
    width, height = answer["window"]
    targets = [t for t in answer["targets"] if t["visible"]]
    assert targets, f"{where}: nothing to press"
    if where.endswith("/start"):
        shown = [t for t in targets if t["name"] in SUPPORTED_LOCALES]
        if len(shown) < 6:  # the list of languages shows a good part of itself
            problems.append(f"{where}: only {len(shown)} languages in view")
    for t in targets:
        if t["w"] < MIN_TARGET - 0.5 or t["h"] < MIN_TARGET - 0.5:
            problems.append(f"{where}: {t['name']} is {t['w']:.0f}x{t['h']:.0f} px")
        if not t["scrolls"] and (t["x"] < 0 or t["x"] + t["w"] > width + 1 or t["y"] < -1):
            problems.append(f"{where}: {t['name']} is off the window")
        if "low_reach" in modes and height > width:
            top = t["y"] + t["h"]  # from the bottom of the window
            if top > _DEFAULTS.reach_fraction * height + 1:
                problems.append(f"{where}: {t['name']} is out of reach (top at {top:.0f} px)")
    for i, a in enumerate(targets):
        for b in targets[i + 1 :]:
            if a["scrolls"] != b["scrolls"]:
                continue  # one may scroll under the edge of the other's area
            gap = _overlap_gap(a, b)
            if gap < MIN_GAP:
                problems.append(f"{where}: {a['name']} and {b['name']} are {gap:.0f} px apart")
    if "large_text" in modes and where.startswith("en/"):
        for c in kiosk.call("colours")["colours"]:
            if c["font_size"] * _cap_height_ratio() < MIN_CAP_PX - 0.01:
                problems.append(f"{where}: {c['text']!r} is {c['font_size']:.0f} px, too small")
    if "high_contrast" in modes:
        for c in kiosk.call("colours")["colours"]:
            assert c["bg"] is not None, f"{where}: no known ground under {c['text']!r}"
            ratio = contrast_ratio(tuple(c["fg"]), tuple(c["bg"]))  # type: ignore[arg-type]
            if ratio < 7.0:
                problems.append(f"{where}: {c['text']!r} has contrast {ratio:.1f}:1")
    return problems


def walk(kiosk: AppDriver, language: str, modes: tuple[str, ...], shots: Path | None) -> list[str]:
    """One traveller's session through every screen, with `modes` switched on."""
    problems: list[str] = []
    step = 0
    label = "-".join(modes) or "normal"

    def look(screen: str) -> None:
        nonlocal step
        step += 1
        problems.extend(check_screen(kiosk, modes, f"{language}/{label}/{screen}"))
        if shots is not None:
            kiosk.screenshot(shots / f"{language}-{label}-{step}-{screen}.png")

    for mode in modes:
        kiosk.press(id=_MODE_BUTTONS[mode])
    state = kiosk.wait_until(
        lambda s: all(s["modes"][m] for m in modes), f"modes {modes} switched on"
    )
    look("start")
    kiosk.press(language=language)
    kiosk.wait_until(lambda s: s["screen"] == "consent" and s["language"] == language, "consent")
    assert all(kiosk.state()["modes"][m] for m in modes)  # choosing a language keeps them
    look("consent")
    kiosk.press(id="agree")
    kiosk.wait_until(lambda s: s["screen"] == "category", "category")
    look("category")
    kiosk.press(category="unwell")
    kiosk.wait_until(lambda s: s["screen"] == "details", "details")
    look("details")
    kiosk.press(id="details_continue")
    kiosk.wait_until(lambda s: s["screen"] == "urgency", "urgency")
    look("urgency")
    kiosk.press(id="send")
    state = kiosk.wait_until(
        lambda s: s["screen"] == "waiting" and len(s["texts"]) > 4 and s["sounds_played"] > 0,
        "status",
    )
    look("waiting")
    kiosk.press(id="cancel")
    kiosk.wait_until(lambda s: s["screen"] == "done", "thank-you screen")
    look("done")
    kiosk.press(id="finish")
    state = kiosk.wait_until(lambda s: s["screen"] == "start", "back to the start")
    # The session is over: the next traveller starts with everything normal.
    assert state["modes"] == {
        "large_text": False,
        "high_contrast": False,
        "low_reach": False,
        "volume_level": state["modes"]["volume_level"],
    }
    assert state["language"] == "en"
    return problems


def test_every_screen_in_every_mode_has_large_separate_reachable_targets_and_readable_text(
    kiosk: AppDriver,
) -> None:
    shots_dir = os.environ.get("KIOSK_SCREENSHOTS")
    size = "x".join(str(n) for n in kiosk.call("targets")["window"])
    shots = Path(shots_dir) / "modes" / size if shots_dir else None
    problems: list[str] = []
    for language, modes in _WALKS:
        problems += walk(kiosk, language, modes, shots)
    assert not problems, "\n".join(problems)


def test_the_more_time_question_is_heard_and_stays_within_reach(
    site: Site, hub: HubProcess, tmp_path: Path
) -> None:
    """Low reach and larger text: the warning before a reset opens in the lower
    part of the screen, chimes as well as shows (more than one sense), and its
    button is a large target."""
    kiosk = AppDriver(
        "traveller",
        site.kiosk.directory,
        "1080x1920",
        tmp_path / "t.log",
        env={"KIOSK_TEST_INACTIVITY": "2", "KIOSK_TEST_WARNING": "30"},
    )
    modes = ("low_reach", "large_text")
    try:
        for mode in modes:
            kiosk.press(id=_MODE_BUTTONS[mode])
        kiosk.press(language="en")
        kiosk.press(id="agree")
        before = kiosk.wait_until(lambda s: s["screen"] == "category", "category")["sounds_played"]
        state = kiosk.wait_until(
            lambda s: any("Do you need more time?" in t for t in s["texts"]), "the warning"
        )
        assert state["sounds_played"] > before
        kiosk.call("still")  # the dialog's layout settles after it opens
        assert check_screen(kiosk, modes, "en/more-time") == []
        names = [t["name"] for t in kiosk.call("targets")["targets"]]
        assert names == ["more_time"]  # the screen beneath cannot be pressed meanwhile
        shots = os.environ.get("KIOSK_SCREENSHOTS")
        if shots:
            kiosk.screenshot(Path(shots) / "modes" / "1080x1920" / "en-low_reach-more-time.png")
        kiosk.press(id="more_time")
        assert kiosk.state()["screen"] == "category"
    finally:
        kiosk.close()
