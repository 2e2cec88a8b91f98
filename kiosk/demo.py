"""`kiosk demo`: a sample site, the hub, one kiosk and one staff console, wired together.

Each part runs as its own process, as it would on its own machine; Ctrl-C
stops them all.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from kiosk.client import DeviceConfig
from kiosk.core.site import DeviceRole
from kiosk.operator import SiteLayout, enrol_local_device, init_site, sample_site
from kiosk.operator.site_admin import refresh

__all__ = ["prepare_demo_site", "run_demo"]

KIOSK_ID, STAFF_ID = "kiosk-demo", "staff-demo"


def prepare_demo_site(root: Path, port: int, *, fresh: bool = False) -> SiteLayout:
    layout = SiteLayout(root)
    # A demo site from before the operator kept its own record of the last manifest
    # cannot be refreshed: the demo's data is disposable, so it starts anew.
    outdated = (layout.operator / "site.key").exists() and not (
        layout.operator / "manifest.json"
    ).exists()
    if (fresh or outdated) and root.exists():
        import shutil

        shutil.rmtree(root)
    url = f"https://127.0.0.1:{port}"
    if (layout.operator / "site.key").exists():
        refresh(layout)  # a site from another day: its manifest may be near its end
    else:
        init_site(layout, sample_site(), ["127.0.0.1", "localhost"])
        enrol_local_device(
            layout, DeviceRole.KIOSK, url, location_id="central-p3", device_id=KIOSK_ID
        )
        enrol_local_device(
            layout, DeviceRole.STAFF, url, group_id="central-staff", device_id=STAFF_ID
        )
    (layout.operator / "hub-url").write_text(url + "\n", encoding="utf-8")  # for kiosk admin
    for device_id in (KIOSK_ID, STAFF_ID):
        config = DeviceConfig.load(layout.device(device_id))
        if config.hub_url != url:  # the same demo site, started on another port
            dataclasses.replace(config, hub_url=url).save()
    return layout


def _wait_for_hub(layout: SiteLayout, port: int, hub: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    with requests.Session() as session:
        session.trust_env = False
        while time.monotonic() < deadline and hub.poll() is None:
            try:
                session.get(
                    f"https://127.0.0.1:{port}/v1/health",
                    verify=str(layout.operator / "ca.pem"),
                    timeout=1,
                )
                return
            except requests.RequestException:
                time.sleep(0.2)
    raise SystemExit("kiosk demo: the hub did not start (is the port in use? try --port)")


def run_demo(root: Path, *, port: int, fresh: bool) -> int:
    # Ctrl-C and a service stop both end the demo the same way, even where the
    # shell started us with SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    layout = prepare_demo_site(root, port, fresh=fresh)
    python = [sys.executable, "-m", "kiosk"]
    print(f"kiosk demo: site in {root}")
    hub = subprocess.Popen([*python, "hub", "--data", str(root), "--port", str(port)])
    children = [hub]
    try:
        _wait_for_hub(layout, port, hub)
        for role, device_id, size, position in (
            ("staff", STAFF_ID, "800x900", "600,40"),
            ("traveller", KIOSK_ID, "540x960", "20,40"),
        ):
            env = {**os.environ, "KIOSK_WINDOW_POSITION": position}
            children.append(
                subprocess.Popen(
                    [*python, role, "--device", str(layout.device(device_id)), "--size", size],
                    env=env,
                )
            )
        print("kiosk demo: running. Close a window or press Ctrl-C to stop everything.")
        while all(child.poll() is None for child in children):
            time.sleep(0.3)
    except KeyboardInterrupt:
        pass
    finally:
        # Apps first (they forget and disconnect), then the hub.
        for child in reversed(children):
            if child.poll() is None:
                child.send_signal(signal.SIGINT)
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
    print("kiosk demo: stopped.")
    return 0
