"""The operator dashboard in a real browser: Debian's Chromium, driven by
Selenium through Debian's chromedriver, against `kiosk admin dashboard` reading
a real hub on loopback, while a kiosk submits real requests and a staff console
accepts and resolves one.

One hub, one dashboard and one browser for the whole module (the tests run in
order: the statistics are those of the requests the live view saw).
KIOSK_DASHBOARD_SCREENS=docs/screens/dashboard refreshes the pictures in the
docs; by default they go to a temporary directory.
"""

from __future__ import annotations

import csv
import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from kiosk.client import HubClient
from kiosk.core.body import TicketBody
from kiosk.core.categories import Category, Urgency
from kiosk.core.site import DeviceRole
from kiosk.core.statistics import FEWER_THAN_SMALL
from kiosk.core.ticket import new_ticket_id
from kiosk.crypto import DeviceKeys
from kiosk.i18n.texts import CATEGORY_TEXTS, URGENCY_TEXTS
from kiosk.operator import SiteLayout, enrol_local_device, init_site, sample_site
from tests.conftest import REPO, HubProcess, free_port, start_hub
from tests.hub_events import listen
from tests.waiting import wait_until

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="needs Debian's chromium and chromium-driver (apt-get install chromium-driver)",
)
webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

SCREENS = os.environ.get("KIOSK_DASHBOARD_SCREENS", "")
# Every word that could say what a request is about: none may be on the live page.
NEVER_SHOWN = [c.value for c in Category] + [c.value.replace("_", " ") for c in Category]
NEVER_SHOWN += list(CATEGORY_TEXTS.values()) + list(URGENCY_TEXTS.values()) + ["urgent"]


@dataclass
class Fleet:
    layout: SiteLayout
    hub: HubProcess
    kiosk: HubClient  # at Platform 3, Central Station
    hall: HubClient  # in the main hall, Central Station
    staff: HubClient  # Central Station platform staff
    url: str  # the printed one-time URL
    screens: Path
    downloads: Path
    opened: list[str]  # ids of requests submitted and not yet closed

    @property
    def base(self) -> str:
        return self.url.split("/?")[0]


def _client(layout: SiteLayout, role: DeviceRole, url: str, **where: str) -> HubClient:
    config = enrol_local_device(layout, role, url, **where)
    return HubClient(config, DeviceKeys.load(config.directory))


def _dashboard(layout: SiteLayout) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kiosk",
            "admin",
            "dashboard",
            "--data",
            str(layout.root),
            "--port",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert process.stdout is not None
    lines = []
    while line := process.stdout.readline():  # it prints the URL once it listens
        lines.append(line)
        if "?token=" in line:
            return process, line.strip()
    raise AssertionError("the dashboard printed no URL:\n" + "".join(lines))


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    root = tmp_path_factory.mktemp("dashboard")
    layout = SiteLayout(root / "site")
    port = free_port()
    hub_url = f"https://127.0.0.1:{port}"
    init_site(layout, sample_site(), ["127.0.0.1", "localhost"])
    (layout.operator / "hub-url").write_text(hub_url + "\n")
    kiosk = _client(
        layout, DeviceRole.KIOSK, hub_url, location_id="central-p3", device_id="kiosk-p3"
    )
    hall = _client(
        layout, DeviceRole.KIOSK, hub_url, location_id="central-hall", device_id="kiosk-hall"
    )
    staff = _client(
        layout, DeviceRole.STAFF, hub_url, group_id="central-staff", device_id="staff-anna"
    )
    hub = start_hub(layout, port)
    for client in (kiosk, hall, staff):  # as their apps do: manifest, beat, event stream
        client.site()
        client.heartbeat("test")
        listen(client)  # alive while it is open; the console counts as "live"
    process, url = _dashboard(layout)
    screens = REPO / SCREENS if SCREENS else root / "screens"
    screens.mkdir(parents=True, exist_ok=True)
    try:
        yield Fleet(layout, hub, kiosk, hall, staff, url, screens, root / "downloads", [])
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(10)
        if process.stdout is not None:
            process.stdout.close()
        for client in (kiosk, hall, staff):
            client.close()
        hub.stop()


