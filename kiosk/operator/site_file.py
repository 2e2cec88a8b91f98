"""The operator's site file (TOML): read it and check it.

`read_site_file` turns a file into a Site (no devices: they come from
enrolment) or raises SiteFileInvalid listing every problem found, each with
the file, the line, the key, what is wrong and what is allowed.
kiosk/operator/site_file_checks.py checks single values and records each
problem with its line; kiosk/operator/site_file_canonical.py writes a Site
back in the canonical form; docs/site-file.md documents every key.
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
from kiosk.operator import site_file_checks as checks
from kiosk.operator.site_file_alerts import read_alerts
from kiosk.operator.site_file_checks import Ids, Problem, Reader
from kiosk.operator.site_file_statistics import read_statistics
from kiosk.operator.toml_lines import KeyPath

__all__ = [
    "LIMIT_KEYS",
    "LIMIT_RANGES",
    "RETENTION_KEYS",
    "Problem",
    "SiteFileInvalid",
    "parse_site_text",
    "read_site_file",
]

# Allowed ranges of [limits] and [retention], and of the other numbers.
LIMIT_RANGES: dict[str, tuple[int, int]] = {
    "inactivity_seconds": (30, 600),
    "more_time_seconds": (20, 300),  # WCAG 2.2.1: at least 20 s to ask for more time
    "handover_seconds": (30, 1800),
    "request_expiry_seconds": (300, 86_400),
    "enrolment_code_hours": (1, 336),
    "outcome_seconds": (3, 60),
    "manifest_valid_hours": (1, 168),  # at most 7 days: a frozen revocation ends by then
}
LIMIT_KEYS = (
    "inactivity_seconds",
    "more_time_seconds",
    "handover_seconds",
    "request_expiry_seconds",
    "manifest_valid_hours",
)
RETENTION_KEYS = ("enrolment_code_hours", "outcome_seconds")
_AFTER_SECONDS = (0, 3600)
_SCREEN_INCHES = (5.0, 110.0)
_SCREEN_DPI = (50, 1000)
_CATEGORIES = tuple(c.value for c in Category)
_URGENCIES = tuple(u.value for u in Urgency)

_TOP_KEYS = ("site", "limits", "retention", "languages", "statistics", "station", "group", "route")
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
_GROUP_KEYS = ("id", "name", "alert")  # alert: [[group.alert]], site_file_alerts.py
_ROUTE_KEYS = ("id", "kiosks", "categories", "urgencies", "steps")
_STEP_KEYS = ("group", "after_seconds")


class SiteFileInvalid(SiteError):
    """A site file with problems; str() lists them, one `FILE:LINE: KEY: message` per line."""

    def __init__(self, filename: str, problems: list[Problem]) -> None:
        self.filename = filename
        self.problems = sorted(problems, key=lambda p: p.line)
        super().__init__(
            "\n".join(f"{filename}:{p.line}: {p.key}: {p.message}" for p in self.problems)
        )


def parse_site_text(text: str, filename: str = "site.toml") -> Site:
    """The site the text describes (version 0, no devices), or SiteFileInvalid."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        line = int(match.group(1)) if match else checks.where_it_stops_parsing(text)
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise SiteFileInvalid(
            filename, [Problem(line, "(syntax)", f"not valid TOML: {message}")]
        ) from None
    reader = Reader(text)
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


def _build(r: Reader, doc: dict[str, Any]) -> Site | None:
    r.table(doc, doc, (), _TOP_KEYS)
    name, emergency, suite = _read_site_table(r, doc)
    limits = _read_limits(r, doc)
    languages_table = r.table(doc, doc.get("languages", {}), ("languages",), _LANGUAGES_KEYS)
    signed_off_only = r.get(
        doc, languages_table, ("languages",), "require_signed_off", checks.flag, False
    )
    statistics = read_statistics(r, doc)
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
            statistics=statistics,
        )
    except SiteError as exc:  # the checks above should have caught it; say so plainly
        r.problem((), str(exc))
        return None


