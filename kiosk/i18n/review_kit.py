"""`kiosk i18n review LANG -o DIR`: an in-context review page per language.

For a native-speaker reviewer: every string with its context comment, the
English, the translation (in its own direction and language), its sign-off,
whether it must be reviewed (kiosk/i18n/must_review.py), the screen it is on
(kiosk/i18n/string_use.py) and a screenshot of that screen in that language
when one exists. Plain HTML and CSS, no script; every text is escaped.

Screenshots are found by the e2e harness's file names, in the directories
given (e.g. a KIOSK_SCREENSHOTS run) and then docs/screens and
docs/screenshots: `<lang>-<screen>.png`, `<lang>-<n>-<screen>.png`,
`lang-<lang>-<screen>.png` on the kiosk; `staff-<lang>.png` and
`staff-<lang>-<n>-<what>.png` on the console. A page says which strings have
no known screen and which screens have no picture in its language.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterable, Sequence
from html import escape
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from kiosk.i18n.locales import DEFAULT_LOCALE, SUPPORTED_LOCALES, locale_info
from kiosk.i18n.must_review import MUST_REVIEW
from kiosk.i18n.signoff import review_status, sign_off_comment, sign_off_of
from kiosk.i18n.string_use import StringUse, string_uses
from kiosk.i18n.terms import load_language_terms
from kiosk.resources import LOCALES_DIR

__all__ = ["DOC_SCREENSHOT_DIRS", "find_screenshot", "review_page", "write_review_kit"]

_REPO = Path(__file__).resolve().parent.parent.parent
DOC_SCREENSHOT_DIRS = (_REPO / "docs" / "screens", _REPO / "docs" / "screenshots")
# Screen names (as the code calls them) whose screenshots are named otherwise.
_SHOT_WORDS = {"still_there": "more-time", "handover_dialog": "hand-over"}

_CSS = """
body { font: 16px/1.5 system-ui, sans-serif; margin: 2em auto; max-width: 72em; padding: 0 1em; }
header { border-bottom: 2px solid #333; margin-bottom: 1em; }
.string { border: 1px solid #bbb; border-radius: 6px; margin: 1em 0; padding: 0.8em 1em;
  display: grid; grid-template-columns: 1fr 18em; gap: 0 1.5em; }
.string.must-review { border: 3px solid #b00020; }
.mark { color: #fff; background: #b00020; font-weight: bold; padding: 0 0.4em; }
.context { color: #555; font-style: italic; }
.english, .translation { font-size: 1.25em; margin: 0.3em 0; }
.translation { background: #f4f4ff; padding: 0.2em 0.4em; }
.signed { color: #0a6b2e; } .stale { color: #9a5b00; } .unsigned { color: #b00020; }
code { background: #eee; padding: 0 0.3em; user-select: all; }
figure { margin: 0; } figure img { max-width: 100%; border: 1px solid #999; }
figcaption { font-size: 0.85em; color: #555; }
table { border-collapse: collapse; } td, th { border: 1px solid #bbb; padding: 0.2em 0.6em; }
"""


def _index(dirs: Iterable[Path]) -> list[Path]:
    found: list[Path] = []
    for folder in dirs:
        if folder.is_dir():
            found += sorted(folder.rglob("*.png"))
    return found


def find_screenshot(shots: Sequence[Path], code: str, screen: str) -> Path | None:
    """The picture of `screen` ("traveller:consent", "staff:inbox") in `code`."""
    side, _, name = screen.partition(":")
    lang = re.escape(code)
    if side == "staff":
        word = _SHOT_WORDS.get(name, name.replace("_", "-"))
        patterns = (
            [rf"staff-{lang}", rf"staff-{lang}-(\d+-)?(new|alert)", rf"staff-{lang}-.+"]
            if name == "inbox"
            else [rf"staff-{lang}-(\d+-)?{re.escape(word)}"]
        )
    else:
        word = re.escape(_SHOT_WORDS.get(name, name.replace("_", "-")))
        patterns = [rf"(lang-)?{lang}-(\d+-)?{word}"]
    for pattern in patterns:
        for shot in shots:
            if re.fullmatch(pattern, shot.stem):
                return shot
    return None


def _sign_off_html(message: Message | None) -> str:
    if message is None or not message.string:
        return '<p class="unsigned">Not translated.</p>'
    signed = sign_off_of(message)
    line = escape("# " + sign_off_comment(message, "NAME", "YYYY-MM-DD"))
    add = f"<p>To sign off, add above this entry in the catalog:<br><code>{line}</code></p>"
    if signed is None:
        return f'<p class="unsigned">Not signed off.</p>{add}'
    who = f"{escape(signed.reviewer)}, {escape(signed.day)}"
    if signed.current:
        return f'<p class="signed">Signed off: {who}.</p>'
    return f'<p class="stale">Signed off by {who}, but the text changed since.</p>{add}'


def _screens_html(
    use: StringUse | None, code: str, shots: Sequence[Path], out: Path
) -> tuple[str, list[str]]:
    """The figures of the string's screens, and the screens without a picture."""
    if use is None or not use.screens or all(s.endswith(":?") for s in use.screens):
        return "<p>Screen: not known.</p>", []
    parts, missing = [], []
    for screen in sorted(s for s in use.screens if not s.endswith(":?")):
        label = escape(screen.replace(":", ": ").replace("_", " "))
        shot = find_screenshot(shots, code, screen)
        if shot is None:
            parts.append(f"<p>Screen: {label} (no screenshot in this language).</p>")
            missing.append(screen)
            continue
        (out / "img").mkdir(parents=True, exist_ok=True)
        target = out / "img" / f"{shot.parent.name}-{shot.name}"
        if not target.exists():
            shutil.copyfile(shot, target)
        src = escape(f"img/{target.name}")
        parts.append(
            f'<figure><img src="{src}" alt="{label}" loading="lazy">'
            f"<figcaption>{label}</figcaption></figure>"
        )
    return "".join(parts), missing


def _entry(
    template_message: Message,
    message: Message | None,
    code: str,
    use: StringUse | None,
    shots: Sequence[Path],
    out: Path,
) -> tuple[str, list[str]]:
    info = locale_info(code)
    msgid = str(template_message.id if isinstance(template_message.id, str) else "")
    reason = MUST_REVIEW.get(msgid)
    context = " ".join(template_message.auto_comments).removeprefix("Translators:").strip()
    translation = str(message.string if message and isinstance(message.string, str) else "")
    screens, missing = _screens_html(use, code, shots, out)
    mark = f'<p><span class="mark">Must be reviewed</span> ({escape(reason)})</p>' if reason else ""
    html = (
        f'<section class="string{" must-review" if reason else ""}"><div>{mark}'
        f'<p class="context">{escape(context) or "(no context comment)"}</p>'
        f'<p class="english" lang="en" dir="ltr">{escape(msgid)}</p>'
        f'<p class="translation" lang="{escape(info.code.replace("_", "-"))}" '
        f'dir="{escape(info.direction)}">{escape(translation)}</p>'
        f"{_sign_off_html(message)}</div><div>{screens}</div></section>"
    )
    return html, missing


def _terms_html(code: str, locales_dir: Path) -> str:
    terms = load_language_terms(code, locales_dir)
    if terms is None:
        return f"<p>No term base (locales/{escape(code)}/terms.toml) yet.</p>"
    rows = "".join(
        f"<tr><td>{escape(k)}</td><td>{escape(', '.join(v))}</td></tr>"
        for k, v in terms.terms.items()
    )
    return (
        f"<p>Register on the traveller's screens: {escape(terms.traveller_register)}; "
        f"on the staff console: {escape(terms.staff_register)}.</p>"
        f"<table><tr><th>concept</th><th>agreed forms</th></tr>{rows}</table>"
    )


def review_page(
    code: str,
    shots: Sequence[Path] = (),
    out: Path = Path(),
    locales_dir: Path = LOCALES_DIR,
) -> str:
    """The review page of one translated language."""
    info = locale_info(code)
    with (locales_dir / "kiosk.pot").open("rb") as f:
        template = read_po(f)
    with (locales_dir / code / "LC_MESSAGES" / "kiosk.po").open("rb") as f:
        catalog: Catalog = read_po(f, locale=code)
    uses = string_uses()
    messages = [m for m in template if m.id and isinstance(m.id, str)]
    messages.sort(key=lambda m: (str(m.id) not in MUST_REVIEW, str(m.id)))
    entries, unmapped, no_shot = [], [], set()
    for m in messages:
        html, missing = _entry(m, catalog.get(m.id), code, uses.get(str(m.id)), shots, out)
        entries.append(html)
        no_shot.update(missing)
        use = uses.get(str(m.id))
        if use is None or all(s.endswith(":?") for s in use.screens):
            unmapped.append(str(m.id))
    status = review_status(catalog)
    title = f"Review: {info.endonym} ({info.english_name}, {code})"
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body><header>"
        f"<h1>{escape(title)}</h1><p>Status: <strong>{escape(status.status)}</strong>: "
        f"{status.signed_off} of {status.must_review} must-review strings signed off "
        f"({status.signed_off_all} strings in all). The strings with a red border must be "
        "reviewed before the language is offered where the site file requires signed-off "
        "languages.</p><p>For each string: is the translation right, natural and in the "
        "register below, on the screen shown? Send corrections to the catalog maintainers; "
        "for each string you approve, the line under it is added to the catalog "
        f"(locales/{escape(code)}/LC_MESSAGES/kiosk.po) with your name and the date. "
        "A later change to the English or the translation voids the sign-off.</p>"
        f"{_terms_html(code, locales_dir)}</header><main>{''.join(entries)}</main><footer>"
        f"<h2>Not mapped</h2><p>Strings with no known screen ({len(unmapped)}): "
        f"{escape('; '.join(unmapped)) or 'none'}.</p><p>Screens with no screenshot in this "
        f"language: {escape(', '.join(sorted(no_shot))) or 'none'}.</p></footer></body></html>\n"
    )


def write_review_kit(
    language: str,
    out: Path,
    screenshot_dirs: Sequence[Path] = (),
    locales_dir: Path = LOCALES_DIR,
) -> list[Path]:
    """Write `<code>.html` (and its screenshots under img/) for one language or `all`."""
    codes = [c for c in SUPPORTED_LOCALES if c != DEFAULT_LOCALE]
    if language != "all":
        if language not in codes:
            raise ValueError(
                f"no catalog to review for {language!r}; allowed: all, {' '.join(codes)}"
            )
        codes = [language]
    out.mkdir(parents=True, exist_ok=True)
    shots = _index([*screenshot_dirs, *DOC_SCREENSHOT_DIRS])
    written = []
    for code in codes:
        path = out / f"{code}.html"
        path.write_text(review_page(code, shots, out, locales_dir), encoding="utf-8")
        written.append(path)
    return written