@pytest.fixture(scope="module")
def browser(fleet: Fleet) -> Iterator[Any]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    options.add_argument("--headless=new")
    options.add_argument("--window-size=1280,1500")
    options.add_argument("--disable-dev-shm-usage")
    if os.geteuid() == 0:
        options.add_argument("--no-sandbox")  # Chromium's sandbox refuses to run as root
    # The chromedriver by path: Selenium Manager then downloads nothing.
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    fleet.downloads.mkdir()
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(fleet.downloads)}
    )
    try:
        yield driver
    finally:
        driver.quit()


def _status(fleet: Fleet, path: str, *, host: str = "", cookie: str = "") -> int:
    where = urlsplit(fleet.base)
    conn = http.client.HTTPConnection(where.hostname or "", where.port, timeout=10)
    headers = {"Host": host or where.netloc}
    if cookie:
        headers["Cookie"] = cookie
    conn.request("GET", path, headers=headers)
    status = conn.getresponse().status
    conn.close()
    return status


def _submit(fleet: Fleet, client: HubClient, category: Category) -> str:
    ticket_id = new_ticket_id()
    client.submit_ticket(client.site(), ticket_id, TicketBody(category, Urgency.NORMAL, "en"))
    return ticket_id


def _live_text(browser: Any) -> str:
    return str(browser.find_element(By.ID, "live").text)


def test_the_printed_url_opens_it_once_and_nothing_else_does(fleet: Fleet, browser: Any) -> None:
    assert _status(fleet, "/") == 401
    assert _status(fleet, "/?token=not-the-token") == 403
    browser.get(fleet.url)
    assert browser.current_url == fleet.base + "/"  # the token is gone from the address bar
    assert browser.find_element(By.TAG_NAME, "h1").text == "Live: Central Station (demo)"
    (cookie,) = browser.get_cookies()
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert _status(fleet, urlsplit(fleet.url).path + "?" + urlsplit(fleet.url).query) == 403
    session = f"{cookie['name']}={cookie['value']}"
    assert _status(fleet, "/", cookie=session) == 200
    port = urlsplit(fleet.base).port
    assert _status(fleet, "/", cookie=session, host=f"rebound.example:{port}") == 421


def test_an_open_request_shows_its_age_and_step_never_its_category(
    fleet: Fleet, browser: Any
) -> None:
    browser.get(fleet.base + "/")
    assert "No open request at Central Station." in _live_text(browser)
    browser.execute_script("window.notReloaded = true;")
    ticket_id = _submit(fleet, fleet.kiosk, Category.UNSAFE)
    fleet.opened.append(ticket_id)
    # The central-urgent route alerts both groups at once: step 2 of 2.
    wait_until(lambda: "step 2 of 2" in _live_text(browser), "the open request on the page", 20)
    row = browser.find_element(By.XPATH, "//caption[starts-with(., 'Open requests at Central')]/..")
    assert re.search(r"Platform 3, north stairs \d+ s step 2 of 2 waiting", row.text), row.text
    summary = browser.find_element(By.ID, "summary")
    assert summary.get_attribute("aria-live") == "polite"
    assert summary.text.startswith("1 open request (1 waiting for someone to accept)")
    assert browser.execute_script("return window.notReloaded === true;")
    browser.save_screenshot(str(fleet.screens / "live.png"))
    for page in (browser.page_source, _fragment(browser)):
        for word in NEVER_SHOWN:
            assert not re.search(rf"\b{re.escape(word)}\b", page, re.IGNORECASE), word
        assert ticket_id not in page
    fleet.staff.act(ticket_id, "accept", 3)
    wait_until(lambda: " accepted" in _row_text(browser), "the request shown accepted", 20)
    fleet.staff.act(ticket_id, "resolve")
    fleet.opened.remove(ticket_id)
    wait_until(
        lambda: "No open request at Central Station." in _live_text(browser),
        "the closed request gone from the page",
        20,
    )
    assert browser.execute_script("return window.notReloaded === true;")  # no reload, ever
    pause = browser.find_element(By.ID, "pause")  # for a reader who needs the page still
    pause.click()
    assert pause.get_attribute("aria-pressed") == "true"
    assert browser.find_element(By.ID, "updated").text.startswith("Updates paused at ")
    pause.click()
    assert pause.get_attribute("aria-pressed") == "false"


