"""Fixture chain: a virtual display → a site on disk → a real hub process on
loopback over TLS → signed clients and real app processes."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from sqlalchemy import Engine

from kiosk.client import DeviceConfig, HubClient
from kiosk.core.site import DeviceRole
from kiosk.crypto import DeviceKeys
from kiosk.hub.database import make_engine, upgrade_schema
from kiosk.operator import SiteLayout, enrol_local_device, init_site, sample_site
from tests.in_process_hub import FakeClock, InProcessHub
from tests.waiting import wait_until

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def display() -> Iterator[str]:
    """An X display for Kivy windows: the one we have, or a private Xvfb."""
    if os.environ.get("DISPLAY"):
        yield os.environ["DISPLAY"]
        return
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (apt-get install xvfb)")
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "2200x2000x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as f:
        number = f.readline().strip()
    name = f":{number}"
    os.environ["DISPLAY"] = name
    try:
        yield name
    finally:
        os.environ.pop("DISPLAY", None)
        proc.terminate()
        proc.wait(10)


@dataclass(frozen=True)
class Site:
    layout: SiteLayout
    port: int
    kiosk: DeviceConfig
    staff: DeviceConfig

    @property
    def hub_url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def client(self, config: DeviceConfig) -> HubClient:
        return HubClient(config, DeviceKeys.load(config.directory))


@pytest.fixture
def site(tmp_path: Path) -> Site:
    layout = SiteLayout(tmp_path / "site")
    port = free_port()
    init_site(layout, sample_site(), ["127.0.0.1", "localhost"])
    url = f"https://127.0.0.1:{port}"
    # As `kiosk admin init --hub-url` records it: admin commands reach this hub's API.
    (layout.operator / "hub-url").write_text(url + "\n")
    kiosk = enrol_local_device(
        layout, DeviceRole.KIOSK, url, location_id="central-p3", device_id="kiosk-p3"
    )
    staff = enrol_local_device(
        layout, DeviceRole.STAFF, url, group_id="central-staff", device_id="staff-anna"
    )
    return Site(layout, port, kiosk, staff)


@dataclass
class HubProcess:
    process: subprocess.Popen[bytes]
    log_path: Path
    data_dir: Path

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def start_hub(
    layout: SiteLayout, port: int, *extra: str, program: tuple[str, ...] = ("kiosk", "hub")
) -> HubProcess:
    """`program`: the module to run and its first arguments (a hostile hub's, say)."""
    log_path = layout.root / f"hub-{time.monotonic_ns()}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                *program,
                "--data",
                str(layout.root),
                "--port",
                str(port),
                *extra,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=layout.root,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
    hub = HubProcess(process, log_path, layout.hub)
    session = requests.Session()
    session.trust_env = False

    def healthy() -> bool:
        try:
            return session.get(
                f"https://127.0.0.1:{port}/v1/health",
                verify=str(layout.operator / "ca.pem"),
                timeout=1,
            ).ok
        except requests.RequestException:
            return False

    with session, contextlib.suppress(AssertionError):
        wait_until(lambda: process.poll() is not None or healthy(), "the hub to answer", 30)
        if process.poll() is None:
            return hub
    hub.stop()  # gone, or not answering after 30 s: its log says why
    raise RuntimeError(f"hub did not start:\n{log_path.read_text()}")


@pytest.fixture
def hub(site: Site) -> Iterator[HubProcess]:
    process = start_hub(site.layout, site.port)
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A real SQLite file with the hub's schema and pragmas."""
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    upgrade_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def in_hub(site: Site) -> Iterator[InProcessHub]:
    """The site's hub in this process, on a clock the test moves (in_process_hub.py)."""
    hub = InProcessHub(site.layout, FakeClock(time.time()))
    try:
        yield hub
    finally:
        hub.close()


@pytest.fixture
def kiosk_client(site: Site, hub: HubProcess) -> Iterator[HubClient]:
    client = site.client(site.kiosk)
    yield client
    client.close()


@pytest.fixture
def staff_client(site: Site, hub: HubProcess) -> Iterator[HubClient]:
    client = site.client(site.staff)
    yield client
    client.close()


def replace_hub_url(config: DeviceConfig, url: str) -> DeviceConfig:
    return dataclasses.replace(config, hub_url=url)


def empty_postgres(url: str) -> None:
    """A clean PostgreSQL database for one test (the shared test server of .ci/run)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
