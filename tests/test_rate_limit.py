"""Per-device token buckets (pure rules), and a flooding kiosk against a real hub."""

from __future__ import annotations

import pytest

from kiosk.client import HubClient
from kiosk.core.body import TicketBody
from kiosk.core.categories import Category, Urgency
from kiosk.core.errors import HubRefused
from kiosk.core.rate_limit import Bucket, RateLimiter
from kiosk.core.site import DeviceRole
from kiosk.core.ticket import new_ticket_id
from kiosk.operator import enrol_local_device
from tests.conftest import HubProcess, Site


def test_a_bucket_lets_a_burst_through_then_refills_at_its_rate() -> None:
    limiter = RateLimiter(Bucket(capacity=3, per_second=0.5))
    assert [limiter.take("k1", 0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("k1", 0.0) == pytest.approx(2.0)  # one token takes 2 s
    assert limiter.take("k2", 0.0) == 0.0  # another device is untouched
    assert limiter.take("k1", 1.0) == pytest.approx(1.0)
    assert limiter.take("k1", 2.0) == 0.0


def test_a_full_bucket_is_forgotten_when_the_table_grows() -> None:
    limiter = RateLimiter(Bucket(capacity=2, per_second=1), max_keys=3)
    for n in range(3):
        limiter.take(f"k{n}", 0.0)
    limiter.take("k3", 10.0)  # everyone else refilled long ago
    assert limiter.take("k0", 10.0) == 0.0
    assert len(limiter._level) <= 3


def test_a_flooding_kiosk_is_slowed_and_no_other_kiosk_notices(
    site: Site, hub: HubProcess, kiosk_client: HubClient
) -> None:
    other_cfg = enrol_local_device(
        site.layout, DeviceRole.KIOSK, site.hub_url, location_id="central-hall"
    )
    other = site.client(other_cfg)
    manifest = kiosk_client.site()
    refused: list[HubRefused] = []
    for _ in range(15):  # a stuck button or a prank: new request after new request
        body = TicketBody(Category.OTHER, Urgency.NORMAL, "en")
        try:
            kiosk_client.submit_ticket(manifest, new_ticket_id(), body)
        except HubRefused as exc:
            refused.append(exc)
    assert refused, "the flood was never slowed down"
    assert {(e.status, e.code) for e in refused} == {(429, "slow_down")}
    # A genuine traveller at another kiosk gets through at once.
    answer = other.submit_ticket(
        other.site(), new_ticket_id(), TicketBody(Category.UNWELL, Urgency.URGENT, "de")
    )
    assert answer["state"] == "submitted"
    other.close()


def test_retrying_the_same_request_is_never_counted_as_a_flood(
    site: Site, hub: HubProcess, kiosk_client: HubClient
) -> None:
    manifest = kiosk_client.site()
    ticket_id = new_ticket_id()
    body = TicketBody(Category.LOST, Urgency.NORMAL, "fr")
    for _ in range(10):  # the kiosk retries while the link is bad
        kiosk_client.submit_ticket(manifest, ticket_id, body)
    # The retries spent nothing: the rest of the allowance of five is left.
    for _ in range(4):
        kiosk_client.submit_ticket(manifest, new_ticket_id(), body)


def test_a_retry_goes_through_when_the_allowance_is_spent(
    site: Site, hub: HubProcess, kiosk_client: HubClient
) -> None:
    manifest = kiosk_client.site()
    body = TicketBody(Category.LOST, Urgency.NORMAL, "fr")
    first = new_ticket_id()
    kiosk_client.submit_ticket(manifest, first, body)
    for _ in range(4):  # the rest of the allowance of five
        kiosk_client.submit_ticket(manifest, new_ticket_id(), body)
    with pytest.raises(HubRefused) as flood:
        kiosk_client.submit_ticket(manifest, new_ticket_id(), body)
    assert (flood.value.status, flood.value.code) == (429, "slow_down")
    # Its answer was lost: the kiosk sends the stored request again, and it counts.
    assert kiosk_client.submit_ticket(manifest, first, body)["id"] == first
    # Another kiosk's id is not a retry, over the allowance or not.
    other = site.client(
        enrol_local_device(site.layout, DeviceRole.KIOSK, site.hub_url, location_id="central-hall")
    )
    with pytest.raises(HubRefused) as taken:
        other.submit_ticket(other.site(), first, body)
    assert (taken.value.status, taken.value.code) == (409, "id_in_use")
    other.close()


def test_a_given_back_token_never_overfills_the_bucket() -> None:
    limiter = RateLimiter(Bucket(capacity=2, per_second=0.1))
    limiter.give_back("k1")  # a retry from a device with a full bucket
    assert [limiter.take("k1", 0.0) for _ in range(2)] == [0.0, 0.0]
    assert limiter.take("k1", 0.0) > 0
    limiter.give_back("k1")
    assert limiter.take("k1", 0.0) == 0.0
