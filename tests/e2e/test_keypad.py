"""Keypad and audio mode (EZ Access style, EN 301 549 5.1.6.1 operation without
vision) on the real kiosk app: real X key events (xdotool, through the X
server's XTEST extension, as a USB keypad's would arrive) into the app's
window under Xvfb; a whole request by keys alone; the first key starting audio
mode, which speaks each screen and control in the language on screen; the help
key; status changes; reset back to silence; the focus frame's contrast in both
palettes; and the more-time question spoken and answered by keys.
KIOSK_SCREENSHOTS=DIR keeps pictures of the focus frame under DIR/keypad
(docs/screens/keypad/ has a set)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.i18n import load_translations
from kiosk.traveller.keypad import INSTRUCTIONS
from kiosk.uikit.theme import contrast_ratio
from tests.app_driver import AppDriver
from tests.conftest import HubProcess, Site
from tests.waiting import wait_until

pytestmark = [
    pytest.mark.usefixtures("display"),
    pytest.mark.skipif(shutil.which("xdotool") is None, reason="needs xdotool"),
]


class Keys:
    """A keypad on the app's X window: each key a real key press and release."""

    def __init__(self, kiosk: AppDriver) -> None:
        self.kiosk = kiosk
        found = wait_until(
            lambda: subprocess.run(
                ["xdotool", "search", "--pid", str(kiosk.process.pid)],
                capture_output=True,
                text=True,
                check=False,
            ).stdout.split(),
            "the kiosk's X window",
        )
        self.window = found[-1]

    def spoken(self) -> list[dict[str, Any]]:
        return list(self.kiosk.call("spoken")["spoken"])

    def press(self, key: str, *, speaks: bool = True) -> list[dict[str, Any]]:
        """Press `key`; with `speaks`, return what was said for it once said."""
        before = len(self.spoken())
        subprocess.run(
            ["xdotool", "windowfocus", "--sync", self.window, "key", "--clearmodifiers", key],
            check=True,
        )
        if not speaks:
            return []
        return wait_until(lambda: self.spoken()[before:], f"speech after the key {key}", timeout=15)

    def focus(self) -> dict[str, Any]:
        return self.kiosk.call("focus")

    def move_to(self, name: str, key: str = "Down") -> list[dict[str, Any]]:
        """Move the focus with `key` until it is on the control named `name`."""
        said: list[dict[str, Any]] = []
        for _ in range(60):
            if self.focus()["name"] == name:
                return said
            said = self.press(key)
        raise AssertionError(f"the focus never reached {name}; it is on {self.focus()}")


@pytest.fixture
def kiosk(site: Site, hub: HubProcess, tmp_path: Path) -> Iterator[AppDriver]:
    driver = AppDriver("traveller", site.kiosk.directory, "1080x1920", tmp_path / "t.log")
    yield driver
    driver.close()


def _words(code: str, message: str) -> str:
    return load_translations(code).gettext(message)


def _send_by_keys(keys: Keys, kiosk: AppDriver) -> None:
    """From the start screen in audio mode to the waiting screen, by keys alone."""
    keys.move_to("en")
    keys.press("Return")
    kiosk.wait_until(lambda s: s["screen"] == "consent", "consent")
    keys.move_to("agree")
    keys.press("KP_Enter")
    kiosk.wait_until(lambda s: s["screen"] == "category", "category")
    keys.move_to("lost")
    keys.press("Escape")  # back: to the consent screen, as its "Back" button goes
    kiosk.wait_until(lambda s: s["screen"] == "consent", "back on consent")
    keys.move_to("agree", key="Up")
    keys.press("space")
    kiosk.wait_until(lambda s: s["screen"] == "category", "category again")
    keys.move_to("unwell")
    keys.press("Return")
    kiosk.wait_until(lambda s: s["screen"] == "details", "details")
    keys.move_to("sit_down")
    said = keys.press("Return")  # a toggle: its new state is said
    assert said[-1]["text"] == "I need to sit down, switch, on", said
    keys.move_to("details_continue")
    keys.press("Return")
    kiosk.wait_until(lambda s: s["screen"] == "urgency", "urgency")
    keys.move_to("urgent", key="KP_8")
    keys.press("Return")
    keys.move_to("send", key="Tab")
    keys.press("Return")
    kiosk.wait_until(lambda s: s["screen"] == "waiting", "waiting")


