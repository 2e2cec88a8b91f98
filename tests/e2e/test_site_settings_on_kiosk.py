"""What the operator writes in the site file reaches the real kiosk app."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kiosk.operator.site_changes import apply_site_file, export_site_file
from tests.app_driver import AppDriver
from tests.conftest import HubProcess, Site

pytestmark = pytest.mark.usefixtures("display")


def _texts(state: dict[str, object]) -> list[str]:
    return list(state["texts"])  # type: ignore[call-overload]


def test_the_kiosk_shows_its_stations_emergency_number(
    site: Site, hub: HubProcess, tmp_path: Path
) -> None:
    exported = export_site_file(site.layout)
    central = exported.index('id = "central"\n')
    number = exported.index('emergency_number = "112"', central)
    edited = exported[:number] + 'emergency_number = "999"' + exported[number + 24 :]
    (tmp_path / "site.toml").write_text(edited)
    apply_site_file(site.layout, tmp_path / "site.toml")
    traveller = AppDriver("traveller", site.kiosk.directory, "720x1280", tmp_path / "t.log")
    try:
        state = traveller.wait_until(
            lambda s: any("999" in t for t in _texts(s)), "the station's number", timeout=30
        )
        assert not any("call 112" in t for t in _texts(state))
        shots = Path(os.environ.get("KIOSK_SCREENSHOTS", tmp_path))
        traveller.screenshot(shots / "station-emergency-number.png")
    finally:
        traveller.close()


def test_the_kiosk_offers_its_stations_languages_default_first(
    site: Site, hub: HubProcess, tmp_path: Path
) -> None:
    exported = export_site_file(site.layout)
    central = exported.index('id = "central"\n')
    start = exported.index("languages = [", central)
    end = exported.index('default_language = "en"', start) + len('default_language = "en"')
    edited = (
        exported[:start]
        + 'languages = ["en", "de", "ar"]\ndefault_language = "de"'
        + exported[end:]
    )
    (tmp_path / "site.toml").write_text(edited)
    apply_site_file(site.layout, tmp_path / "site.toml")
    traveller = AppDriver("traveller", site.kiosk.directory, "720x1280", tmp_path / "t.log")
    try:
        state = traveller.wait_until(
            lambda s: "Čeština" not in _texts(s) and "Deutsch" in _texts(s),
            "only the station's languages",
            timeout=30,
        )
        texts = _texts(state)
        assert "English" in texts
        assert "Dansk" not in texts
        # The default first. (Not checked by the title: it moves on to the next of
        # the station's languages every few seconds, so a slow poll saw English.)
        shown = [t["name"] for t in traveller.call("targets")["targets"]]
        assert [c for c in reversed(shown) if c in ("de", "en", "ar")] == ["de", "en", "ar"]
        shots = Path(os.environ.get("KIOSK_SCREENSHOTS", tmp_path))
        traveller.screenshot(shots / "station-languages.png")
        traveller.press(language="ar")
        traveller.wait_until(lambda s: s["screen"] == "consent", "consent in Arabic")
        traveller.screenshot(shots / "station-languages-ar-consent.png")
    finally:
        traveller.close()
