"""Loading gettext catalogs from `locales/<lang>/LC_MESSAGES/kiosk.po`.

A compiled `.mo` is used when the build made one; in a source checkout the
`.po` is compiled in memory with Babel, so a fresh clone runs without a
build step and can never show a stale catalog.
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from kiosk.resources import LOCALES_DIR

__all__ = ["DOMAIN", "load_translations"]

DOMAIN = "kiosk"


@cache
def load_translations(code: str, locales_dir: Path = LOCALES_DIR) -> gettext.NullTranslations:
    folder = locales_dir / code / "LC_MESSAGES"
    po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as f:
            return gettext.GNUTranslations(f)
    if po.exists():
        with po.open("rb") as f:
            catalog = read_po(f, locale=code, domain=DOMAIN)
        buffer = io.BytesIO()
        write_mo(buffer, catalog, use_fuzzy=False)
        buffer.seek(0)
        return gettext.GNUTranslations(buffer)
    return gettext.NullTranslations()  # English: the msgids are the English text
