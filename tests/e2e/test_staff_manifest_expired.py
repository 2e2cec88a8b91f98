"""A real staff console on a virtual display, against a real hub, while the
operator-signed manifest has lapsed: it says so until a fresh one arrives."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from kiosk.operator.site_admin import current_site, refresh
from tests.app_driver import AppDriver
from tests.conftest import HubProcess, Site

pytestmark = pytest.mark.usefixtures("display")

_LAPSED = "The site configuration has expired"


def test_the_console_warns_while_the_manifest_has_expired_and_clears_when_renewed(
    site: Site, hub: HubProcess, tmp_path: Path
) -> None:
    # The operator's refresh stopped: the hub holds only a manifest long expired.
    state = site.layout.state()
    _site, signed = state.sign_next(current_site(site.layout), now=time.time() - 25 * 3600)
    site.layout.hub_admin.put_manifest(signed)
    console = AppDriver("staff", site.staff.directory, "900x1100", tmp_path / "staff.log")
    try:
        console.wait_until(lambda s: s["connected"], "console connected")
        console.wait_until(lambda s: _LAPSED in s["message"], "the expired-manifest warning")
        refresh(site.layout, force=True)  # the operator renews it
        console.wait_until(lambda s: _LAPSED not in s["message"], "the warning cleared")
    finally:
        console.close()
