"""The real kiosk session, as kiosk-traveller.service runs it: cage, the traveller
app inside it as the `kiosk` user, a picture from the compositor, a tap, and the
watchdog restarting a frozen app (systemd's part played by the test: systemd is
not PID 1 on the CI machine; `test_systemd_units_verify` checks the unit itself)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.uikit.theme import NORMAL
from tests.conftest import REPO, HubProcess, Site
from tests.kiosk_session import (
    Frame,
    Session,
    bind_notify_socket,
    prepare_session_root,
    why_not_runnable,
)
from tests.waiting import wait_until

_WHY_NOT = why_not_runnable()
pytestmark = pytest.mark.skipif(_WHY_NOT is not None, reason=str(_WHY_NOT))

# KIOSK_SESSION_SCREENS=docs/screens/session refreshes the pictures in the docs; by
# default they go next to the session's files and are removed with them.
SCREENS = os.environ.get("KIOSK_SESSION_SCREENS", "")
WATCHDOG_USEC = 2_000_000  # pings every second; the unit's WatchdogSec=30 is the same, slower


@pytest.fixture
def session(site: Site, hub: HubProcess) -> Iterator[tuple[Session, socket.socket]]:
    # Outside pytest's 0700 temporary directory, which the kiosk user cannot enter.
    root = Path(tempfile.mkdtemp(prefix="kiosk-session-")) / "session"
    root.parent.chmod(0o755)
    device_dir, _ = prepare_session_root(root, site.kiosk.directory)
    sock = bind_notify_socket(root / "notify.sock")
    run = Session(root, device_dir, root / "notify.sock", WATCHDOG_USEC, root / "session.log")
    try:
        yield run, sock
    finally:
        run.stop()
        sock.close()
        shutil.rmtree(root.parent, ignore_errors=True)


def _first_frame(run: Session) -> Frame:
    """The first picture with the app in it: most of the output lit, several colours."""

    seen: list[str] = []

    def drawn() -> Frame | None:
        if run.process is not None and run.process.poll() is not None:
            raise AssertionError(f"the session ended:\n{run.log_text()[-3000:]}")
        frame = run.frame()
        if frame is None:
            return None
        seen[:] = [f"lit {frame.lit_fraction():.2f}, {len(frame.colours())} colours"]
        return frame if frame.lit_fraction() > 0.9 and len(frame.colours()) > 8 else None

    try:
        return wait_until(drawn, "the first frame of the kiosk app under cage", 60, every=0.3)
    except AssertionError as exc:
        raise AssertionError(f"{exc}; last frame: {seen}") from None


def _receive(sock: socket.socket, timeout: float) -> bytes | None:
    """The next sd_notify message, or None if none came within `timeout` seconds."""
    sock.settimeout(timeout)
    try:
        return sock.recv(256)
    except (TimeoutError, BlockingIOError):
        return None


def _ready(run: Session, sock: socket.socket) -> None:
    """READY=1 from the app, as systemd waits for it (Type=notify)."""

    def message() -> bytes | None:
        if run.process is not None and run.process.poll() is not None:
            raise AssertionError(f"the session ended:\n{run.log_text()[-3000:]}")
        return _receive(sock, 0.5)

    assert wait_until(message, "READY=1 from the app", 60) == b"READY=1", run.log_text()[-3000:]


def _screens(run: Session) -> Path:
    return REPO / SCREENS if SCREENS else run.root / "screens"


def _rgb(colour: tuple[float, float, float, float]) -> tuple[int, int, int]:
    return (round(colour[0] * 255), round(colour[1] * 255), round(colour[2] * 255))


def _assert_start_screen(frame: Frame) -> tuple[int, int, int, int]:
    """The normal theme's start screen: a white page, blue language buttons, the red
    emergency bar; returns the first language button's box."""
    colours = frame.colours()
    samples = sum(colours.values())
    assert colours.get(_rgb(NORMAL.background), 0) > samples * 0.3, "no white page"
    assert colours.get(_rgb(NORMAL.emergency), 0) > samples * 0.02, "no emergency bar"
    assert colours.get(_rgb(NORMAL.button), 0) > samples * 0.05, "no language buttons"
    button = frame.box_of(_rgb(NORMAL.button))
    assert button is not None, "no language button"
    assert button[2] > 100, button
    assert button[3] > 50, button
    return button


def test_the_kiosk_session_starts_shows_its_start_screen_and_takes_a_tap(
    session: tuple[Session, socket.socket],
) -> None:
    run, sock = session
    run.start()
    _ready(run, sock)
    start = _first_frame(run)
    assert (start.width, start.height) == (720, 1280)  # the headless output, portrait
    run.save_png(_screens(run) / "start.png")
    x, y, width, height = _assert_start_screen(start)

    # A tap on the first language button ("English") opens that language's next screen.
    run.tap(x + width // 2, y + height // 2)

    def changed() -> Frame | None:
        frame = run.frame()
        return frame if frame is not None and frame.difference(start) > 0.05 else None

    after = wait_until(changed, "the screen to change after the tap", 30, every=0.3)
    assert after.lit_fraction() > 0.9
    button_blue = _rgb(NORMAL.button)
    assert after.colours().get(button_blue, 0) < start.colours()[button_blue] / 3, "grid still up"
    run.save_png(_screens(run) / "after-tap.png")
    log = run.log_text()
    assert "Traceback" not in log, log[-3000:]
    assert "Older configuration version" not in log, log[-3000:]


def test_the_watchdog_restarts_a_frozen_kiosk_app(
    session: tuple[Session, socket.socket],
) -> None:
    run, sock = session
    run.start()
    _ready(run, sock)
    _first_frame(run)
    assert _receive(sock, WATCHDOG_USEC / 1e6) == b"WATCHDOG=1"
    app = run.app_pid()
    assert app is not None
    os.kill(app, signal.SIGSTOP)  # a hung UI loop: the pings stop
    while _receive(sock, 0) is not None:  # any ping sent before the stop
        pass
    assert _receive(sock, WATCHDOG_USEC / 1e6) is None, "pings went on from a frozen app"
    # systemd's part: WatchdogSec passed, so the unit is killed and (Restart=always)
    # started again; a frozen app must come back with a new first frame.
    run.stop()
    run.start()
    _ready(run, sock)
    _assert_start_screen(_first_frame(run))
    assert run.app_pid() not in (None, app)
    log = run.log_text()
    assert "Traceback" not in log, log[-3000:]
    assert "Older configuration version" not in log, log[-3000:]
