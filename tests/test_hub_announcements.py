"""What hubs sharing one PostgreSQL database tell each other, without a server:
the NOTIFY payloads byte for byte as the previous version sends them, the round
trip of each kind, and the refusal of anything malformed (logged, not raised)."""

from __future__ import annotations

import logging

import pytest

from kiosk.core.announcements import (
    Announcement,
    EpochKeyAnnounced,
    Heard,
    MalformedAnnouncement,
    PresenceAnnounced,
    ReplyAnnounced,
    TicketAnnounced,
    decode,
    encode,
)
from kiosk.core.categories import Category, Urgency
from kiosk.core.epoch_key import EpochKeyRecord
from kiosk.core.events import DevicePresence
from kiosk.core.ticket import Ticket, TicketEvent, TicketState
from kiosk.hub.pg_events import PgEvents

NOTIFY_LIMIT = 8000  # bytes: PostgreSQL refuses a longer payload

TICKET = TicketAnnounced(
    "t1", TicketState.ACCEPTED, "k1", "p3", Category.LOST, Urgency.URGENT, 1700000000.5, False
)
REPLY = ReplyAnnounced("r1", "t1")
PRESENCE = PresenceAnnounced(DevicePresence("k2", None, "Central", "Platform 3", False, ("g4",)))
EPOCH_KEY = EpochKeyAnnounced(EpochKeyRecord("s1", "e1", 10, 70, b"pub", b"sig"))

# As the previous version wrote them (dicts dumped with the hub's id added last).
WIRE: list[tuple[Announcement, str]] = [
    (
        TICKET,
        '{"id":"t1","state":"accepted","kiosk_id":"k1","location_id":"p3","category":"lost",'
        '"urgency":"urgent","created_at":1700000000.5,"new":false,"hub":"h1"}',
    ),
    (REPLY, '{"kind":"reply","id":"r1","ticket_id":"t1","hub":"h1"}'),
    (
        PRESENCE,
        '{"type":"device","device_id":"k2","location_id":null,"station":"Central",'
        '"location_label":"Platform 3","state":"offline","groups":["g4"],"hub":"h1"}',
    ),
    (
        EPOCH_KEY,
        '{"type":"epoch_keys","all_kiosks":true,"key":{"device_id":"s1","epoch_id":"e1",'
        '"not_before":10,"not_after":70,"public":"cHVi","signature":"c2ln"},"hub":"h1"}',
    ),
]


@pytest.mark.parametrize(("announced", "payload"), WIRE)
def test_each_kind_is_sent_as_the_previous_version_sent_it(
    announced: Announcement, payload: str
) -> None:
    assert encode(announced, "h1") == payload
    assert decode(payload) == Heard("h1", announced)


def test_a_ticket_goes_there_and_back_and_rebuilds_once_closed() -> None:
    ticket = Ticket("t9", "k9", "p9", Category.UNWELL, Urgency.NORMAL, 12.0)
    ticket = ticket.apply(TicketEvent.CANCEL, at=20.0)
    announced = TicketAnnounced.of(ticket, new=True)
    assert decode(encode(announced, "h2")) == Heard("h2", announced)
    rebuilt = announced.ticket()
    assert (rebuilt.id, rebuilt.kiosk_id, rebuilt.state) == ("t9", "k9", TicketState.CANCELLED)
    assert (rebuilt.category, rebuilt.urgency, rebuilt.created_at) == (
        Category.UNWELL,
        Urgency.NORMAL,
        12.0,
    )


def test_presence_online_and_at_a_place_goes_there_and_back() -> None:
    online = PresenceAnnounced(DevicePresence("k3", "p1", "", "", True, ("g1", "g2")))
    assert decode(encode(online, "h3")).announcement == online


def test_an_announcement_with_more_keys_is_read_as_a_later_version_may_send_it() -> None:
    payload = '{"kind":"reply","id":"r1","ticket_id":"t1","trace":"x","hub":"h1"}'
    assert decode(payload) == Heard("h1", REPLY)


