"""The structured phrase catalogue: what a traveller adds to a request and what
staff reply, as stable ids rather than text.

Ids travel inside sealed bodies; each reader renders them in their own
language (the traveller's on the kiosk, the staff member's on the console), so
nobody has to read a language they do not know and no free text is needed.
Ids are a protocol: never rename one, only add. A reader that meets an id it
does not know (a newer kiosk) skips it and says so, rather than failing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from kiosk.core.errors import UnknownPhrase

__all__ = [
    "DETAIL_PHRASES",
    "MAX_DETAILS",
    "REPLY_PHRASES",
    "detail_text",
    "known_details",
    "reply_text",
    "validate_details",
    "validate_reply",
]

MAX_DETAILS = 16  # more than the catalogue holds; a body with more is malformed


def N_(message: str) -> str:  # noqa: N802 - the gettext marker that `pybabel extract -k N_` reads
    return message


# What the traveller can add, by touch, in their own words (first person).
DETAIL_PHRASES: Mapping[str, str] = {
    # Translators: optional detail a traveller adds to a help request: they can wait at the kiosk.
    "can_wait": N_("I can wait here"),
    # Translators: optional detail a traveller adds to a help request.
    "sit_down": N_("I need to sit down"),
    # Translators: optional detail a traveller adds to a help request.
    "with_child": N_("I am with a child"),
    # Translators: optional detail a traveller adds to a help request.
    "wheelchair": N_("I use a wheelchair"),
    # Translators: optional detail a traveller adds to a help request: low vision.
    "low_vision": N_("I cannot see well"),
    # Translators: optional detail a traveller adds to a help request: hard of hearing.
    "hard_of_hearing": N_("I cannot hear well"),
    # Translators: optional detail: the traveller does not speak the language of this country.
    "no_local_language": N_("I do not speak the local language"),
    # Translators: optional detail a traveller adds to a help request.
    "in_pain": N_("I am in pain"),
}

# What staff can answer; the kiosk shows it in the traveller's language.
REPLY_PHRASES: Mapping[str, str] = {
    # Translators: a staff member's reply shown to the traveller on the kiosk.
    "reply.on_my_way": N_("I am on my way"),
    # Translators: a staff member's reply shown to the traveller on the kiosk.
    "reply.stay_put": N_("Please stay where you are"),
    # Translators: a staff member's reply shown to the traveller on the kiosk.
    "reply.wait_by_kiosk": N_("Please wait by the kiosk"),
    # Translators: a staff member's reply shown to the traveller on the kiosk.
    "reply.shortly": N_("Help will be with you shortly"),
    # Translators: a staff member's reply: go to the station's staffed help point.
    "reply.go_to_help_point": N_("Please go to the help point"),
    # Translators: a staff member's reply: staff are searching for the traveller nearby.
    "reply.wave": N_("We are looking for you: please wave"),
    # Translators: a staff member's reply shown to the traveller on the kiosk.
    "reply.ambulance": N_("An ambulance has been called"),
}


def detail_text(phrase_id: str) -> str:
    """The English msgid of a detail phrase; UnknownPhrase if there is none."""
    try:
        return DETAIL_PHRASES[phrase_id]
    except (KeyError, TypeError):
        raise UnknownPhrase(f"unknown detail phrase {phrase_id!r}") from None


def reply_text(phrase_id: str) -> str:
    """The English msgid of a reply phrase; UnknownPhrase if there is none."""
    try:
        return REPLY_PHRASES[phrase_id]
    except (KeyError, TypeError):
        raise UnknownPhrase(f"unknown reply phrase {phrase_id!r}") from None


def validate_details(ids: Iterable[str]) -> tuple[str, ...]:
    """The ids in catalogue order, each once; UnknownPhrase for any id not in it.

    For the sender (the kiosk): it must only send what every reader knows.
    """
    chosen = set()
    for phrase_id in ids:
        detail_text(phrase_id)
        chosen.add(phrase_id)
    return tuple(p for p in DETAIL_PHRASES if p in chosen)


def validate_reply(phrase_id: str) -> str:
    reply_text(phrase_id)
    return phrase_id


def known_details(ids: Iterable[str]) -> tuple[tuple[str, ...], int]:
    """For a reader: the ids it knows (in the order given) and how many it does not."""
    known, unknown = [], 0
    for phrase_id in ids:
        if phrase_id in DETAIL_PHRASES and phrase_id not in known:
            known.append(phrase_id)
        elif phrase_id not in DETAIL_PHRASES:
            unknown += 1
    return tuple(known), unknown
