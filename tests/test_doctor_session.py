"""`kiosk doctor --ui` names each piece the kiosk session lacks, with the command
that fixes it (issue 31: a station that followed the guide got a dark screen)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk import session_checks
from kiosk.session_checks import check_session


def _by_check() -> dict[str, tuple[str, str]]:
    return {check: (status, message) for check, status, message in check_session()}


def test_a_machine_without_cage_or_xwayland_is_told_what_to_install(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": str(tmp_path)}  # nothing installed on this PATH
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "doctor", "--ui"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert "FAIL  session    cage (the kiosk compositor) is not installed: sudo apt-get install " \
        "cage xwayland" in result.stdout  # fmt: skip
    assert "FAIL  xwayland   Xwayland is not installed" in result.stdout
    assert "sudo apt-get install xwayland" in result.stdout
    # A technician's shell has no display before the session starts: not a failure.
    assert "WARN  display" in result.stdout


def test_a_missing_kiosk_user_is_told_how_to_create_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(session_checks, "SESSION_USER", "no-such-kiosk-user")
    status, message = _by_check()["user"]
    assert status == "fail"
    assert "sudo useradd --system --home-dir /var/lib/kiosk" in message


def test_no_seat_manager_fails_and_one_passes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seat = tmp_path / "seat0"
    monkeypatch.setattr(session_checks, "SEAT_MANAGERS", (seat,))
    status, message = _by_check()["seat"]
    assert status == "fail"
    assert "sudo apt-get install libpam-systemd" in message
    seat.write_text("")
    assert _by_check()["seat"][0] == "ok"


def test_the_runtime_directory_is_checked_inside_the_session(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert "runtime" not in _by_check()  # a technician's shell: not its business
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "missing"))
    status, message = _by_check()["runtime"]
    assert status == "fail"
    assert "kiosk-traveller.service" in message
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    assert _by_check()["runtime"][0] == "ok"


def test_no_sound_device_warns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(session_checks, "PLAYBACK_DEVICES", str(tmp_path / "pcmC*D*p"))
    status, message = _by_check()["sound"]
    assert status == "warn"
    assert "no chime and no speech" in message
    (tmp_path / "pcmC0D0p").write_text("")
    assert _by_check()["sound"][0] == "ok"
