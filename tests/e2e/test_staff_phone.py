"""The staff console on a phone held upright (360x780 and 412x915 dp) and on a
tablet: nothing cut or overlapping, every button at least 9 mm, and "Accept"
for the first request nobody has yet at the bottom edge, where a thumb reaches
without scrolling. Real console, real hub, real sealed request."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kiosk.i18n import load_translations
from tests.app_driver import AppDriver
from tests.conftest import HubProcess, Site
from tests.e2e.test_staff_consoles import _submit

pytestmark = pytest.mark.usefixtures("display")

MIN_TARGET_MM = 9.0
# Kivy's dp is 1/160 inch; a phone's density is its pixels per dp.
_PHONES = {"360x780": 2.0, "412x915": 2.0}


def _window(dp_size: str, density: float) -> str:
    width, height = (int(int(n) * density) for n in dp_size.split("x"))
    return f"{width}x{height}"


def _mm(px: float, density: float) -> float:
    return px / density / 160 * 25.4


@pytest.mark.parametrize(
    ("dp_size", "language", "font_scale"),
    [
        ("360x780", "en", "1"),
        ("360x780", "ar", "1"),
        ("360x780", "ja", "1"),
        ("412x915", "en", "1.3"),  # the phone's "large text" setting
    ],
)
def test_the_console_fits_a_phone_and_accept_is_in_thumb_reach(
    site: Site, hub: HubProcess, tmp_path: Path, dp_size: str, language: str, font_scale: str
) -> None:
    density = _PHONES[dp_size]
    console = AppDriver(
        "staff",
        site.staff.directory,
        _window(dp_size, density),
        tmp_path / "staff.log",
        language=language,
        env={"KIVY_METRICS_DENSITY": str(density), "KIVY_METRICS_FONTSCALE": font_scale},
    )
    shots = Path(os.environ.get("KIOSK_SCREENSHOTS", tmp_path / "screenshots")) / "phone"
    try:
        console.wait_until(lambda s: s["connected"], "console connected")
        _submit(site)
        console.wait_until(lambda s: s["alerting"], "the alert")
        console.call("still")
        assert console.call("layout_problems")["problems"] == []
        found = console.call("targets")
        height = found["window"][1]
        targets = {t["name"]: t for t in found["targets"] if t["visible"]}
        for name, t in targets.items():
            size = _mm(min(t["w"], t["h"]), density)
            assert size >= MIN_TARGET_MM, f"{name} is {size:.1f} mm"
        quick = targets["quick_accept"]
        assert quick["y"] < 0.01 * height  # at the bottom edge of the window
        assert not quick["scrolls"]  # whatever the list is scrolled to
        accept = load_translations(language).gettext("Accept: on my way")
        assert any(accept in t for t in console.state()["texts"])
        if font_scale == "1":
            console.screenshot(shots / f"{dp_size}-{language}-1-alert.png")
        console.press(id="quick_accept")
        state = console.wait_until(lambda s: s["cards"] and s["cards"][0]["mine"], "accepted")
        assert not state["alerting"]
        console.call("still")
        assert console.call("layout_problems")["problems"] == []
        assert "quick_accept" not in {t["name"] for t in console.call("targets")["targets"]}
        if font_scale == "1":
            console.screenshot(shots / f"{dp_size}-{language}-2-accepted.png")
    finally:
        console.close()


def test_on_a_tablet_the_buttons_stay_side_by_side(
    site: Site, hub: HubProcess, tmp_path: Path
) -> None:
    console = AppDriver("staff", site.staff.directory, "1100x900", tmp_path / "staff.log")
    try:
        console.wait_until(lambda s: s["connected"], "console connected")
        _submit(site)
        console.wait_until(lambda s: s["alerting"], "the alert")
        console.call("still")
        targets = {t["name"]: t for t in console.call("targets")["targets"]}
        assert "quick_accept" not in targets  # each card has its own, in view
        row = [targets[n] for n in ("accept", "reply", "resolve")]
        assert len({round(t["y"]) for t in row}) == 1  # one row
        assert console.call("layout_problems")["problems"] == []
    finally:
        console.close()
