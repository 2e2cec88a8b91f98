"""Checking a parsed site file value by value, each problem with its line.

kiosk/operator/site_file.py builds a Site with a `Reader`, which walks the
parsed TOML and records every `Problem` it finds. The checkers (`text`,
`ident`, `phone`, `whole(...)`, `choice(...)`, ...) return the clean value or
raise `_Bad`, which the reader records with the key's line.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kiosk.i18n.locales import SUPPORTED_LOCALES
from kiosk.operator.toml_lines import KeyPath, key_lines, line_of

__all__ = [
    "Ids",
    "Problem",
    "Reader",
    "choice",
    "decimal",
    "flag",
    "ident",
    "label",
    "language",
    "optional_phone",
    "optional_text",
    "phone",
    "quoted",
    "text",
    "time_zone",
    "where_it_stops_parsing",
    "whole",
]

_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
_ID_RULE = "2-63 lowercase letters, digits and dashes, starting with a letter or digit"
_PHONE = re.compile(r"^\+?[0-9][0-9 ]{1,22}$")
_PHONE_RULE = "digits and spaces, optionally starting with +, e.g. 112 or +44 20 7946 0000"
_TEXT_MAX = 120


@dataclass(frozen=True, slots=True)
class Problem:
    line: int
    key: str
    message: str


class _Bad(Exception):
    """One value's problem, raised by a checker and recorded with its place."""


_TYPE_WORDS = {
    str: "text",
    int: "a whole number",
    float: "a decimal number",
    bool: "true/false",
    list: "a list",
    dict: "a table",
}


def _type_word(value: object) -> str:
    return next(
        (w for t, w in _TYPE_WORDS.items() if type(value) is t), f"a {type(value).__name__}"
    )


def quoted(values: tuple[str, ...] | list[str]) -> str:
    return ", ".join(values) if values else "none"


# -- value checkers: each returns the clean value or raises _Bad ----------------
def text(value: object) -> str:
    if not isinstance(value, str):
        raise _Bad(f"must be text in quotes, not {_type_word(value)}")
    if not value.strip():
        raise _Bad("must not be empty")
    if len(value) > _TEXT_MAX or any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise _Bad(f"must be one line of at most {_TEXT_MAX} characters")
    return value


def optional_text(value: object) -> str:
    return "" if value == "" else text(value)


def ident(value: object) -> str:
    if not isinstance(value, str):
        raise _Bad(f"must be text in quotes, not {_type_word(value)}")
    if not _ID.match(value):
        raise _Bad(f"{value!r} is not a valid id; allowed: {_ID_RULE}")
    return value


def phone(value: object) -> str:
    if not isinstance(value, str):
        raise _Bad(f"must be text in quotes, not {_type_word(value)}")
    if not _PHONE.match(value):
        raise _Bad(f"{value!r} is not a phone number; allowed: {_PHONE_RULE}")
    return value


def optional_phone(value: object) -> str:
    return "" if value == "" else phone(value)


def whole(lo: int, hi: int, unit: str) -> Callable[[object], int]:
    def check(value: object) -> int:
        if type(value) is not int:
            raise _Bad(f"must be a whole number of {unit}, not {_type_word(value)}")
        if not lo <= value <= hi:
            raise _Bad(f"{value} is out of range; allowed: {lo} to {hi} {unit}")
        return value

    return check


def decimal(lo: float, hi: float, unit: str) -> Callable[[object], float]:
    def check(value: object) -> float:
        if type(value) not in (int, float):
            raise _Bad(f"must be a number of {unit}, not {_type_word(value)}")
        number = float(value)  # type: ignore[arg-type]
        if not lo <= number <= hi:
            raise _Bad(f"{value} is out of range; allowed: {lo:g} to {hi:g} {unit}")
        return number

    return check


def choice(allowed: tuple[str, ...], what: str) -> Callable[[object], str]:
    def check(value: object) -> str:
        if not isinstance(value, str):
            raise _Bad(f"must be text in quotes, not {_type_word(value)}")
        if value not in allowed:
            raise _Bad(f"{value!r} is not {what}; allowed: {quoted(allowed)}")
        return value

    return check


language = choice(SUPPORTED_LOCALES, "a language the kiosk ships")


def label(value: object) -> str | tuple[tuple[str, str], ...]:
    """A kiosk's label: one text, or a table of texts by language,
    e.g. { en = "Platform 3", fr = "Quai 3" }."""
    if not isinstance(value, dict):
        return text(value)
    if not value:
        raise _Bad('must name at least one language, e.g. { en = "Platform 3" }')
    texts: list[tuple[str, str]] = []
    for code, words in value.items():
        try:
            texts.append((language(code), text(words)))
        except _Bad as bad:
            raise _Bad(f"{code}: {bad}") from None
    return tuple(sorted(texts))  # one order, as the signed manifest keeps it


