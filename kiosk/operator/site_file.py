"""The operator's site file (TOML): read it and check it.

`read_site_file` turns a file into a Site (no devices: they come from
enrolment) or raises SiteFileInvalid listing every problem found, each with
the file, the line, the key, what is wrong and what is allowed.
kiosk/operator/site_file_canonical.py writes a Site back in the canonical
form; docs/site-file.md documents every key.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.core.categories import URGENT_BY_NATURE, Category, Urgency
from kiosk.core.errors import SiteError
from kiosk.core.site import (
    DEFAULT_SUITE,
    ORIENTATIONS,
    SUITES,
    Area,
    EscalationStep,
    Location,
    Route,
    Site,
    SiteLimits,
    StaffGroup,
    Station,
)
from kiosk.i18n.locales import DEFAULT_LOCALE, SUPPORTED_LOCALES
from kiosk.operator.toml_lines import KeyPath, key_lines, line_of

__all__ = [
    "LIMIT_KEYS",
    "LIMIT_RANGES",
    "RETENTION_KEYS",
    "Problem",
    "SiteFileInvalid",
    "parse_site_text",
    "read_site_file",
]

_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
_ID_RULE = "2-63 lowercase letters, digits and dashes, starting with a letter or digit"
_PHONE = re.compile(r"^\+?[0-9][0-9 ]{1,22}$")
_PHONE_RULE = "digits and spaces, optionally starting with +, e.g. 112 or +44 20 7946 0000"
_TEXT_MAX = 120

# Allowed ranges of [limits] and [retention], and of the other numbers.
LIMIT_RANGES: dict[str, tuple[int, int]] = {
    "inactivity_seconds": (30, 600),
    "more_time_seconds": (20, 300),  # WCAG 2.2.1: at least 20 s to ask for more time
    "request_expiry_seconds": (300, 86_400),
    "enrolment_code_hours": (1, 336),
    "outcome_seconds": (3, 60),
    "manifest_valid_hours": (1, 168),  # at most 7 days: a frozen revocation ends by then
}
LIMIT_KEYS = (
    "inactivity_seconds",
    "more_time_seconds",
    "request_expiry_seconds",
    "manifest_valid_hours",
)
RETENTION_KEYS = ("enrolment_code_hours", "outcome_seconds")
_AFTER_SECONDS = (0, 3600)
_SCREEN_INCHES = (5.0, 110.0)
_SCREEN_DPI = (50, 1000)
_CATEGORIES = tuple(c.value for c in Category)
_URGENCIES = tuple(u.value for u in Urgency)

_TOP_KEYS = ("site", "limits", "retention", "languages", "station", "group", "route")
_LANGUAGES_KEYS = ("require_signed_off",)
_SITE_KEYS = ("name", "emergency_number", "hpke_suite")
_STATION_KEYS = (
    "id",
    "name",
    "languages",
    "default_language",
    "emergency_number",
    "help_point",
    "help_phone",
    "area",
)
_AREA_KEYS = ("id", "name", "kiosk")
_KIOSK_KEYS = ("id", "label", "orientation", "screen_inches", "screen_dpi")
_GROUP_KEYS = ("id", "name")
_ROUTE_KEYS = ("id", "kiosks", "categories", "urgencies", "steps")
_STEP_KEYS = ("group", "after_seconds")


@dataclass(frozen=True, slots=True)
class Problem:
    line: int
    key: str
    message: str


class SiteFileInvalid(SiteError):
    """A site file with problems; str() lists them, one `FILE:LINE: KEY: message` per line."""

    def __init__(self, filename: str, problems: list[Problem]) -> None:
        self.filename = filename
        self.problems = sorted(problems, key=lambda p: p.line)
        super().__init__(
            "\n".join(f"{filename}:{p.line}: {p.key}: {p.message}" for p in self.problems)
        )


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


def _quoted(values: tuple[str, ...] | list[str]) -> str:
    return ", ".join(values) if values else "none"


# -- value checkers: each returns the clean value or raises _Bad ----------------
def _text(value: object) -> str:
    if not isinstance(value, str):
        raise _Bad(f"must be text in quotes, not {_type_word(value)}")
    if not value.strip():
        raise _Bad("must not be empty")
    if len(value) > _TEXT_MAX or any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise _Bad(f"must be one line of at most {_TEXT_MAX} characters")
    return value


def _optional_text(value: object) -> str:
    return "" if value == "" else _text(value)


def _ident(value: object) -> str:
    if not isinstance(value, str):
        raise _Bad(f"must be text in quotes, not {_type_word(value)}")
    if not _ID.match(value):
        raise _Bad(f"{value!r} is not a valid id; allowed: {_ID_RULE}")
    return value


def _phone(value: object) -> str:
    if not isinstance(value, str):
        raise _Bad(f"must be text in quotes, not {_type_word(value)}")
    if not _PHONE.match(value):
        raise _Bad(f"{value!r} is not a phone number; allowed: {_PHONE_RULE}")
    return value


def _optional_phone(value: object) -> str:
    return "" if value == "" else _phone(value)


def _whole(lo: int, hi: int, unit: str) -> Callable[[object], int]:
    def check(value: object) -> int:
        if type(value) is not int:
            raise _Bad(f"must be a whole number of {unit}, not {_type_word(value)}")
        if not lo <= value <= hi:
            raise _Bad(f"{value} is out of range; allowed: {lo} to {hi} {unit}")
        return value

    return check


def _decimal(lo: float, hi: float, unit: str) -> Callable[[object], float]:
    def check(value: object) -> float:
        if type(value) not in (int, float):
            raise _Bad(f"must be a number of {unit}, not {_type_word(value)}")
        number = float(value)  # type: ignore[arg-type]
        if not lo <= number <= hi:
            raise _Bad(f"{value} is out of range; allowed: {lo:g} to {hi:g} {unit}")
        return number

    return check


def _choice(allowed: tuple[str, ...], what: str) -> Callable[[object], str]:
    def check(value: object) -> str:
        if not isinstance(value, str):
            raise _Bad(f"must be text in quotes, not {_type_word(value)}")
        if value not in allowed:
            raise _Bad(f"{value!r} is not {what}; allowed: {_quoted(allowed)}")
        return value

    return check


_language = _choice(SUPPORTED_LOCALES, "a language the kiosk ships")


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise _Bad(f"must be true or false, not {_type_word(value)}")
    return value


class _Reader:
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
                    f"unknown key {key!r}; allowed here: {_quoted(allowed)}",
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


def parse_site_text(text: str, filename: str = "site.toml") -> Site:
    """The site the text describes (version 0, no devices), or SiteFileInvalid."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        line = int(match.group(1)) if match else 1
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise SiteFileInvalid(
            filename, [Problem(line, "(syntax)", f"not valid TOML: {message}")]
        ) from None
    reader = _Reader(text)
    site = _build(reader, doc)
    if reader.problems or site is None:
        raise SiteFileInvalid(filename, reader.problems)
    return site


