"""Statistics and the live view against a real hub process over TLS: counters
appear only once requests close, exactly the right ones; the live view of an
open request says where and how long, never what, whose or which; the admin
endpoints refuse unsigned calls; nothing of a closed request remains on disk."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections import Counter
from datetime import UTC

import requests

from kiosk.client import HubClient
from kiosk.core.body import TicketBody
from kiosk.core.categories import Category, Urgency
from kiosk.core.statistics import day_key, week_key
from kiosk.core.ticket import new_ticket_id
from tests.conftest import HubProcess, Site
from tests.residue import residue

_MARKER = "STATS-MARKER-7RW"


def _table(site: Site) -> list[tuple[object, ...]]:
    """The counters table as the hub's database file holds it, read-only."""
    path = site.layout.hub_settings().db_url.removeprefix("sqlite:///")
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return list(db.execute("SELECT kind, period, key, count FROM statistic_counters"))


def _submit(kiosk: HubClient) -> str:
    ticket_id = new_ticket_id()
    body = TicketBody(Category.UNWELL, Urgency.NORMAL, "fr", (), _MARKER)
    kiosk.submit_ticket(kiosk.site(), ticket_id, body)
    return ticket_id


def test_live_shows_open_requests_without_what_or_whose(
    site: Site, hub: HubProcess, kiosk_client: HubClient, staff_client: HubClient
) -> None:
    ticket_id = _submit(kiosk_client)
    live = site.layout.hub_admin.live()
    text = json.dumps(live)
    for secret in (ticket_id, "unwell", _MARKER, site.kiosk.device_id, "normal"):
        assert secret not in text
    (ticket,) = live["tickets"]
    assert set(ticket) == {"location_id", "age_seconds", "accepted", "step", "steps", "fallback"}
    # No console streams: the first step reaches nobody, so the control room's
    # step comes at once, and the kiosk shows where else to get help.
    assert (ticket["location_id"], ticket["accepted"], ticket["step"], ticket["steps"]) == (
        "central-p3",
        False,
        2,
        2,
    )
    assert ticket["fallback"] is True
    assert 0 <= ticket["age_seconds"] < 120
    assert abs(live["now"] - time.time()) < 60
    assert live["groups"] == [
        {"group_id": g, "consoles": n, "on_duty": n, "live": 0, "reached": False}
        for g, n in (("central-control", 0), ("central-staff", 1), ("north-staff", 0))
    ]
    assert live["relays"] == site.layout.hub_admin.relays()
    staff_client.act(ticket_id, "accept", 2)
    (accepted,) = site.layout.hub_admin.live()["tickets"]
    assert (accepted["accepted"], accepted["fallback"]) == (True, False)


def test_closed_requests_are_counted_and_open_ones_never(
    site: Site, hub: HubProcess, kiosk_client: HubClient, staff_client: HubClient
) -> None:
    before = time.time()
    resolved, cancelled = _submit(kiosk_client), _submit(kiosk_client)
    staff_client.act(resolved, "accept", 3)
    assert _table(site) == []  # open, one of them accepted: nothing written
    assert site.layout.hub_admin.statistics()["counters"] == []
    staff_client.act(resolved, "resolve")
    kiosk_client.cancel(cancelled)
    after = time.time()

    stats = site.layout.hub_admin.statistics()
    assert (stats["enabled"], stats["keep_days"], stats["timezone"]) == (True, 400, "UTC")
    counters = stats["counters"]
    assert sorted(_table(site)) == sorted(
        (c["kind"], c["period"], c["key"], c["count"]) for c in counters
    )
    days = {day_key(before, UTC), day_key(after, UTC)}
    weeks = {week_key(before, UTC), week_key(after, UTC)}
    for c in counters:
        assert c["period"] in (days if c["kind"] == "requests" else weeks), c
    totals = Counter({(c["kind"], c["key"]): 0 for c in counters})
    for c in counters:
        totals[(c["kind"], c["key"])] += c["count"]
    # Nobody was reachable (no console streams): both requests reached step 2
    # at once and their kiosk showed the fallback.
    assert totals == {
        ("requests", "Central Station"): 2,
        ("category", "unwell"): 2,
        ("outcome", "resolved"): 1,
        ("outcome", "withdrawn"): 1,
        ("accept_time", "0-1"): 1,
        ("resolve_time", "0-1"): 1,
        ("escalation", "2"): 2,
        ("fallback", "shown"): 2,
    }
    for c in counters:  # coarse keys only: no id, no exact time
        assert re.fullmatch(r"\d{4}-(\d{2}-\d{2}|W\d{2})", c["period"]), c

    hub.stop()
    needles = {f"id {i}": i.encode() for i in (resolved, cancelled)}
    needles |= {f"raw id {i}": bytes.fromhex(i) for i in (resolved, cancelled)}
    assert residue(site.layout.hub, needles) == []


def test_the_fleet_endpoints_refuse_unsigned_calls(site: Site, hub: HubProcess) -> None:
    with requests.Session() as session:
        session.trust_env = False
        for path in ("/v1/admin/live", "/v1/admin/statistics"):
            answer = session.get(
                site.hub_url + path, verify=str(site.layout.operator / "ca.pem"), timeout=10
            )
            assert answer.status_code == 401
            assert answer.json()["error"] == "unauthenticated"
