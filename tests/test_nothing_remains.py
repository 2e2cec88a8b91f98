"""The hub never holds plaintext, and keeps nothing of a closed ticket."""

from __future__ import annotations

import base64
import time
from pathlib import Path

from kiosk.client import HubClient
from kiosk.core.body import TicketBody
from kiosk.core.categories import Category, Urgency
from kiosk.core.ticket import Ticket, new_ticket_id
from kiosk.hub.database import make_engine, upgrade_schema
from kiosk.hub.reply_store import ReplyStore, StoredReply
from kiosk.hub.store import Store
from tests.conftest import HubProcess, Site
from tests.residue import residue, ticket_needles

MARKER = "ZQX-MARKER-7731-كلمة"  # distinctive, and not ASCII-only


def _open_ticket(kiosk: HubClient, staff: HubClient, free_text: str) -> tuple[str, bytes, bytes]:
    ticket_id = new_ticket_id()
    body = TicketBody(Category.UNWELL, Urgency.URGENT, "ar", ("sit_down",), free_text)
    kiosk.submit_ticket(kiosk.site(), ticket_id, body)
    view = staff.ticket(ticket_id)
    assert staff.open_ticket(view).body.free_text == free_text  # staff can read it
    return ticket_id, base64.b64decode(view["sealed"]), body.to_bytes()


def test_hub_database_and_logs_never_hold_the_plaintext(
    site: Site, hub: HubProcess, kiosk_client: HubClient, staff_client: HubClient
) -> None:
    ticket_id, _ciphertext, _plain = _open_ticket(kiosk_client, staff_client, MARKER)
    marker = {"marker (utf-8)": MARKER.encode(), "marker (ascii part)": b"ZQX-MARKER-7731"}
    # While the ticket is open: the database holds it, sealed, never in clear.
    assert residue(site.layout.hub, marker) == []
    staff_client.act(ticket_id, "accept", 2)
    staff_client.act(ticket_id, "resolve")
    hub.stop()  # flushes and closes every log and database handle
    assert residue(site.layout.root, marker) == []
    assert "ZQX-MARKER" not in hub.log_text()
    assert ticket_id not in hub.log_text()


def test_cancel_leaves_no_byte_of_the_ticket(
    site: Site, hub: HubProcess, kiosk_client: HubClient, staff_client: HubClient
) -> None:
    ticket_id, ciphertext, plain = _open_ticket(kiosk_client, staff_client, "cancel me")
    assert residue(site.layout.hub, {"ciphertext": ciphertext}) != []  # it was there
    kiosk_client.cancel(ticket_id)
    assert residue(site.layout.root, ticket_needles(ticket_id, ciphertext, plain)) == []


def test_could_not_find_the_traveller_leaves_no_byte_of_the_ticket(
    site: Site, hub: HubProcess, kiosk_client: HubClient, staff_client: HubClient
) -> None:
    ticket_id, ciphertext, plain = _open_ticket(kiosk_client, staff_client, "nobody there")
    staff_client.act(ticket_id, "accept", 2)
    staff_client.act(ticket_id, "hand_over")  # the hand-over keeps nothing extra either
    staff_client.act(ticket_id, "accept", 1)
    staff_client.act(ticket_id, "not_found")
    assert residue(site.layout.root, ticket_needles(ticket_id, ciphertext, plain)) == []


def test_expiry_purges_through_the_same_path(tmp_path: Path) -> None:
    """A ticket nobody closed is expired, deleted with its replies, and its bytes are gone."""
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    upgrade_schema(engine)
    store = Store(engine)
    old = Ticket(
        new_ticket_id(), "kiosk-1", "p3", Category.LOST, Urgency.NORMAL, time.time() - 9999
    )
    new = Ticket(new_ticket_id(), "kiosk-1", "p3", Category.LOST, Urgency.NORMAL, time.time())
    sealed = b"\x8e" * 64 + b"sealed-old-ticket" + b"\x9f" * 64
    store.insert_ticket(old, {"staff-1": sealed})
    store.insert_ticket(new, {"staff-1": b"other"})
    reply = b"\x7a" * 64 + b"sealed-reply-to-old" + b"\x6b" * 64
    replies = ReplyStore(engine)
    replies.add(StoredReply("ab" * 16, old.id, "staff-1", time.time(), reply), 20)
    expired = store.expire_older_than(time.time() - 3600)
    assert [t.id for t in expired] == [old.id]
    assert expired[0].state.value == "expired"
    assert store.count_rows() == {"tickets": 1, "sealed_copies": 1, "replies": 0}
    needles = {"id": old.id.encode(), "sealed": sealed[60:90], "reply": reply[60:90]}
    assert residue(tmp_path, needles) == []
    engine.dispose()
