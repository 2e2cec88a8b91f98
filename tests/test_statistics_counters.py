"""The hub's statistics counters, in-process on a clock the test moves: each
closed request adds exactly its counters in the transaction that purges it,
an open one adds nothing, and the site file's switch and retention hold."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from datetime import UTC

import pytest

from kiosk.core.categories import Category, Urgency
from kiosk.core.site import SiteStatistics
from kiosk.core.statistics import day_key, week_key
from kiosk.core.ticket import new_ticket_id
from kiosk.operator.hub_admin import LocalHubAdmin
from kiosk.operator.site_admin import current_site, publish
from tests.conftest import Site
from tests.in_process_hub import FakeClock, InProcessHub

_TTL = 600
_STATION = "Central Station"  # of the sample site's central-p3, where site.kiosk is


@pytest.fixture
def hub(site: Site) -> Iterator[InProcessHub]:
    clock = FakeClock(time.time())
    hub = InProcessHub(site.layout, clock, ticket_ttl_seconds=_TTL)
    try:
        yield hub
    finally:
        hub.close()


def _submit(site: Site, hub: InProcessHub, category: Category = Category.LOST) -> str:
    ticket_id = new_ticket_id()
    request = {
        "id": ticket_id,
        "category": category.value,
        "urgency": Urgency.NORMAL.value,
        "sealed": {site.staff.device_id: "c2VhbGVk"},  # the hub never reads it
    }
    assert hub.call(site.kiosk, "POST", "/v1/tickets", request).status_code == 201
    return ticket_id


def _act(site: Site, hub: InProcessHub, ticket_id: str, action: str, **doc: object) -> None:
    device = site.kiosk if action == "cancel" else site.staff
    answer = hub.call(device, "POST", f"/v1/tickets/{ticket_id}/{action}", doc or None)
    assert answer.status_code == 200, answer.body


def _counters(hub: InProcessHub) -> set[tuple[str, str, str, int]]:
    return {(c["kind"], c["period"], c["key"], c["count"]) for c in hub.hub.counters.counters()}


def test_a_resolved_request_is_counted_once_it_closes_and_not_before(
    site: Site, hub: InProcessHub
) -> None:
    hub.listen(site.staff.device_id)  # the first step is reached: no early escalation
    created = hub.clock.now
    ticket_id = _submit(site, hub)
    assert _counters(hub) == set()
    hub.clock.advance(70)
    _act(site, hub, ticket_id, "accept", eta_minutes=3)
    hub.escalate(after=30)  # the second step's time (90 s) comes while it is accepted
    assert _counters(hub) == set()  # accepted, still open: nothing written
    hub.clock.advance(400)
    _act(site, hub, ticket_id, "resolve")
    day, week = day_key(created, UTC), week_key(created, UTC)
    assert _counters(hub) == {
        ("requests", day, _STATION, 1),
        ("category", week, "lost", 1),
        ("outcome", week, "resolved", 1),
        ("accept_time", week, "1-2", 1),
        ("resolve_time", week, "5-10", 1),
        ("escalation", week, "1", 1),
    }
    assert hub.hub.store.get_ticket(ticket_id) is None  # purged in the same transaction


def test_withdrawn_expired_and_not_found_each_count_their_outcome(
    site: Site, hub: InProcessHub
) -> None:
    hub.listen(site.staff.device_id)
    created = hub.clock.now
    cancelled = _submit(site, hub, Category.UNWELL)
    _act(site, hub, cancelled, "cancel")
    missed = _submit(site, hub, Category.UNWELL)
    _act(site, hub, missed, "accept", eta_minutes=2)
    hub.clock.advance(200)
    _act(site, hub, missed, "not_found")
    forgotten = _submit(site, hub)
    hub.run(hub.hub.expire_once(hub.clock.advance(_TTL + 1)))
    assert hub.hub.store.get_ticket(forgotten) is None
    day, week = day_key(created, UTC), week_key(created, UTC)
    assert _counters(hub) == {
        ("requests", day, _STATION, 3),
        ("category", week, "unwell", 2),
        ("category", week, "lost", 1),
        ("outcome", week, "withdrawn", 1),
        ("outcome", week, "not_found", 1),
        ("outcome", week, "expired", 1),
        ("accept_time", week, "0-1", 1),
        # Withdrawn and accepted at once: step 1; expired after 90 s: the
        # control room's step came, and with nobody there the fallback too.
        ("escalation", week, "1", 2),
        ("escalation", week, "2", 1),
        ("fallback", week, "shown", 1),
    }


def test_the_site_time_zone_sets_days_and_weeks(site: Site, hub: InProcessHub) -> None:
    zone = "Pacific/Kiritimati"  # UTC+14: most of a UTC day is the next day there
    _publish(site, hub, SiteStatistics(timezone=zone))
    hub.clock.now = 1_765_152_000.0  # 2025-12-08 00:00 UTC, a Monday: Monday 14:00 there
    _act(site, hub, _submit(site, hub), "cancel")
    periods = {(c["kind"], c["period"]) for c in hub.hub.counters.counters()}
    assert ("requests", "2025-12-08") in periods
    hub.clock.now = 1_765_152_000.0 - 11 * 3600  # Sunday 13:00 UTC: Monday 03:00 there
    _act(site, hub, _submit(site, hub), "cancel")
    counts = {(c["kind"], c["period"]): c["count"] for c in hub.hub.counters.counters()}
    assert counts[("requests", "2025-12-08")] == 2
    assert counts[("outcome", "2025-W50")] == 2  # Sunday in UTC was week 49


def _publish(site: Site, hub: InProcessHub, statistics: SiteStatistics) -> None:
    changed = dataclasses.replace(current_site(site.layout), statistics=statistics)
    publish(site.layout, changed, LocalHubAdmin(hub.hub.store))


def test_switched_off_nothing_is_written_and_the_next_sweep_clears(
    site: Site, hub: InProcessHub
) -> None:
    _act(site, hub, _submit(site, hub), "cancel")
    assert _counters(hub)
    _publish(site, hub, SiteStatistics(enabled=False))
    _act(site, hub, _submit(site, hub), "cancel")
    assert sum(c[3] for c in _counters(hub) if c[0] == "requests") == 1  # not counted
    hub.run(hub.hub.expire_once())
    assert _counters(hub) == set()
    _act(site, hub, _submit(site, hub), "cancel")
    assert _counters(hub) == set()
    stats = LocalHubAdmin(hub.hub.store).statistics()
    assert (stats["enabled"], stats["counters"]) == (False, [])


def test_counters_older_than_keep_days_are_swept(site: Site, hub: InProcessHub) -> None:
    _publish(site, hub, SiteStatistics(keep_days=30))
    start = hub.clock.now
    _act(site, hub, _submit(site, hub), "cancel")
    hub.clock.advance(20 * 86_400)
    _act(site, hub, _submit(site, hub), "cancel")
    # 40 days on: the first request's day and week ended more than 30 days ago.
    hub.run(hub.hub.expire_once(start + 40 * 86_400))
    kept = hub.hub.counters.counters()
    assert {c["period"] for c in kept if c["kind"] == "requests"} == {
        day_key(start + 20 * 86_400, UTC)
    }
    assert {c["period"] for c in kept if c["kind"] != "requests"} == {
        week_key(start + 20 * 86_400, UTC)
    }
    hub.run(hub.hub.expire_once(start + 60 * 86_400))
    assert hub.hub.counters.counters() == []
