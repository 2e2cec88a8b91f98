"""docs/languages.md, generated from the one supported-locale list.

    python -m kiosk.i18n.languages_doc > docs/languages.md

A test fails when the page and the list disagree.
"""

from __future__ import annotations

import re
from pathlib import Path

from kiosk.i18n.locales import SUPPORTED_LOCALES, locale_info
from kiosk.resources import LOCALES_DIR

__all__ = ["languages_markdown"]


def _review_status(code: str) -> str:
    po = LOCALES_DIR / code / "LC_MESSAGES" / "kiosk.po"
    if not po.exists():
        return "source language"
    found = re.search(r"^# Review status: (\w+)", po.read_text(), re.MULTILINE)
    return found.group(1) if found else "unknown"


def languages_markdown() -> str:
    lines = [
        "# Languages",
        "",
        "Generated from `SUPPORTED_LOCALES` in `kiosk/i18n/locales.py` by",
        "`python -m kiosk.i18n.languages_doc`; the language picker and CI use the same list.",
        "Every catalog is complete (CI checks it), and its font covers every character it",
        "shows. Review status: `draft` means written by the development team and not yet",
        "checked by a native-speaker translator.",
        "",
        "| code | language | name in English | direction | script | font | review |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for code in SUPPORTED_LOCALES:
        info = locale_info(code)
        lines.append(
            f"| `{code}` | {info.endonym} | {info.english_name} | {info.direction} "
            f"| {info.script} | {Path(info.font_regular).stem.removesuffix('-Regular')} "
            f"| {_review_status(code)} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(languages_markdown(), end="")
