"""The phrase catalogue: stable ids, every phrase translatable, unknown ids refused
by senders and skipped (with a count) by readers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import kiosk.core.phrases as phrases_module
from kiosk.core.body import TicketBody
from kiosk.core.categories import Category, Urgency
from kiosk.core.errors import InvalidTicketBody, UnknownPhrase
from kiosk.core.phrases import (
    DETAIL_PHRASES,
    MAX_DETAILS,
    REPLY_PHRASES,
    detail_text,
    known_details,
    reply_text,
    validate_details,
    validate_reply,
)
from kiosk.core.reply import ReplyBody, reply_binding

# Ids are a protocol shared by kiosks and consoles of different ages: never renamed.
STABLE_DETAILS = {
    "can_wait", "sit_down", "with_child", "wheelchair",
    "low_vision", "hard_of_hearing", "no_local_language", "in_pain",
}  # fmt: skip
STABLE_REPLIES = {
    "reply.on_my_way", "reply.stay_put", "reply.wait_by_kiosk", "reply.shortly",
    "reply.go_to_help_point", "reply.wave", "reply.ambulance",
}  # fmt: skip


def test_ids_are_stable_and_distinct() -> None:
    assert set(DETAIL_PHRASES) >= STABLE_DETAILS
    assert set(REPLY_PHRASES) >= STABLE_REPLIES
    assert all(i.startswith("reply.") for i in REPLY_PHRASES)
    assert not any(i.startswith("reply.") for i in DETAIL_PHRASES)
    texts = [*DETAIL_PHRASES.values(), *REPLY_PHRASES.values()]
    assert len(texts) == len(set(texts))
    assert len(DETAIL_PHRASES) <= MAX_DETAILS


def test_every_phrase_is_marked_for_translation_with_a_translator_comment() -> None:
    source = Path(phrases_module.__file__).read_text().splitlines()
    for text in [*DETAIL_PHRASES.values(), *REPLY_PHRASES.values()]:
        (line,) = [n for n, row in enumerate(source) if f'N_("{text}")' in row]
        assert source[line - 1].strip().startswith("# Translators:"), text
        assert not re.search(r"[{}]", text)  # no placeholders: shown as they are


def test_lookup_and_validation() -> None:
    assert detail_text("wheelchair") == "I use a wheelchair"
    assert reply_text("reply.ambulance") == "An ambulance has been called"
    assert validate_reply("reply.wave") == "reply.wave"
    # Catalogue order, each once, whatever order they were touched in.
    assert validate_details(["in_pain", "sit_down", "in_pain"]) == ("sit_down", "in_pain")
    assert validate_details([]) == ()
    for bad in ("", "Wheelchair", "reply.wave", "drop table"):
        with pytest.raises(UnknownPhrase, match="unknown detail phrase"):
            validate_details(["sit_down", bad])
    with pytest.raises(UnknownPhrase, match="unknown reply phrase"):
        reply_text("sit_down")
    with pytest.raises(UnknownPhrase):
        detail_text(None)  # type: ignore[arg-type]
    assert issubclass(UnknownPhrase, InvalidTicketBody)


def test_readers_skip_unknown_ids_and_count_them() -> None:
    assert known_details(["sit_down", "future_phrase", "in_pain", "sit_down", "x"]) == (
        ("sit_down", "in_pain"),
        2,
    )
    body = TicketBody(Category.UNWELL, Urgency.NORMAL, "ar", ("sit_down", "from_the_future"))
    assert TicketBody.from_bytes(body.to_bytes()).details == ("sit_down", "from_the_future")


def test_reply_body_round_trip_and_refusals() -> None:
    body = ReplyBody("reply.stay_put", 1_700_000_000)
    assert ReplyBody.from_bytes(body.to_bytes()) == body
    for raw in (
        b"\xff",
        b"[]",
        b'{"v": 2, "phrase": "reply.stay_put"}',
        b'{"v": 1, "phrase": 3}',
        b'{"v": 1, "phrase": "reply.stay_put", "sent_at": true}',
        b"[" * 100_000,
    ):
        with pytest.raises(InvalidTicketBody):
            ReplyBody.from_bytes(raw)
    with pytest.raises(UnknownPhrase):
        ReplyBody.from_bytes(b'{"v": 1, "phrase": "sit_down"}')
    assert reply_binding("a", "b", "c") != reply_binding("a", "c", "b")
