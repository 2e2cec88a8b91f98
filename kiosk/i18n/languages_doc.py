"""docs/languages.md, generated from the one supported-locale list.

    python -m kiosk.i18n.languages_doc > docs/languages.md

A test fails when the page and the list disagree.
"""

from __future__ import annotations

from pathlib import Path

from kiosk.i18n.locales import SUPPORTED_LOCALES, locale_info
from kiosk.i18n.signoff import status_of

__all__ = ["languages_markdown"]

_INTRO = """\
# Languages

Generated from `SUPPORTED_LOCALES` in `kiosk/i18n/locales.py` by
`python -m kiosk.i18n.languages_doc`; the language picker and CI use the same list.
Every catalog is complete (CI checks it), and its font covers every character it
shows. "signed off" counts the must-review strings (consent, urgency, deletion and
emergency: `kiosk/i18n/must_review.py`) that a native-speaker reviewer has signed
off in the catalog; status is `signed off` when all are, else `draft`.
"""

_REVIEW = """
## What "draft" means for an operator

A `draft` language is complete and drawable, and written with care by the
development team against a term base (one word per key concept, one register for
travellers: `locales/<lang>/terms.toml`, checked by `tests/test_terms.py`), but no
native speaker has yet confirmed that the consent, urgency, deletion and emergency
texts say exactly what they must. A kiosk offers draft languages unless the site
file says otherwise:

```toml
[languages]
require_signed_off = true   # kiosks offer only signed-off languages, and English
```

With it, each kiosk leaves out of its station's `languages` every language whose
must-review strings are not all signed off in the catalogs it runs; English, the
source, is always offered. See [site-file.md](site-file.md#languages-optional).

## Running a review

1. `kiosk i18n review LANG -o DIR` (or `all`) writes `DIR/LANG.html`: every string
   with its context comment, the English, the translation (in its direction), its
   sign-off, the must-review strings marked, and a screenshot of its screen in that
   language when one exists (from `docs/screens`, `docs/screenshots`, and any
   `--screenshots DIR`, e.g. a `KIOSK_SCREENSHOTS=DIR` run of `tests/e2e`). The page
   is plain HTML: send the folder to the reviewer.
2. The reviewer checks each string on its screen: meaning, register, the agreed term.
   Corrections go back to the catalog maintainers, then a fresh page is made.
3. For each approved string, the maintainer adds the line the page shows above the
   entry in `locales/LANG/LC_MESSAGES/kiosk.po`, with the reviewer's name and date:

   ```po
   # reviewed: Jana Nováková 2026-03-02 5be1c0a7
   #. Translators: consent screen: who receives the request.
   msgid "Who receives it: the station staff on duty here. Nobody else can read it."
   ```

   The last word is a fingerprint of the English and the translation: if either
   changes later, the sign-off no longer counts. `pybabel update` keeps the line.
4. `kiosk i18n report` (and `--json`: `"review": {"must_review": ..., "signed_off":
   ..., "status": ...}`) shows the counts; sign-offs are information, not a CI failure.
   Regenerate this page with `python -m kiosk.i18n.languages_doc > docs/languages.md`.
"""


def languages_markdown() -> str:
    lines = [
        _INTRO,
        "| code | language | name in English | direction | script | font | signed off | status |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for code in SUPPORTED_LOCALES:
        info = locale_info(code)
        review = status_of(code)
        signed = "-" if review.source else f"{review.signed_off}/{review.must_review}"
        lines.append(
            f"| `{code}` | {info.endonym} | {info.english_name} | {info.direction} "
            f"| {info.script} | {Path(info.font_regular).stem.removesuffix('-Regular')} "
            f"| {signed} | {review.status} |"
        )
    return "\n".join(lines) + "\n" + _REVIEW


if __name__ == "__main__":
    print(languages_markdown(), end="")
