"""Where the dashboard reads the site from: the operator's last signed manifest,
verified and parsed once per change of the file, not on every refresh of every
open page."""

from __future__ import annotations

from typing import Any

import pytest

from kiosk.core.site import DeviceRole
from kiosk.operator import enrol_local_device, operator_state
from kiosk.operator.dashboard import HubSource
from kiosk.operator.site_admin import SiteLayout
from tests.conftest import Site


@pytest.fixture
def verified(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per manifest verified: a spy around the real function."""
    calls: list[int] = []
    real = operator_state.verify_manifest

    def spy(*args: Any, **kwargs: Any) -> dict[str, Any]:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(operator_state, "verify_manifest", spy)
    return calls


def test_the_site_is_read_again_only_after_the_operator_signs_a_new_one(
    site: Site, verified: list[int]
) -> None:
    # Its own layout, as the dashboard's process has: nothing shared with the
    # operator's commands below but the files.
    source = HubSource(SiteLayout(site.layout.root))
    first = source.site()
    assert all(source.site() is first for _ in range(5))
    assert source.zone() == first.statistics.zone()
    assert len(verified) == 1
    assert first.device("kiosk-new") is None

    # The operator enrols a kiosk: a new manifest, signed and written by the
    # ordinary operator function (which verifies the last one itself).
    enrol_local_device(
        site.layout, DeviceRole.KIOSK, site.hub_url, location_id="north-p1", device_id="kiosk-new"
    )
    before = len(verified)
    second = source.site()
    assert len(verified) == before + 1
    assert second.version == first.version + 1
    assert second.device("kiosk-new") is not None
    assert all(source.site() is second for _ in range(5))
    assert len(verified) == before + 1