def test_a_whole_request_by_keys_alone_spoken_until_reset(
    kiosk: AppDriver, site: Site, tmp_path: Path
) -> None:
    keys = Keys(kiosk)
    said = keys.press("Down")  # the first key starts audio mode and reads the screen
    assert kiosk.state()["audio_mode"]
    # In the language the attract screen shows at that moment, which then stays.
    shown = said[-1]["locale"]
    assert _words(shown, "Need help?") in said[-1]["text"]
    assert said[-1]["text"].endswith("English")  # the focus: the first language
    _send_by_keys(keys, kiosk)
    staff = AppDriver("staff", site.staff.directory, "900x1000", tmp_path / "s.log")
    try:
        staff.wait_until(lambda s: len(s["cards"]) == 1, "the request on the console")
        before = len(keys.spoken())
        staff.press(card=0, id="accept")
        kiosk.wait_until(lambda s: any("Help is coming" in t for t in s["texts"]), "accepted")
        heard = wait_until(
            lambda: [s for s in keys.spoken()[before:] if "Help is coming" in s["text"]],
            "help is coming, spoken",
        )
        assert heard[0]["locale"] == "en"
        assert "on the way" in heard[0]["text"]  # the status's advice as well
    finally:
        staff.close()
    keys.move_to("cancel")  # the first control, once "Try again" is not shown
    said = keys.press("Down")
    said = keys.move_to("cancel")  # round again: the focus wraps around
    assert said[-1]["text"] == "I no longer need help, button"
    keys.press("Return")
    kiosk.wait_until(lambda s: s["screen"] == "done", "thank-you screen")
    keys.move_to("finish")
    keys.press("Return", speaks=False)
    state = kiosk.wait_until(lambda s: s["screen"] == "start", "back at the start")
    # The next traveller starts silent: a screen change by touch says nothing.
    assert not state["audio_mode"]
    before = len(keys.spoken())
    kiosk.press(language="de")
    kiosk.wait_until(lambda s: s["screen"] == "consent", "consent by touch")
    kiosk.call("still")
    assert keys.spoken()[before:] == []
    assert kiosk.call("focus")["rings"] == {}  # and no focus frame


@pytest.mark.parametrize(("code", "help_key"), [("en", "h"), ("ar", "question")])
def test_the_first_key_starts_audio_mode_in_the_language_on_screen(
    kiosk: AppDriver, code: str, help_key: str
) -> None:
    keys = Keys(kiosk)
    kiosk.press(language=code)
    kiosk.wait_until(lambda s: s["screen"] == "consent", "consent")
    kiosk.call("still")
    assert keys.spoken() == []  # silent until a key is pressed
    said = keys.press("Down")[-1]  # the first key: the screen, then the focused control
    assert kiosk.state()["audio_mode"]
    assert said["locale"] == code
    assert _words(code, "Before you ask for help") in said["text"]
    agree = _words(code, "I understand, continue")
    assert said["text"].endswith(f"{agree}, {_words(code, 'button')}")
    if code != "en":
        assert "Before you ask for help" not in said["text"]
    said = keys.press("Down")[-1]  # the next control in reading order: "Cancel"
    assert said == {**said, "locale": code}
    assert said["text"] == f"{_words(code, 'Cancel')}, {_words(code, 'button')}"
    said = keys.press(help_key)[-1]
    assert said["text"] == _words(code, INSTRUCTIONS)
    assert said["locale"] == code
    said = keys.press("BackSpace", speaks=False)  # no "Back" on this screen: nothing
    kiosk.call("still")
    assert kiosk.state()["screen"] == "consent"


