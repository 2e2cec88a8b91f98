"""Deployment: the wheel carries everything, the systemd units verify, `kiosk
doctor` gives the right advice, and the apps ping systemd's watchdog."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.conftest import REPO, HubProcess, Site


def _kiosk(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args],
        capture_output=True, text=True, timeout=120, env=env, cwd=cwd, check=False,
    )  # fmt: skip


def test_the_wheel_installs_into_a_fresh_environment_and_passes_its_self_test(
    tmp_path: Path,
) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(REPO)],
        check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    (wheel,) = dist.glob("kiosk-*.whl")
    target = tmp_path / "venv"
    venv.create(target, with_pip=True)
    python = target / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", str(wheel)],
        check=True, capture_output=True, timeout=900,
    )  # fmt: skip
    # Run from elsewhere, with nothing pointing at the checkout: the installed
    # package must find its own fonts, catalogs, sounds and migrations.
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    version = subprocess.run(
        [str(target / "bin" / "kiosk"), "--version"],
        capture_output=True, text=True, cwd=tmp_path, env=env, check=True,
    )  # fmt: skip
    assert version.stdout.startswith("kiosk ")
    selftest = subprocess.run(
        [str(target / "bin" / "kiosk"), "doctor", "--self-test"],
        capture_output=True, text=True, cwd=tmp_path, env=env, check=False,
    )  # fmt: skip
    assert selftest.returncode == 0, selftest.stdout + selftest.stderr
    assert "40 languages complete" in selftest.stdout
    assert "schema migrations apply" in selftest.stdout
    packaged = subprocess.run(
        [str(python), "-c", "import kiosk.resources as r; print(r.ASSETS_DIR)"],
        capture_output=True, text=True, cwd=tmp_path, env=env, check=True,
    )  # fmt: skip
    assert "site-packages/kiosk/_data/assets" in packaged.stdout


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
def test_systemd_units_verify(tmp_path: Path) -> None:
    kiosk_bin = Path(sys.executable).parent / "kiosk"
    units = []
    for unit in sorted((REPO / "packaging" / "systemd").glob("*.*")):
        # Verified as installed: with the kiosk command where the install puts it.
        text = unit.read_text().replace("/opt/kiosk/venv/bin/kiosk", str(kiosk_bin))
        (tmp_path / unit.name).write_text(text)
        units.append(str(tmp_path / unit.name))
    assert len(units) == 5  # hub, traveller, staff; the operator's refresh and its timer
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *units],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == ""


def test_doctor_on_a_healthy_kiosk(site: Site, hub: HubProcess) -> None:
    result = _kiosk("doctor", "--device", str(site.kiosk.directory))
    assert result.returncode == 0, result.stdout
    for expected in (
        "OK    languages",
        "OK    enrolment",
        "OK    hub",
        "OK    clock",
        "OK    manifest",
    ):
        assert expected in result.stdout


def test_doctor_when_the_hub_is_down(site: Site, hub: HubProcess) -> None:
    hub.stop()
    result = _kiosk("doctor", "--device", str(site.kiosk.directory))
    assert result.returncode == 1
    assert "the hub is not reachable at https://127.0.0.1:" in result.stdout
    assert "kiosk-hub" in result.stdout


def test_doctor_when_a_font_is_missing(tmp_path: Path) -> None:
    assets = tmp_path / "assets"
    shutil.copytree(REPO / "assets", assets)
    (assets / "fonts" / "KioskThai-Regular.ttf").unlink()
    result = _kiosk("doctor", env={**os.environ, "KIOSK_ASSETS_DIR": str(assets)})
    assert result.returncode == 1
    assert "font KioskThai-Regular.ttf is missing, so Thai (ไทย) would show empty boxes" in (
        result.stdout
    )
    assert "reinstall the kiosk package" in result.stdout


@pytest.mark.usefixtures("display")
def test_the_kiosk_app_tells_systemd_it_is_ready_and_pings_the_watchdog(
    site: Site, tmp_path: Path
) -> None:
    address = str(tmp_path / "notify.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(address)
        sock.settimeout(60)
        app = subprocess.Popen(
            [sys.executable, "-m", "kiosk", "traveller", "--device", str(site.kiosk.directory),
             "--size", "540x960"],
            env={**os.environ, "NOTIFY_SOCKET": address, "WATCHDOG_USEC": "1000000",
                 "SDL_AUDIODRIVER": "dummy"},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            assert sock.recv(64) == b"READY=1"
            assert sock.recv(64) == b"WATCHDOG=1"
        finally:
            app.send_signal(signal.SIGINT)
            assert app.wait(20) == 0  # and it stops cleanly on a service stop