def time_zone(value: object) -> str:
    """An IANA time zone name this machine knows, e.g. "Europe/Paris" or "UTC"."""
    if not isinstance(value, str):
        raise _Bad(f"must be text in quotes, not {_type_word(value)}")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise _Bad(
            f"{value!r} is not a time zone name; allowed: an IANA name such as "
            '"Europe/Paris", "America/New_York" or "UTC"'
        ) from None
    return value


def flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise _Bad(f"must be true or false, not {_type_word(value)}")
    return value


def where_it_stops_parsing(text: str) -> int:
    """The line an error "at end of document" comes from: the one after the
    longest run of first lines that is still valid TOML. An array or string left
    open is reported where it opens, not at line 1."""
    lines = text.splitlines(keepends=True)
    for count in range(len(lines) - 1, -1, -1):
        try:
            tomllib.loads("".join(lines[:count]))
        except tomllib.TOMLDecodeError:
            continue
        return count + 1
    return 1


class Reader:
    """Walks the parsed document, collecting every problem with its line."""

    def __init__(self, text: str) -> None:
        self.lines = key_lines(text)
        self.problems: list[Problem] = []

    def problem(self, path: KeyPath, message: str, doc: Any = None) -> None:
        self.problems.append(Problem(line_of(self.lines, path), self.name(path, doc), message))

    @staticmethod
    def name(path: KeyPath, doc: Any) -> str:
        """`station[central].area[platforms].kiosk[p3].label`: ids where known, else #n."""
        parts: list[str] = []
        node = doc
        for part in path:
            if isinstance(part, int):
                item = node[part] if isinstance(node, list) and part < len(node) else None
                ident = item.get("id") if isinstance(item, dict) else None
                parts[-1] += f"[{ident}]" if isinstance(ident, str) else f"[#{part + 1}]"
                node = item
            else:
                parts.append(part)
                node = node.get(part) if isinstance(node, dict) else None
        return ".".join(parts) or "(file)"

    def table(
        self, doc: Any, node: object, path: KeyPath, allowed: tuple[str, ...]
    ) -> dict[str, Any]:
        if not isinstance(node, dict):
            self.problem(path, f"must be a table, not {_type_word(node)}", doc)
            return {}
        for key in node:
            if key not in allowed:
                self.problem(
                    (*path, key),
                    f"unknown key {key!r}; allowed here: {quoted(allowed)}",
                    doc,
                )
        return node

    def tables(
        self, doc: Any, node: object, path: KeyPath, what: str, required: bool = True
    ) -> list[Any]:
        """An array of tables, e.g. [[station]]."""
        if node is None:
            if required:
                self.problem(path, f"missing; write at least one [[{what}]] table", doc)
            return []
        if not isinstance(node, list) or not all(isinstance(x, dict) for x in node):
            self.problem(path, f"must be written as [[{what}]] tables", doc)
            return []
        return node

    def get(
        self,
        doc: Any,
        table: dict[str, Any],
        path: KeyPath,
        key: str,
        check: Callable[[object], Any],
        default: Any = ...,
    ) -> Any:
        if key not in table:
            if default is ...:
                self.problem((*path, key), "missing; this key is required", doc)
                return None
            return default
        try:
            return check(table[key])
        except _Bad as bad:
            self.problem((*path, key), str(bad), doc)
            return None

    def text_list(
        self,
        doc: Any,
        table: dict[str, Any],
        path: KeyPath,
        key: str,
        check: Callable[[object], str],
        default: tuple[str, ...] | None = None,
    ) -> tuple[str, ...]:
        if key not in table:
            if default is None:
                self.problem((*path, key), "missing; this key is required", doc)
            return default or ()
        value = table[key]
        if not isinstance(value, list):
            self.problem((*path, key), f"must be a list in [ ], not {_type_word(value)}", doc)
            return ()
        clean: list[str] = []
        for i, item in enumerate(value):
            try:
                checked = check(item)
            except _Bad as bad:
                self.problem((*path, key, i), str(bad), doc)
                continue
            if checked in clean:
                self.problem((*path, key, i), f"{checked!r} is listed twice", doc)
            else:
                clean.append(checked)
        return tuple(clean)


@dataclass
class Ids:
    """First line of each id of one kind, for duplicate and reference checks."""

    kind: str
    seen: dict[str, KeyPath]

    def add(self, r: Reader, doc: Any, ident: str | None, path: KeyPath) -> None:
        if ident is None:
            return
        if ident in self.seen:
            first = line_of(r.lines, self.seen[ident])
            r.problem(
                path,
                f"duplicate id {ident!r}: line {first} already has it; "
                f"every {self.kind} needs its own id",
                doc,
            )
        else:
            self.seen[ident] = path
