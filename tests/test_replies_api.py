"""Staff replies at a real hub: sealed to the kiosk, pushed, kept over a
reconnect, refused clearly when wrong, and gone with the ticket."""

from __future__ import annotations

import base64
import json
import queue
import secrets
from typing import Any

import pytest

from kiosk.client import HubClient
from kiosk.client.replies import open_staff_reply, send_reply
from kiosk.core.body import TicketBody
from kiosk.core.categories import Category, Urgency
from kiosk.core.errors import BadSignature, CannotOpen, HubRefused, UnknownPhrase
from kiosk.core.site import DeviceRole
from kiosk.core.ticket import new_ticket_id
from kiosk.hub.database import make_engine
from kiosk.hub.replies import MAX_REPLIES_PER_TICKET, MAX_SEALED_REPLY
from kiosk.hub.store import Store
from kiosk.operator import enrol_local_device
from tests.conftest import HubProcess, Site
from tests.hub_events import listen
from tests.residue import residue
from tests.test_hub_api import _error, _raw


def _submit(kiosk: HubClient) -> str:
    ticket_id = new_ticket_id()
    body = TicketBody(Category.UNWELL, Urgency.NORMAL, "ar", ("sit_down", "in_pain"))
    kiosk.submit_ticket(kiosk.site(), ticket_id, body)
    return ticket_id


def _next(events: queue.Queue[dict[str, Any]], kind: str) -> dict[str, Any]:
    while True:
        event = events.get(timeout=10)
        if event.get("type") == kind:
            return event


def _post(site: Site, ticket_id: str, doc: object, device: str = "staff-anna") -> Any:
    body = json.dumps(doc).encode()
    return _raw(site, "POST", f"/v1/tickets/{ticket_id}/replies", body, device=device)


def test_reply_reaches_the_kiosk_sealed_and_survives_a_reconnect(
    site: Site, hub: HubProcess, kiosk_client: HubClient, staff_client: HubClient
) -> None:
    ticket_id = _submit(kiosk_client)
    kiosk_events = listen(kiosk_client)
    staff_events = listen(staff_client)
    view = staff_client.ticket(ticket_id)
    sent = send_reply(staff_client, view, "reply.stay_put")
    assert sent["staff_id"] == "staff-anna"
    assert "sealed" not in sent  # the console is told it was stored, not sent back

    pushed = _next(kiosk_events, "reply")["reply"]
    assert pushed["ticket_id"] == ticket_id
    assert open_staff_reply(kiosk_client, pushed, ticket_id, "unwell").phrase == "reply.stay_put"
    told = _next(staff_events, "reply")["reply"]
    assert told["id"] == sent["id"]
    assert "sealed" not in told

    # A kiosk that reconnects gets it again in its snapshot, after its ticket.
    events = kiosk_client.events()
    first, second = next(events), next(events)
    events.close()
    assert first["type"] == "ticket"
    assert second["type"] == "reply"
    assert second["reply"]["id"] == sent["id"]

    # The hub holds ciphertext only; it cannot be opened as another ticket's reply.
    assert b"reply.stay_put" not in (site.layout.hub / "hub.db").read_bytes()
    with pytest.raises(CannotOpen):
        open_staff_reply(kiosk_client, pushed, new_ticket_id(), "unwell")
    forged = dict(pushed, staff_id="staff-ben")
    with pytest.raises(CannotOpen):
        open_staff_reply(kiosk_client, forged, ticket_id, "unwell")


def test_a_reply_not_signed_by_staff_of_the_route_is_refused(
    site: Site, hub: HubProcess, kiosk_client: HubClient, staff_client: HubClient
) -> None:
    """Sealed with the kiosk's public key (which the hub has) but signed by
    someone else: the kiosk refuses it."""
    from kiosk.core.reply import ReplyBody, reply_binding
    from kiosk.crypto import DeviceKeys, seal_reply, sign_reply

    ticket_id = _submit(kiosk_client)
    kiosk = kiosk_client.site().device("kiosk-p3")
    assert kiosk is not None
    reply_id = secrets.token_hex(16)
    binding = reply_binding(ticket_id, reply_id, "staff-anna")
    plain = ReplyBody("reply.ambulance", 0).to_bytes()
    impostor = DeviceKeys.generate()
    sealed = seal_reply(
        plain + sign_reply(impostor, "staff-anna", binding, plain), kiosk.hpke_public, binding
    )
    view = {"id": reply_id, "ticket_id": ticket_id, "staff_id": "staff-anna"}
    view["sealed"] = base64.b64encode(sealed).decode()
    with pytest.raises(BadSignature):
        open_staff_reply(kiosk_client, view, ticket_id, "unwell")