def test_large_announcements_stay_far_below_the_notify_limit() -> None:
    long_id = "x" * 64
    ticket = TicketAnnounced(
        long_id,
        TicketState.SUBMITTED,
        long_id,
        long_id,
        Category.LOST_PROPERTY,
        Urgency.NORMAL,
        1.7e9,
        True,
    )
    key = EpochKeyAnnounced(EpochKeyRecord(long_id, long_id, 0, 2**40, b"p" * 32, b"s" * 64))
    reply = ReplyAnnounced(long_id, long_id)
    presence = PresenceAnnounced(
        DevicePresence(long_id, long_id, "s" * 200, "l" * 200, True, (long_id,) * 20)
    )
    sizes = [len(encode(a, "h" * 12).encode()) for a in (ticket, key, reply, presence)]
    assert max(sizes[:3]) < 1000
    assert sizes[3] < NOTIFY_LIMIT // 2


MALFORMED = [
    "",
    "not json",
    "[1, 2]",
    '"reply"',
    '{"kind":"reply","id":"r1","ticket_id":"t1"}',  # no hub
    '{"kind":"reply","id":"r1","ticket_id":"t1","hub":7}',
    '{"kind":"reply","id":"","ticket_id":"t1","hub":"h1"}',
    '{"kind":"reply","id":["r1"],"ticket_id":"t1","hub":"h1"}',
    '{"kind":"poke","hub":"h1"}',
    '{"type":"manifest","hub":"h1"}',
    '{"id":"t1","state":"lost","kiosk_id":"k1","location_id":"p3","category":"lost",'
    '"urgency":"urgent","created_at":1.5,"new":false,"hub":"h1"}',
    '{"id":"t1","state":"accepted","kiosk_id":"k1","location_id":"p3","category":"lost",'
    '"urgency":"urgent","created_at":"1.5","new":false,"hub":"h1"}',
    '{"id":"t1","state":"accepted","kiosk_id":"k1","location_id":"p3","category":"lost",'
    '"urgency":"urgent","created_at":true,"new":false,"hub":"h1"}',
    '{"id":"t1","state":"accepted","kiosk_id":"k1","location_id":"p3","category":"lost",'
    '"urgency":"urgent","created_at":1.5,"new":"no","hub":"h1"}',
    '{"id":"t1","state":"accepted","kiosk_id":"k1","category":"lost",'
    '"urgency":"urgent","created_at":1.5,"new":false,"hub":"h1"}',
    '{"type":"device","device_id":"k2","location_id":3,"station":"C","location_label":"P",'
    '"state":"offline","groups":[],"hub":"h1"}',
    '{"type":"device","device_id":"k2","location_id":null,"station":"C","location_label":"P",'
    '"state":"away","groups":[],"hub":"h1"}',
    '{"type":"device","device_id":"k2","location_id":null,"station":"C","location_label":"P",'
    '"state":"online","groups":"g1","hub":"h1"}',
    '{"type":"device","device_id":"k2","location_id":null,"station":"C","location_label":"P",'
    '"state":"online","groups":[1],"hub":"h1"}',
    '{"type":"epoch_keys","all_kiosks":true,"key":"k","hub":"h1"}',
    '{"type":"epoch_keys","all_kiosks":true,"key":{"device_id":"s1"},"hub":"h1"}',
    '{"type":"epoch_keys","all_kiosks":true,"key":{"device_id":"s1","epoch_id":"e1",'
    '"not_before":"10","not_after":70,"public":"cHVi","signature":"c2ln"},"hub":"h1"}',
    '{"type":"epoch_keys","all_kiosks":true,"key":{"device_id":"s1","epoch_id":"e1",'
    '"not_before":10,"not_after":70,"public":"not base64!","signature":"c2ln"},"hub":"h1"}',
]


@pytest.mark.parametrize("payload", MALFORMED)
def test_a_malformed_payload_is_refused(payload: str) -> None:
    with pytest.raises(MalformedAnnouncement):
        decode(payload)


def test_the_listener_logs_a_malformed_payload_without_it_and_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    heard: list[Announcement] = []
    events = PgEvents("postgresql://unused", heard.append)  # never started: no connection
    secret = '{"kind":"reply","id":"the-secret","hub":"h1"}'
    with caplog.at_level(logging.WARNING, logger="kiosk.hub"):
        events._relay(secret)  # what the LISTEN thread calls with each payload
        events._relay(encode(REPLY, events.hub_id))  # its own: not relayed
        events._relay(encode(REPLY, "another-hub"))
    assert heard == [REPLY]
    assert [r.getMessage() for r in caplog.records] == ["event=notify.malformed"]
    assert "the-secret" not in caplog.text
