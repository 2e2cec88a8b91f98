"""Where else to get help, from the site file: the station's help point (a place
where a person is, e.g. "Ticket office, main hall") and help phone, and the
emergency number, which is always known.

Texts in any offered language, not only the app's: the start screen says its
offline notice in the language its title shows at that moment. The station's
facts are kept from the last manifest verified (memory only): this kiosk
shows them while it cannot reach the hub.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.i18n import N_, locale_info
from kiosk.i18n.bidi_text import isolate
from kiosk.i18n.catalogs import load_translations
from kiosk.uikit.translator import tr

__all__ = ["HelpPlace", "emergency_and_help", "offline_notice"]


@dataclass(frozen=True, slots=True)
class HelpPlace:
    emergency_number: str = "112"
    help_point: str = ""
    help_phone: str = ""


def _in(code: str, message: str, **values: str) -> str:
    """`message` in language `code`, placeholders filled, in reading order."""
    if locale_info(code).is_rtl:  # numbers and Latin names keep their own direction
        values = {k: isolate(v) for k, v in values.items()}
    return load_translations(code).gettext(message).format(**values)


def _where_to_go(code: str, place: HelpPlace) -> str:
    point, phone = place.help_point, place.help_phone
    if point and phone:
        # Translators: where else to get help. {place} is a place in the station
        # from the site file, e.g. "Ticket office, main hall"; {phone} is a phone number.
        return _in(code, N_("Please go to {place} or call {phone}."), place=point, phone=phone)
    if point:
        # Translators: where else to get help. {place} is a place in the station,
        # e.g. "Ticket office, main hall".
        return _in(code, N_("Please go to {place}."), place=point)
    if phone:
        # Translators: where else to get help. {phone} is a phone number.
        return _in(code, N_("Please call {phone}."), phone=phone)
    return ""


def _emergency(code: str, number: str) -> str:
    # Translators: {number} is the emergency number, e.g. 112.
    return _in(code, N_("In an emergency, call {number}."), number=number)


def offline_notice(code: str, place: HelpPlace) -> str:
    """The start screen's notice while the hub cannot be reached, as shown in `code`."""
    # Translators: start screen, while the kiosk cannot reach the staff (no network).
    lines = [_in(code, N_("This kiosk is offline."))]
    lines.append(_where_to_go(code, place) or _emergency(code, place.emergency_number))
    return "\n".join(tr.in_language(code, line) for line in lines)


def emergency_and_help(place: HelpPlace) -> str:
    """The emergency number and the station's help point or phone, in the app's
    language as shown; "" when the site names neither help point nor phone."""
    where = _where_to_go(tr.code, place)
    if not where:
        return ""
    return "\n".join(tr.bidi(line) for line in (_emergency(tr.code, place.emergency_number), where))