def _check_frame(kiosk: AppDriver, shot: Path, where: str) -> list[str]:
    """The frame's two bands, read from a screenshot: each 3:1 or more against
    what it borders (the control inside, the ground outside)."""
    kiosk.call("still")
    kiosk.screenshot(shot)
    focus = kiosk.call("focus")
    rings = focus["rings"]
    assert rings, f"{where}: no focus frame"
    x, y, w, h = rings["rect"]
    band = rings["band"]
    assert band >= 3
    mid = y + h / 2
    points = [
        (x - band / 2, mid),  # inner band, start side
        (x - 1.5 * band, mid),  # outer band
        (x + w + band / 2, mid),  # inner band, end side
        (x + w + 2 * band + 3, mid),  # the ground beyond the frame
    ]
    inner, outer, inner_end, ground = (
        tuple(p) for p in kiosk.call("pixels", path=str(shot), points=points)["pixels"]
    )
    control = tuple(focus["control"])
    problems = []
    for name, seen, drawn in (("inner", inner, rings["inner"]), ("outer", outer, rings["outer"])):
        if any(abs(a - b) > 0.02 for a, b in zip(seen[:3], drawn[:3], strict=True)):
            problems.append(f"{where}: {name} band drawn as {drawn}, seen as {seen}")
    pairs = (("inner band/control", inner, control), ("outer band/ground", outer, ground))
    for name, a, b in pairs:
        ratio = contrast_ratio(a, b)  # type: ignore[arg-type]
        if ratio < 3.0:
            problems.append(f"{where}: {name} contrast {ratio:.1f}:1 ({focus['name']})")
    assert inner_end == inner
    return problems


def test_the_focus_frame_stands_out_in_both_palettes(kiosk: AppDriver, tmp_path: Path) -> None:
    keys = Keys(kiosk)
    kept = os.environ.get("KIOSK_SCREENSHOTS")
    shots = Path(kept) / "keypad" if kept else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    for code, high_contrast in (("en", False), ("en", True), ("ar", True), ("ja", False)):
        palette = "high-contrast" if high_contrast else "normal"
        if high_contrast:
            kiosk.press(id="mode_high_contrast")
        kiosk.press(language=code)
        kiosk.wait_until(lambda s, c=code: s["screen"] == "consent" and s["language"] == c, code)
        keys.press("Down")  # audio mode: the focus on "I understand, continue"
        problems += _check_frame(kiosk, shots / f"{code}-{palette}-consent.png", f"{code}/consent")
        keys.press("Up")  # wraps round to the last control, on the emergency bar
        assert kiosk.call("focus")["name"] == ("speak" if code == "ar" else "louder")
        problems += _check_frame(kiosk, shots / f"{code}-{palette}-louder.png", f"{code}/louder")
        kiosk.press(id="cancel")
        kiosk.wait_until(lambda s: s["screen"] == "start" and not s["audio_mode"], "reset")
    assert not problems, "\n".join(problems)


def test_the_more_time_question_is_spoken_and_answered_by_keys(
    site: Site, hub: HubProcess, tmp_path: Path
) -> None:
    kiosk = AppDriver(
        "traveller",
        site.kiosk.directory,
        "1080x1920",
        tmp_path / "t.log",
        env={"KIOSK_TEST_INACTIVITY": "3", "KIOSK_TEST_WARNING": "30"},
    )
    try:
        keys = Keys(kiosk)
        kiosk.press(language="en")
        kiosk.wait_until(lambda s: s["screen"] == "consent", "consent")
        # Holding the speaker button starts audio mode too, and reads the screen once.
        kiosk.call("hold", widget_class="SpeakButton", seconds=1.3, until_lifted=True)
        assert kiosk.state()["audio_mode"]
        readings = [s for s in keys.spoken() if "Before you ask for help" in s["text"]]
        assert len(readings) == 1
        assert readings[0]["text"].endswith("I understand, continue, button")
        asked = wait_until(
            lambda: [s for s in keys.spoken() if "Do you need more time?" in s["text"]],
            "the question, spoken",
        )[0]
        assert "go back to the start in" in asked["text"]  # with its countdown
        assert asked["text"].endswith("I need more time, button")
        assert kiosk.call("focus")["name"] == "more_time"
        keys.press("Return")  # back where the traveller was, and told so
        state = kiosk.state()
        assert state["screen"] == "consent"
        assert not any("Do you need more time?" in t for t in state["texts"])
        said = keys.spoken()[-1]
        assert said["text"] == "I understand, continue, button"
    finally:
        kiosk.close()