def _row_text(browser: Any) -> str:
    return _live_text(browser).split("Kiosks at Central Station")[0]


def _fragment(browser: Any) -> str:
    """The live section as the page's script fetches it (same origin, with the cookie)."""
    return str(
        browser.execute_async_script(
            "const done = arguments[0];"
            "fetch('/live/fragment').then(r => r.text()).then(done, e => done(String(e)));"
        )
    )


def test_statistics_say_fewer_than_5_and_download_as_csv(fleet: Fleet, browser: Any) -> None:
    # Five more from the hall, withdrawn by the traveller: a count the page may show.
    for _ in range(5):
        ticket_id = _submit(fleet, fleet.hall, Category.LOST_PROPERTY)
        fleet.hall.cancel(ticket_id)
    browser.get(fleet.base + "/statistics")

    def central_today() -> str:
        browser.refresh()
        cells = browser.find_elements(By.XPATH, "//tr[th='Central Station']/td")
        return str(cells[-1].text) if cells else ""

    wait_until(lambda: central_today() == "6", "six requests counted at Central Station", 20)
    outcomes = browser.find_elements(By.XPATH, "//tr[th='Resolved by staff']/td")
    assert outcomes[-1].text == FEWER_THAN_SMALL  # one: hidden
    withdrawn = browser.find_elements(By.XPATH, "//tr[th='Withdrawn by the traveller']/td")
    assert withdrawn[-1].text == "5"
    unsafe = browser.find_elements(By.XPATH, "//tr[th='I feel unsafe (unsafe)']/td")
    assert unsafe[-1].text == FEWER_THAN_SMALL
    browser.save_screenshot(str(fleet.screens / "statistics.png"))
    _scroll_to(browser, "stat-outcome")
    browser.save_screenshot(str(fleet.screens / "statistics-outcomes.png"))
    browser.find_element(By.CSS_SELECTOR, "a[href='/statistics/outcome.csv']").click()
    saved = fleet.downloads / "kiosk-statistics-outcome.csv"
    wait_until(saved.exists, "the CSV file downloaded", 20)
    rows = {tuple(r[1:]) for r in csv.reader(saved.read_text().splitlines()[1:])}
    assert rows == {("Resolved by staff", FEWER_THAN_SMALL), ("Withdrawn by the traveller", "5")}
    if SCREENS:  # the docs show the page, not the download
        shutil.rmtree(fleet.downloads, ignore_errors=True)


def _scroll_to(browser: Any, element_id: str) -> None:
    browser.execute_script("document.getElementById(arguments[0]).scrollIntoView();", element_id)


def _rgb(css: str) -> tuple[int, ...]:
    """rgb(0, 0, 0) and rgba(0, 0, 0, 1) alike: the colour, without its opacity."""
    return tuple(int(n) for n in re.findall(r"\d+", css)[:3])


def test_high_contrast_and_forced_colours(fleet: Fleet, browser: Any) -> None:
    browser.execute_cdp_cmd(
        "Emulation.setEmulatedMedia",
        {
            "features": [
                {"name": "forced-colors", "value": "active"},
                {"name": "prefers-contrast", "value": "more"},
                {"name": "prefers-color-scheme", "value": "dark"},  # white on black
            ]
        },
    )
    browser.get(fleet.base + "/statistics")
    assert browser.execute_script("return matchMedia('(forced-colors: active)').matches;")
    bar = browser.find_element(By.CSS_SELECTOR, "svg.chart rect.bar")
    text = browser.find_element(By.TAG_NAME, "body")
    # Bars take the text's own system colour: as readable as the words.
    assert _rgb(bar.value_of_css_property("fill")) == _rgb(text.value_of_css_property("color"))
    _scroll_to(browser, "stat-outcome")
    browser.save_screenshot(str(fleet.screens / "statistics-forced-colours.png"))
    browser.get(fleet.base + "/")
    wait_until(lambda: "Stations" in _live_text(browser), "the live page")
    browser.save_screenshot(str(fleet.screens / "live-forced-colours.png"))
    # Every page of the module worked within its policy: nothing inline was refused.
    refused = [
        e["message"] for e in browser.get_log("browser") if "Content Security" in e["message"]
    ]
    assert refused == []
