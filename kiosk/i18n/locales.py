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

# Babel locale identifiers. The 24 official EU languages, then the others.
SUPPORTED_LOCALES: tuple[str, ...] = (
    "en", "bg", "cs", "da", "de", "el", "es", "et", "fi", "fr", "ga", "hr", "hu",
    "it", "lt", "lv", "mt", "nl", "pl", "pt", "ro", "sk", "sl", "sv",
    "ar", "fa", "ur", "he", "zh_Hans", "zh_Hant", "ja", "ko", "hi", "bn", "ta",
    "th", "tr", "uk", "ru", "am",
)  # fmt: skip
DEFAULT_LOCALE = "en"

# Script of each locale's text, as Kivy's font_script_name takes it (ISO 15924;
# Kivy's list has no "Jpan", and HarfBuzz shapes kana and kanji alike as Hani).
_SCRIPTS = {
    "ar": "Arab", "fa": "Arab", "ur": "Arab", "he": "Hebr",
    "bg": "Cyrl", "ru": "Cyrl", "uk": "Cyrl", "el": "Grek",
    "zh_Hans": "Hani", "zh_Hant": "Hani", "ja": "Hani", "ko": "Hang",
    "hi": "Deva", "bn": "Beng", "ta": "Taml", "th": "Thai", "am": "Ethi",
}  # fmt: skip
# One font per locale, covering its script and the Latin letters, digits and
# punctuation of codes and station names (Kivy has no font fallback).
_FONTS = {
    "ar": "KioskArabic.ttf", "fa": "KioskArabic.ttf", "ur": "KioskUrdu.ttf",
    "he": "KioskHebrew.ttf", "hi": "KioskDevanagari.ttf", "bn": "KioskBengali.ttf",
    "ta": "KioskTamil.ttf", "th": "KioskThai.ttf", "am": "KioskEthiopic.ttf",
    "zh_Hans": "KioskSC.otf", "zh_Hant": "KioskTC.otf", "ja": "KioskJP.otf",
    "ko": "KioskKR.otf",
}  # fmt: skip
_LATIN_FONT = "KioskLatin.ttf"


# Where CLDR's own name would confuse a traveller choosing a language: the two
# Chinese scripts are told apart by how they are written, as travellers know them.
_ENDONYMS = {"zh_Hans": "简体中文", "zh_Hant": "繁體中文"}


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
    family, _, extension = _FONTS.get(code, _LATIN_FONT).partition(".")
    endonym = _ENDONYMS.get(code) or locale.get_display_name(locale) or code
    return LocaleInfo(
        code=code,
        endonym=endonym[:1].upper() + endonym[1:],
        english_name=locale.get_display_name("en") or code,
        direction="rtl" if locale.text_direction == "rtl" else "ltr",
        script=script,
        font_regular=str(ASSETS_DIR / "fonts" / f"{family}-Regular.{extension}"),
        font_bold=str(ASSETS_DIR / "fonts" / f"{family}-Bold.{extension}"),
    )
