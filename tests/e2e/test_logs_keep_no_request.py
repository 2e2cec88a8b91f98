"""No log line says what a request was or where (issue 25, finding 8).

A traveller's request goes through the real kiosk app, a real hub and the real
staff console to resolve; then every log the three wrote is scanned for every
category of the catalogue and every location of the site. Lines keep event
kinds and opaque references only: after the purge, a timestamp with a category
and a place would still tell who asked for what, when and where.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.core.categories import Category
from tests.app_driver import AppDriver
from tests.conftest import HubProcess, Site
from tests.request_words import request_words_in, site_words

pytestmark = pytest.mark.usefixtures("display")


@pytest.fixture
def apps(site: Site, hub: HubProcess, tmp_path: Path) -> Iterator[tuple[AppDriver, AppDriver]]:
    traveller = AppDriver("traveller", site.kiosk.directory, "720x1280", tmp_path / "kiosk.log")
    staff = AppDriver("staff", site.staff.directory, "900x1000", tmp_path / "staff.log")
    try:
        yield traveller, staff
    finally:
        traveller.close()
        staff.close()


def test_no_log_names_a_requests_category_or_place(
    site: Site, hub: HubProcess, apps: tuple[AppDriver, AppDriver]
) -> None:
    traveller, staff = apps
    staff.wait_until(lambda s: s["connected"], "staff console connected")
    traveller.press(language="fr")
    traveller.wait_until(lambda s: s["screen"] == "consent", "consent screen")
    traveller.press(id="agree")
    traveller.wait_until(lambda s: s["screen"] == "category", "category screen")
    traveller.press(category=Category.UNWELL.value)
    traveller.wait_until(lambda s: s["screen"] == "details", "optional details screen")
    traveller.press(id="details_continue")
    traveller.wait_until(lambda s: s["screen"] == "urgency", "urgency screen")
    traveller.press(id="send")
    traveller.wait_until(lambda s: s["has_request"], "request sent")
    staff.wait_until(lambda s: len(s["cards"]) == 1, "ticket on the staff console")
    staff.press(card=0, id="accept")
    staff.wait_until(lambda s: s["cards"][0]["accepted"], "accepted on console")
    staff.press(card=0, id="resolve")
    traveller.wait_until(lambda s: s["screen"] == "done", "thank-you screen")
    staff.wait_until(lambda s: not s["cards"], "console emptied")
    traveller.close()
    staff.close()
    hub.stop()
    logs = {
        "hub": hub.log_text(),
        "kiosk": traveller.log_path.read_text(errors="replace"),
        "staff": staff.log_path.read_text(errors="replace"),
    }
    assert "event=ticket.created" in logs["hub"]  # the request did go through
    places, _devices = site_words(site.layout.hub / "hub.db")
    assert "central-p3" in places
    for name, text in logs.items():
        assert request_words_in(text, places) == [], name