def test_help_is_coming_is_spoken_once_outside_audio_mode(
    kiosk: AppDriver, site: Site, tmp_path: Path
) -> None:
    """Two senses even for a traveller who never pressed a key: the screen (and
    chime) and one spoken line, in the traveller's language."""
    keys = Keys(kiosk)
    kiosk.press(language="de")
    kiosk.press(id="agree")
    kiosk.press(category="unwell")
    kiosk.press(id="details_continue")
    kiosk.press(id="send")
    kiosk.wait_until(lambda s: s["screen"] == "waiting", "waiting")
    staff = AppDriver("staff", site.staff.directory, "900x1000", tmp_path / "s.log")
    try:
        staff.wait_until(lambda s: len(s["cards"]) == 1, "the request on the console")
        staff.press(card=0, id="accept")
        coming = _words("de", "Help is coming")
        kiosk.wait_until(lambda s: coming in s["texts"], "help is coming, shown")
        said = wait_until(keys.spoken, "help is coming, spoken")
    finally:
        staff.close()
    kiosk.call("still")
    assert keys.spoken() == said == [{**said[0], "text": coming, "locale": "de"}]
    assert not kiosk.state()["audio_mode"]


def test_the_focus_scrolls_a_language_out_of_view_into_it(
    site: Site, hub: HubProcess, tmp_path: Path
) -> None:
    """A small screen and larger text: the list of languages scrolls; the focus
    brings a row into view, and each language's name is said in its own voice."""
    kiosk = AppDriver("traveller", site.kiosk.directory, "720x1280", tmp_path / "t.log")
    try:
        _scroll_to_the_last_language(kiosk)
    finally:
        kiosk.close()


def _scroll_to_the_last_language(kiosk: AppDriver) -> None:
    keys = Keys(kiosk)
    kiosk.press(id="mode_large_text")
    kiosk.wait_until(lambda s: s["modes"]["large_text"], "larger text")
    kiosk.call("still")
    rows = [t for t in kiosk.call("targets")["targets"] if t["scrolls"]]
    hidden = [t["name"] for t in rows if not t["visible"]]
    assert hidden, "the list fits: nothing to scroll to"
    last = hidden[0]  # the list's last row (a layout's children are in reverse order)
    keys.press("Down")
    said = keys.move_to(last)
    assert said[-1]["locale"] == last
    kiosk.call("still")
    row = next(t for t in kiosk.call("targets")["targets"] if t["name"] == last)
    assert row["visible"]
    kept = os.environ.get("KIOSK_SCREENSHOTS")
    if kept:
        kiosk.screenshot(Path(kept) / "keypad" / "start-large-text-language.png")


def test_a_held_key_moves_the_focus_once(kiosk: AppDriver) -> None:
    """EN 301 549 5.7: a keypad key held down (the X server repeats it, as a USB
    keypad's would be) is one step, so a finger resting on a key does not race
    through the screen; released, the next press acts again."""
    keys = Keys(kiosk)
    keys.press("Down")  # audio mode on, the focus on the first control
    first = keys.focus()["name"]
    before = len(keys.spoken())
    subprocess.run(["xdotool", "windowfocus", "--sync", keys.window, "keydown", "Down"], check=True)
    try:
        wait_until(lambda: keys.focus()["repeats_ignored"] >= 3, "the key repeated while held")
    finally:
        subprocess.run(["xdotool", "keyup", "Down"], check=True)
    kiosk.call("still")
    assert len(keys.spoken()[before:]) == 1  # one step, spoken once
    assert keys.focus()["name"] != first
    keys.press("Up")
    assert keys.focus()["name"] == first
