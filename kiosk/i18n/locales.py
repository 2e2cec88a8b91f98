"""The one supported-locale list; it drives the language picker, the docs and CI.

Direction comes from Babel's CLDR data; script and font from the table below,
because Kivy has no font fallback and shapes complex scripts only when told
the script (ISO 15924) and direction of each label.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from babel import Locale

from kiosk.resources import ASSETS_DIR

__all__ = ["DEFAULT_LOCALE", "SUPPORTED_LOCALES", "LocaleInfo", "locale_info"]

SUPPORTED_LOCALES: tuple[str, ...] = ("en", "ar")
DEFAULT_LOCALE = "en"

# ISO 15924 script of each locale's text; Latin unless listed.
_SCRIPTS = {"ar": "Arab", "fa": "Arab", "ur": "Arab", "he": "Hebr"}
# One font per script that also covers Latin letters and ASCII digits (codes).
_FONTS = {"Latn": "KioskLatin", "Arab": "KioskArabic"}


@dataclass(frozen=True, slots=True)
class LocaleInfo:
    code: str
    endonym: str  # the language's name in itself, as the picker shows it
    english_name: str
    direction: str  # "ltr" or "rtl"
    script: str
    font_regular: str
    font_bold: str

    @property
    def is_rtl(self) -> bool:
        return self.direction == "rtl"


@cache
def locale_info(code: str) -> LocaleInfo:
    locale = Locale.parse(code)
    script = _SCRIPTS.get(code, "Latn")
    family = _FONTS[script]
    endonym = locale.get_display_name(locale) or code
    return LocaleInfo(
        code=code,
        endonym=endonym[:1].upper() + endonym[1:],
        english_name=locale.get_display_name("en") or code,
        direction="rtl" if locale.text_direction == "rtl" else "ltr",
        script=script,
        font_regular=str(ASSETS_DIR / "fonts" / f"{family}-Regular.ttf"),
        font_bold=str(ASSETS_DIR / "fonts" / f"{family}-Bold.ttf"),
    )