def _read_site_table(r: Reader, doc: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """[site]: its name, emergency number and HPKE suite (None where a problem was found)."""
    site_table = r.table(doc, doc.get("site", {}), ("site",), _SITE_KEYS)
    if "site" not in doc:
        r.problem(
            ("site",), "missing; the file needs a [site] table with name and emergency_number"
        )
        site_table = {"name": "-", "emergency_number": "112"}  # one problem, not three
    name = r.get(doc, site_table, ("site",), "name", checks.text)
    emergency = r.get(doc, site_table, ("site",), "emergency_number", checks.phone)
    suite = r.get(
        doc,
        site_table,
        ("site",),
        "hpke_suite",
        checks.choice(SUITES, "an HPKE suite"),
        DEFAULT_SUITE,
    )
    return name, emergency, suite


def _read_limits(r: Reader, doc: dict[str, Any]) -> SiteLimits:
    """[limits] and [retention], each number in its range; a missing one keeps its default."""
    numbers: dict[str, int] = {}
    for table_name, keys in (("limits", LIMIT_KEYS), ("retention", RETENTION_KEYS)):
        table = r.table(doc, doc.get(table_name, {}), (table_name,), keys)
        for key in keys:
            lo, hi = LIMIT_RANGES[key]
            unit = "hours" if key.endswith("hours") else "seconds"
            default = getattr(SiteLimits(), key)
            value = r.get(doc, table, (table_name,), key, checks.whole(lo, hi, unit), default)
            numbers[key] = default if value is None else value
    return SiteLimits(**numbers)


@dataclass
class _Places:
    """The stations of a site file with their areas and kiosks, in the file's order."""

    stations: list[Station] = field(default_factory=list)
    areas: list[Area] = field(default_factory=list)
    locations: list[Location] = field(default_factory=list)
    station_ids: Ids = field(default_factory=lambda: Ids("station", {}))
    area_ids: Ids = field(default_factory=lambda: Ids("area", {}))
    kiosk_ids: Ids = field(default_factory=lambda: Ids("kiosk", {}))


def _read_stations(r: Reader, doc: dict[str, Any], emergency: str | None) -> _Places:
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
    r: Reader,
    doc: dict[str, Any],
    st: dict[str, Any],
    sp: KeyPath,
    emergency: str | None,
    station_ids: Ids,
) -> Station:
    r.table(doc, st, sp, _STATION_KEYS)
    sid = r.get(doc, st, sp, "id", checks.ident)
    station_ids.add(r, doc, sid, (*sp, "id"))
    sname = r.get(doc, st, sp, "name", checks.text)
    languages = r.text_list(doc, st, sp, "languages", checks.language, SUPPORTED_LOCALES)
    if "languages" in st and isinstance(st["languages"], list) and not st["languages"]:
        r.problem((*sp, "languages"), "must list at least one language", doc)
    default_language = r.get(doc, st, sp, "default_language", checks.language, DEFAULT_LOCALE)
    if default_language and languages and default_language not in languages:
        r.problem(
            (*sp, "default_language"),
            f"{default_language!r} is not among this station's languages; "
            f"allowed: {checks.quoted(languages)}",
            doc,
        )
    return Station(
        id=sid or "",
        name=sname or "",
        languages=languages,
        default_language=default_language or DEFAULT_LOCALE,
        emergency_number=r.get(doc, st, sp, "emergency_number", checks.phone, emergency) or "",
        help_point=r.get(doc, st, sp, "help_point", checks.optional_text, "") or "",
        help_phone=r.get(doc, st, sp, "help_phone", checks.optional_phone, "") or "",
    )


def _read_area(
    r: Reader,
    doc: dict[str, Any],
    area: dict[str, Any],
    ap: KeyPath,
    station: Station,
    places: _Places,
) -> None:
    """One [[station.area]] and its kiosks, added to places."""
    r.table(doc, area, ap, _AREA_KEYS)
    aid = r.get(doc, area, ap, "id", checks.ident)
    places.area_ids.add(r, doc, aid, (*ap, "id"))
    places.areas.append(
        Area(aid or "", station.id, r.get(doc, area, ap, "name", checks.text) or "")
    )
    kiosks = r.tables(doc, area.get("kiosk"), (*ap, "kiosk"), "station.area.kiosk", False)
    for ki, kiosk in enumerate(kiosks):
        kp: KeyPath = (*ap, "kiosk", ki)
        r.table(doc, kiosk, kp, _KIOSK_KEYS)
        kid = r.get(doc, kiosk, kp, "id", checks.ident)
        places.kiosk_ids.add(r, doc, kid, (*kp, "id"))
        places.locations.append(_read_kiosk(r, doc, kiosk, kp, kid, station, aid))