def read_site_file(path: Path) -> Site:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SiteError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SiteError(f"{path}: cannot read it as UTF-8 text ({exc})") from None
    return parse_site_text(text, str(path))


@dataclass
class _Ids:
    """First line of each id of one kind, for duplicate and reference checks."""

    kind: str
    seen: dict[str, KeyPath]

    def add(self, r: _Reader, doc: Any, ident: str | None, path: KeyPath) -> None:
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


def _build(r: _Reader, doc: dict[str, Any]) -> Site | None:
    r.table(doc, doc, (), _TOP_KEYS)
    name, emergency, suite = _read_site_table(r, doc)
    limits = _read_limits(r, doc)
    languages_table = r.table(doc, doc.get("languages", {}), ("languages",), _LANGUAGES_KEYS)
    signed_off_only = r.get(
        doc, languages_table, ("languages",), "require_signed_off", _flag, False
    )
    if limits.more_time_seconds >= limits.request_expiry_seconds:
        r.problem(("limits", "more_time_seconds"), "must be shorter than request_expiry_seconds")
    places = _read_stations(r, doc, emergency)
    groups, group_ids = _read_groups(r, doc)
    routes = _read_routes(r, doc, places.kiosk_ids, group_ids, limits)

    if r.problems or name is None or emergency is None:
        return None
    _check_coverage(r, doc, places.locations, routes, places.kiosk_ids)
    if r.problems:
        return None
    try:
        return Site(
            name=name,
            version=0,
            emergency_number=emergency,
            locations=tuple(places.locations),
            groups=tuple(groups),
            routes=tuple(routes),
            hpke_suite=suite or DEFAULT_SUITE,
            stations=tuple(places.stations),
            areas=tuple(places.areas),
            limits=limits,
            require_signed_off_languages=bool(signed_off_only),
        )
    except SiteError as exc:  # the checks above should have caught it; say so plainly
        r.problem((), str(exc))
        return None


