"""Languages: the supported-locale list, catalogs, fonts, direction and formatting."""

from kiosk.i18n.catalogs import load_translations
from kiosk.i18n.locales import DEFAULT_LOCALE, SUPPORTED_LOCALES, LocaleInfo, locale_info
from kiosk.i18n.texts import (
    CATEGORY_TEXTS,
    N_,
    STAFF_URGENCY_TEXTS,
    STATE_TEXTS,
    URGENCY_TEXTS,
)

__all__ = [
    "CATEGORY_TEXTS",
    "DEFAULT_LOCALE",
    "N_",
    "STAFF_URGENCY_TEXTS",
    "STATE_TEXTS",
    "SUPPORTED_LOCALES",
    "URGENCY_TEXTS",
    "LocaleInfo",
    "load_translations",
    "locale_info",
]