def _read_kiosk(
    r: Reader,
    doc: dict[str, Any],
    kiosk: dict[str, Any],
    kp: KeyPath,
    kid: str | None,
    station: Station,
    aid: str | None,
) -> Location:
    """The place of one [[station.area.kiosk]], its screen and how it is mounted."""
    label = r.get(doc, kiosk, kp, "label", checks.label) or ""
    labels = () if isinstance(label, str) else label
    return Location(
        id=kid or "",
        station=station.name,
        label=dict(labels).get(station.default_language, labels[0][1]) if labels else label,
        labels=labels,
        station_id=station.id,
        area_id=aid or "",
        orientation=r.get(
            doc, kiosk, kp, "orientation", checks.choice(ORIENTATIONS, "an orientation"), "portrait"
        )
        or "portrait",
        screen_inches=r.get(
            doc, kiosk, kp, "screen_inches", checks.decimal(*_SCREEN_INCHES, "inches"), 0
        )
        or 0.0,
        screen_dpi=r.get(
            doc, kiosk, kp, "screen_dpi", checks.whole(*_SCREEN_DPI, "dots per inch"), 0
        )
        or 0,
    )


def _read_groups(r: Reader, doc: dict[str, Any]) -> tuple[list[StaffGroup], Ids]:
    """Every [[group]] of staff, and the ids seen (for the routes to refer to)."""
    group_ids = Ids("staff group", {})
    groups: list[StaffGroup] = []
    for gi, group in enumerate(r.tables(doc, doc.get("group"), ("group",), "group")):
        gp: KeyPath = ("group", gi)
        r.table(doc, group, gp, _GROUP_KEYS)
        gid = r.get(doc, group, gp, "id", checks.ident)
        group_ids.add(r, doc, gid, (*gp, "id"))
        name = r.get(doc, group, gp, "name", checks.text) or ""
        groups.append(StaffGroup(gid or "", name, read_alerts(r, doc, group, gp)))
    return groups, group_ids


def _read_routes(
    r: Reader, doc: dict[str, Any], kiosk_ids: Ids, group_ids: Ids, limits: SiteLimits
) -> list[Route]:
    """Every [[route]]: which kiosks' requests, of which kinds, alert which groups when."""
    route_ids = Ids("route", {})
    routes: list[Route] = []
    known_kiosks = checks.choice(tuple(kiosk_ids.seen), "a kiosk of this file")
    known_groups = checks.choice(tuple(group_ids.seen), "a staff group of this file")
    for ri, route in enumerate(r.tables(doc, doc.get("route"), ("route",), "route")):
        rp: KeyPath = ("route", ri)
        r.table(doc, route, rp, _ROUTE_KEYS)
        rid = r.get(doc, route, rp, "id", checks.ident)
        route_ids.add(r, doc, rid, (*rp, "id"))
        kiosks_served = r.text_list(doc, route, rp, "kiosks", known_kiosks)
        if "kiosks" in route and route["kiosks"] == []:
            r.problem((*rp, "kiosks"), "must list at least one kiosk id", doc)
        categories = r.text_list(
            doc, route, rp, "categories", checks.choice(_CATEGORIES, "a category"), ()
        )
        urgencies = r.text_list(
            doc, route, rp, "urgencies", checks.choice(_URGENCIES, "an urgency"), ()
        )
        steps = _steps(r, doc, route, rp, known_groups, limits)
        routes.append(Route(rid or "", kiosks_served, categories, steps, urgencies))
    return routes


def _steps(
    r: Reader,
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
    after = checks.whole(*_AFTER_SECONDS, "seconds")
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
    r: Reader, doc: Any, locations: list[Location], routes: list[Route], kiosk_ids: Ids
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
