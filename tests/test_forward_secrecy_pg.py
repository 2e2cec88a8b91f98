"""Forward secrecy on PostgreSQL with two hubs: ciphertext copied straight out
of the database tables while tickets were open (as a disk copy, a dead tuple,
the WAL or a backup would keep it) is opened by no key any device still holds
once the tickets are resolved and the epoch is over.

Skipped unless KIOSK_TEST_POSTGRES_URL names a database this test may wipe."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from kiosk.client import HubClient
from kiosk.client.replies import send_reply
from kiosk.core.body import TicketBody, binding_bytes
from kiosk.core.categories import Category, Urgency
from kiosk.core.reply import reply_binding
from kiosk.core.site import DeviceRole
from kiosk.core.ticket import new_ticket_id
from kiosk.crypto import DeviceKeys, sealed_key_id
from kiosk.operator import SiteLayout, enrol_local_device, init_site, sample_site
from tests.conftest import HubProcess, empty_postgres, free_port, start_hub
from tests.test_forward_secrecy_hub import EPOCH_SECONDS, Console, assert_no_key_opens
from tests.waiting import wait_until

PG_URL = os.environ.get("KIOSK_TEST_POSTGRES_URL", "")
pytestmark = pytest.mark.skipif(not PG_URL, reason="set KIOSK_TEST_POSTGRES_URL")
TICKETS = 4


@pytest.fixture
def pg_site(tmp_path: Path) -> SiteLayout:
    empty_postgres(PG_URL)
    layout = SiteLayout(tmp_path / "site", PG_URL)
    init_site(layout, sample_site(), ["127.0.0.1"])
    return layout


@pytest.fixture
def two_hubs(pg_site: SiteLayout) -> Iterator[tuple[str, str]]:
    port_a, port_b = free_port(), free_port()
    hubs: list[HubProcess] = []
    try:
        hubs.append(start_hub(pg_site, port_a, "--db", PG_URL))
        hubs.append(start_hub(pg_site, port_b, "--db", PG_URL))
        yield f"https://127.0.0.1:{port_a}", f"https://127.0.0.1:{port_b}"
    finally:
        for hub in hubs:
            hub.stop()


def _table_copies() -> tuple[dict[tuple[str, str], bytes], dict[str, tuple[str, str, bytes]]]:
    """Every sealed copy and reply, read straight from the tables."""
    engine = create_engine(PG_URL)
    try:
        with engine.connect() as conn:
            copies = {
                (r.ticket_id, r.recipient_id): bytes(r.ciphertext)
                for r in conn.execute(
                    text("SELECT ticket_id, recipient_id, ciphertext FROM sealed_copies")
                )
            }
            replies = {
                r.id: (r.ticket_id, r.staff_id, bytes(r.ciphertext))
                for r in conn.execute(
                    text("SELECT id, ticket_id, staff_id, ciphertext FROM replies")
                )
            }
            left = conn.execute(text("SELECT count(*) FROM tickets")).scalar()
    finally:
        engine.dispose()
    assert left is not None
    return copies, replies


def test_no_device_key_opens_database_copies_after_resolve_and_epoch_end(
    pg_site: SiteLayout, two_hubs: tuple[str, str]
) -> None:
    url_a, url_b = two_hubs
    kiosk_cfg = enrol_local_device(pg_site, DeviceRole.KIOSK, url_a, location_id="central-p3")
    anna_cfg = enrol_local_device(pg_site, DeviceRole.STAFF, url_a, group_id="central-staff")
    ben_cfg = enrol_local_device(pg_site, DeviceRole.STAFF, url_b, group_id="central-staff")
    clients = [HubClient(c, DeviceKeys.load(c.directory)) for c in (kiosk_cfg, anna_cfg, ben_cfg)]
    kiosk, anna_client, ben_client = clients
    try:
        anna, ben = Console(anna_client), Console(ben_client)
        epoch_ids = {*anna.ring.held(), *ben.ring.held()}
        ticket_ids = []
        for n in range(TICKETS):
            ticket_id = new_ticket_id()
            body = TicketBody(Category.UNWELL, Urgency.NORMAL, "ar", ("sit_down",), f"سر {n}")
            kiosk.submit_ticket(kiosk.site(), ticket_id, body)
            ticket_ids.append(ticket_id)
        # Both consoles read every ticket, each through its own hub, and reply.
        for n, ticket_id in enumerate(ticket_ids):
            for console in (anna, ben):
                view = console.receive(ticket_id)
                opened = console.inbox.items[ticket_id].body
                assert opened is not None
                assert opened.free_text == f"سر {n}"
                assert sealed_key_id(base64.b64decode(view["sealed"])) in epoch_ids
            send_reply(ben_client, view, "reply.stay_put", opened.reply_key)

        # A disk copy of the database while the tickets are open.
        copies, replies = _table_copies()
        assert {t for t, _ in copies} == set(ticket_ids)
        assert len(copies) == 2 * TICKETS
        assert len(replies) == TICKETS
        assert all(sealed_key_id(c) in epoch_ids for c in copies.values())

        for n, ticket_id in enumerate(ticket_ids):
            one, other = (anna, ben) if n % 2 else (ben, anna)
            closed = one.resolve(ticket_id)
            other.inbox.apply({"type": "ticket", "ticket": closed})  # as its stream tells it
            kiosk.forget_reply_key(ticket_id)
        for console in (anna, ben):
            assert console.inbox.items == {}
        left_copies, left_replies = _table_copies()
        assert (left_copies, left_replies) == ({}, {})

        wait_until(
            lambda: all([anna.swept(epoch_ids), ben.swept(epoch_ids)]),  # both tick, every time
            "the epochs' end",
            4 * EPOCH_SECONDS,
            every=0.2,
        )

        ticket_copies: dict[str, tuple[bytes, bytes]] = {}
        for (ticket_id, recipient), sealed in copies.items():
            binding = binding_bytes(ticket_id, "central-p3", Category.UNWELL, Urgency.NORMAL)
            ticket_copies[f"{ticket_id}/{recipient}"] = (sealed, binding)
        reply_copies = [
            (sealed, reply_binding(ticket_id, reply_id, staff_id))
            for reply_id, (ticket_id, staff_id, sealed) in replies.items()
        ]
        every_key: list[Any] = [
            *anna.held_keys(),
            *ben.held_keys(),
            kiosk.keys,
            *kiosk.reply_keys.values(),
        ]
        assert_no_key_opens(ticket_copies, reply_copies, every_key)
        anna.ring.destroy_all()
        ben.ring.destroy_all()
    finally:
        for client in clients:
            client.close()
