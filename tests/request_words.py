"""What a log must never hold: the words that say what a request was and where."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from kiosk.core.categories import Category, Urgency

_TOKEN = re.compile(r"[A-Za-z0-9_.-]+")
_VALUE = re.compile(r"=([A-Za-z0-9_.-]+)")
# Values that are also everyday English (a bench's progress lines use them): as
# a field's value only. Every other one is looked for as a word anywhere.
_PROSE = {"other", "lost", "normal", "urgent"}


def request_words_in(
    text: str, location_ids: Iterable[str], names: Iterable[str] = ()
) -> list[str]:
    """Each line of `text` holding a category, an urgency or one of `location_ids`:
    as a whole word, or (everyday words) as a `key=value` value. `names`: device
    ids to pass over (a device may be named after its place; a line about the
    device is not about a request)."""
    values = {c.value for c in Category} | {u.value for u in Urgency}
    words = (values - _PROSE) | set(location_ids)
    skip = set(names)
    found = []
    for line in text.splitlines():
        tokens = {t for t in _TOKEN.findall(line) if t not in skip}
        if words & tokens or values & set(_VALUE.findall(line)):
            found.append(line)
    return found


def site_words(hub_db: Path) -> tuple[set[str], set[str]]:
    """The location ids and device ids of the newest manifest a hub's SQLite holds."""
    with sqlite3.connect(f"file:{hub_db}?mode=ro", uri=True) as conn:
        (signed,) = conn.execute(
            "SELECT signed_document FROM manifests ORDER BY version DESC LIMIT 1"
        ).fetchone()
    manifest = json.loads(signed)["manifest"]
    return {x["id"] for x in manifest["locations"]}, {d["id"] for d in manifest["devices"]}