def test_bad_replies_get_clear_4xx(
    site: Site, hub: HubProcess, kiosk_client: HubClient, staff_client: HubClient
) -> None:
    ticket_id = _submit(kiosk_client)
    ok = base64.b64encode(b"\x01" * 100).decode()
    good_id = secrets.token_hex(16)
    # A kiosk cannot reply; staff of another station cannot see the ticket.
    _error(_post(site, ticket_id, {"id": good_id, "sealed": ok}, "kiosk-p3"), 403, "staff_only")
    enrol_local_device(
        site.layout, DeviceRole.STAFF, site.hub_url, group_id="north-staff", device_id="staff-nora"
    )
    _error(
        _post(site, ticket_id, {"id": good_id, "sealed": ok}, "staff-nora"), 404, "no_such_ticket"
    )
    _error(_post(site, ticket_id, {"id": "nope", "sealed": ok}), 400, "bad_id")
    _error(
        _post(site, ticket_id, {"id": good_id, "sealed": "%%%not base64"}), 400, "bad_ciphertext"
    )
    _error(_post(site, ticket_id, {"id": good_id, "sealed": ""}), 400, "bad_ciphertext")
    _error(_post(site, ticket_id, {"id": good_id, "sealed": 7}), 400, "bad_ciphertext")
    big = base64.b64encode(b"\x01" * (MAX_SEALED_REPLY + 1)).decode()
    _error(_post(site, ticket_id, {"id": good_id, "sealed": big}), 400, "bad_ciphertext")
    _error(_post(site, ticket_id, ["not", "an", "object"]), 400, "bad_json")
    huge = _raw(
        site, "POST", f"/v1/tickets/{ticket_id}/replies", b"x" * 300_000, device="staff-anna"
    )
    _error(huge, 413, "too_large")
    _error(_post(site, new_ticket_id(), {"id": good_id, "sealed": ok}), 404, "no_such_ticket")
    # A retry of the same reply is stored once; its id cannot be reused elsewhere.
    assert _post(site, ticket_id, {"id": good_id, "sealed": ok}).status_code == 201
    assert _post(site, ticket_id, {"id": good_id, "sealed": ok}).status_code == 200
    other = _submit(kiosk_client)
    _error(_post(site, other, {"id": good_id, "sealed": ok}), 409, "id_in_use")
    for _ in range(MAX_REPLIES_PER_TICKET - 1):
        assert _post(site, ticket_id, {"id": secrets.token_hex(16), "sealed": ok}).ok
    _error(
        _post(site, ticket_id, {"id": secrets.token_hex(16), "sealed": ok}), 409, "too_many_replies"
    )
    # A closed ticket takes no reply.
    staff_client.act(ticket_id, "accept", 2)
    staff_client.act(ticket_id, "resolve")
    _error(
        _post(site, ticket_id, {"id": secrets.token_hex(16), "sealed": ok}), 404, "no_such_ticket"
    )
    # An unknown phrase is refused before anything is sent.
    view = staff_client.ticket(other)
    with pytest.raises(UnknownPhrase):
        send_reply(staff_client, view, "reply.sing_a_song")


def test_replies_are_purged_with_their_ticket(
    site: Site, hub: HubProcess, kiosk_client: HubClient, staff_client: HubClient
) -> None:
    ticket_id = _submit(kiosk_client)
    view = staff_client.ticket(ticket_id)
    sent = send_reply(staff_client, view, "reply.on_my_way")
    kiosk_view = kiosk_client.events()
    snapshot = [next(kiosk_view), next(kiosk_view)]
    kiosk_view.close()
    ciphertext = base64.b64decode(snapshot[1]["reply"]["sealed"])
    assert residue(site.layout.hub, {"reply": ciphertext[-48:]}) != []  # it was there
    with pytest.raises(HubRefused):
        kiosk_client.call("POST", f"/v1/tickets/{ticket_id}/replies", {})
    kiosk_client.cancel(ticket_id)
    store = Store(make_engine(f"sqlite:///{site.layout.hub / 'hub.db'}"))
    assert store.count_rows() == {"tickets": 0, "sealed_copies": 0, "replies": 0}
    store.engine.dispose()
    needles = {
        "reply id": sent["id"].encode(),
        "reply (head)": ciphertext[:48],
        "reply (tail)": ciphertext[-48:],
    }
    assert residue(site.layout.root, needles) == []