def _read_site_table(r: _Reader, doc: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """[site]: its name, emergency number and HPKE suite (None where a problem was found)."""
    site_table = r.table(doc, doc.get("site", {}), ("site",), _SITE_KEYS)
    if "site" not in doc:
        r.problem(
            ("site",), "missing; the file needs a [site] table with name and emergency_number"
        )
        site_table = {"name": "-", "emergency_number": "112"}  # one problem, not three
    name = r.get(doc, site_table, ("site",), "name", _text)
    emergency = r.get(doc, site_table, ("site",), "emergency_number", _phone)
    suite = r.get(
        doc, site_table, ("site",), "hpke_suite", _choice(SUITES, "an HPKE suite"), DEFAULT_SUITE
    )
    return name, emergency, suite


def _read_limits(r: _Reader, doc: dict[str, Any]) -> SiteLimits:
    """[limits] and [retention], each number in its range; a missing one keeps its default."""
    numbers: dict[str, int] = {}
    for table_name, keys in (("limits", LIMIT_KEYS), ("retention", RETENTION_KEYS)):
        table = r.table(doc, doc.get(table_name, {}), (table_name,), keys)
        for key in keys:
            lo, hi = LIMIT_RANGES[key]
            unit = "hours" if key.endswith("hours") else "seconds"
            default = getattr(SiteLimits(), key)
            value = r.get(doc, table, (table_name,), key, _whole(lo, hi, unit), default)
            numbers[key] = default if value is None else value
    return SiteLimits(**numbers)


@dataclass
class _Places:
    """The stations of a site file with their areas and kiosks, in the file's order."""

    stations: list[Station] = field(default_factory=list)
    areas: list[Area] = field(default_factory=list)
    locations: list[Location] = field(default_factory=list)
    station_ids: _Ids = field(default_factory=lambda: _Ids("station", {}))
    area_ids: _Ids = field(default_factory=lambda: _Ids("area", {}))
    kiosk_ids: _Ids = field(default_factory=lambda: _Ids("kiosk", {}))


def _read_stations(r: _Reader, doc: dict[str, Any], emergency: str | None) -> _Places:
    """Every [[station]], its [[station.area]] tables and their [[station.area.kiosk]]."""
    places = _Places()
    for si, st in enumerate(r.tables(doc, doc.get("station"), ("station",), "station")):
        sp: KeyPath = ("station", si)
        station = _read_station(r, doc, st, sp, emergency, places.station_ids)
        places.stations.append(station)
        for ai, area in enumerate(
            r.tables(doc, st.get("area"), (*sp, "area"), "station.area", False)
        ):
            _read_area(r, doc, area, (*sp, "area", ai), station, places)
    return places


def _read_station(
    r: _Reader,
    doc: dict[str, Any],
    st: dict[str, Any],
    sp: KeyPath,
    emergency: str | None,
    station_ids: _Ids,
) -> Station:
    r.table(doc, st, sp, _STATION_KEYS)
    sid = r.get(doc, st, sp, "id", _ident)
    station_ids.add(r, doc, sid, (*sp, "id"))
    sname = r.get(doc, st, sp, "name", _text)
    languages = r.text_list(doc, st, sp, "languages", _language, SUPPORTED_LOCALES)
    if "languages" in st and isinstance(st["languages"], list) and not st["languages"]:
        r.problem((*sp, "languages"), "must list at least one language", doc)
    default_language = r.get(doc, st, sp, "default_language", _language, DEFAULT_LOCALE)
    if default_language and languages and default_language not in languages:
        r.problem(
            (*sp, "default_language"),
            f"{default_language!r} is not among this station's languages; "
            f"allowed: {_quoted(languages)}",
            doc,
        )
    return Station(
        id=sid or "",
        name=sname or "",
        languages=languages,
        default_language=default_language or DEFAULT_LOCALE,
        emergency_number=r.get(doc, st, sp, "emergency_number", _phone, emergency) or "",
        help_point=r.get(doc, st, sp, "help_point", _optional_text, "") or "",
        help_phone=r.get(doc, st, sp, "help_phone", _optional_phone, "") or "",
    )


def _read_area(
    r: _Reader,
    doc: dict[str, Any],
    area: dict[str, Any],
    ap: KeyPath,
    station: Station,
    places: _Places,
) -> None:
    """One [[station.area]] and its kiosks, added to places."""
    r.table(doc, area, ap, _AREA_KEYS)
    aid = r.get(doc, area, ap, "id", _ident)
    places.area_ids.add(r, doc, aid, (*ap, "id"))
    places.areas.append(Area(aid or "", station.id, r.get(doc, area, ap, "name", _text) or ""))
    kiosks = r.tables(doc, area.get("kiosk"), (*ap, "kiosk"), "station.area.kiosk", False)
    for ki, kiosk in enumerate(kiosks):
        kp: KeyPath = (*ap, "kiosk", ki)
        r.table(doc, kiosk, kp, _KIOSK_KEYS)
        kid = r.get(doc, kiosk, kp, "id", _ident)
        places.kiosk_ids.add(r, doc, kid, (*kp, "id"))
        places.locations.append(_read_kiosk(r, doc, kiosk, kp, kid, station, aid))


def _read_kiosk(
    r: _Reader,
    doc: dict[str, Any],
    kiosk: dict[str, Any],
    kp: KeyPath,
    kid: str | None,
    station: Station,
    aid: str | None,
) -> Location:
    """The place of one [[station.area.kiosk]], its screen and how it is mounted."""
    return Location(
        id=kid or "",
        station=station.name,
        label=r.get(doc, kiosk, kp, "label", _text) or "",
        station_id=station.id,
        area_id=aid or "",
        orientation=r.get(
            doc, kiosk, kp, "orientation", _choice(ORIENTATIONS, "an orientation"), "portrait"
        )
        or "portrait",
        screen_inches=r.get(doc, kiosk, kp, "screen_inches", _decimal(*_SCREEN_INCHES, "inches"), 0)
        or 0.0,
        screen_dpi=r.get(doc, kiosk, kp, "screen_dpi", _whole(*_SCREEN_DPI, "dots per inch"), 0)
        or 0,
    )


def _read_groups(r: _Reader, doc: dict[str, Any]) -> tuple[list[StaffGroup], _Ids]:
    """Every [[group]] of staff, and the ids seen (for the routes to refer to)."""
    group_ids = _Ids("staff group", {})
    groups: list[StaffGroup] = []
    for gi, group in enumerate(r.tables(doc, doc.get("group"), ("group",), "group")):
        gp: KeyPath = ("group", gi)
        r.table(doc, group, gp, _GROUP_KEYS)
        gid = r.get(doc, group, gp, "id", _ident)
        group_ids.add(r, doc, gid, (*gp, "id"))
        groups.append(StaffGroup(gid or "", r.get(doc, group, gp, "name", _text) or ""))
    return groups, group_ids


def _read_routes(
    r: _Reader, doc: dict[str, Any], kiosk_ids: _Ids, group_ids: _Ids, limits: SiteLimits
) -> list[Route]:
    """Every [[route]]: which kiosks' requests, of which kinds, alert which groups when."""
    route_ids = _Ids("route", {})
    routes: list[Route] = []
    known_kiosks = _choice(tuple(kiosk_ids.seen), "a kiosk of this file")
    known_groups = _choice(tuple(group_ids.seen), "a staff group of this file")
    for ri, route in enumerate(r.tables(doc, doc.get("route"), ("route",), "route")):
        rp: KeyPath = ("route", ri)
        r.table(doc, route, rp, _ROUTE_KEYS)
        rid = r.get(doc, route, rp, "id", _ident)
        route_ids.add(r, doc, rid, (*rp, "id"))
        kiosks_served = r.text_list(doc, route, rp, "kiosks", known_kiosks)
        if "kiosks" in route and route["kiosks"] == []:
            r.problem((*rp, "kiosks"), "must list at least one kiosk id", doc)
        categories = r.text_list(
            doc, route, rp, "categories", _choice(_CATEGORIES, "a category"), ()
        )
        urgencies = r.text_list(doc, route, rp, "urgencies", _choice(_URGENCIES, "an urgency"), ())
        steps = _steps(r, doc, route, rp, known_groups, limits)
        routes.append(Route(rid or "", kiosks_served, categories, steps, urgencies))
    return routes


def _steps(
    r: _Reader,
    doc: Any,
    route: dict[str, Any],
    rp: KeyPath,
    known_groups: Callable[[object], str],
    limits: SiteLimits,
) -> tuple[EscalationStep, ...]:
    value = route.get("steps")
    if value is None:
        r.problem((*rp, "steps"), "missing; list the groups to alert, e.g. [{ group = ... }]", doc)
        return ()
    if not isinstance(value, list) or not value:
        r.problem(
            (*rp, "steps"), "must be a list of { group = ID, after_seconds = N } entries", doc
        )
        return ()
    steps: list[EscalationStep] = []
    last = 0
    after = _whole(*_AFTER_SECONDS, "seconds")
    for i, step in enumerate(value):
        sp: KeyPath = (*rp, "steps", i)
        table = r.table(doc, step, sp, _STEP_KEYS)
        if not table:
            continue
        group = r.get(doc, table, sp, "group", known_groups)
        seconds = r.get(doc, table, sp, "after_seconds", after)
        if group is not None and any(s.group_id == group for s in steps):
            r.problem((*sp, "group"), f"{group!r} is already an earlier step of this route", doc)
        if seconds is not None and seconds < last:
            r.problem(
                (*sp, "after_seconds"),
                f"{seconds} is earlier than the step before ({last}); steps go in escalation "
                "order: after_seconds never decreases",
                doc,
            )
        if seconds is not None and seconds >= limits.request_expiry_seconds:
            r.problem(
                (*sp, "after_seconds"),
                f"{seconds} is not before requests expire "
                f"(request_expiry_seconds = {limits.request_expiry_seconds})",
                doc,
            )
        if group is not None and seconds is not None:
            steps.append(EscalationStep(group, seconds))
            last = seconds
    if steps and steps[0].after_seconds != 0:
        r.problem(
            (*rp, "steps", 0, "after_seconds"),
            "the first step must be 0: someone is alerted at once",
            doc,
        )
    return tuple(steps)


def _check_coverage(
    r: _Reader, doc: Any, locations: list[Location], routes: list[Route], kiosk_ids: _Ids
) -> None:
    """Every request a kiosk can send must reach some staff group."""
    cases = [
        (c.value, u.value)
        for c in Category
        for u in Urgency
        if not (c in URGENT_BY_NATURE and u is Urgency.NORMAL)
    ]
    for location in locations:
        missing = [
            f"{c} ({u})"
            for c, u in cases
            if not any(route.matches(location.id, c, u) for route in routes)
        ]
        if missing:
            r.problem(
                (*kiosk_ids.seen[location.id][:-1], "id"),
                f"no route serves these requests from kiosk {location.id!r}: "
                f"{', '.join(missing)}; add it to a route without categories and urgencies",
                doc,
            )
