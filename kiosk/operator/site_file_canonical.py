"""The canonical form of a site file, as `kiosk admin export` writes it.

Fixed table and key order, every key written (the kiosk screen keys only when
known), fixed comments that explain each kind of table: the annotated example
(packaging/examples/site.toml) is exactly this form, so apply then export
gives back the same bytes. docs/site-file.md#canonical-form states the rules.
"""

from __future__ import annotations

import dataclasses
import json
import re

from kiosk.core.site import Area, Location, Site, Station
from kiosk.i18n.locales import SUPPORTED_LOCALES
from kiosk.operator.site_file import LIMIT_KEYS, RETENTION_KEYS
from kiosk.operator.site_file_alerts import alert_lines
from kiosk.operator.site_file_statistics import statistics_lines

__all__ = ["render_site_file"]

_HEADER = """\
# Site file of the wellbeing kiosks (every key: docs/site-file.md).
# `kiosk admin validate | diff | apply FILE` read it; `kiosk admin export`
# writes it back in this canonical form. Enrolled devices are not listed here:
# they come from `kiosk admin enrol` and are kept by apply.
"""


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    raise TypeError(type(value))


def _legacy_stations(site: Site) -> Site:
    """A manifest signed before stations existed: one station per station name,
    one area in each, so it can still be exported and edited."""
    names: dict[str, str] = {}
    for x in site.locations:
        slug = re.sub(r"[^a-z0-9]+", "-", x.station.lower()).strip("-")[:50] or "station"
        names.setdefault(x.station, slug if len(slug) > 1 else f"{slug}-station")
    stations = tuple(
        Station(sid, name, emergency_number=site.emergency_number) for name, sid in names.items()
    )
    areas = tuple(Area(f"{sid}-area", sid, "Main area") for sid in names.values())
    locations = tuple(
        dataclasses.replace(x, station_id=names[x.station], area_id=f"{names[x.station]}-area")
        for x in site.locations
    )
    return dataclasses.replace(site, stations=stations, areas=areas, locations=locations)


def render_site_file(site: Site) -> str:
    """The canonical text: fixed key order, every key written, one blank line between
    tables, two-space indented steps, a fixed comment before each kind of table."""
    if not site.stations:
        site = _legacy_stations(site)
    out = [_HEADER, "[site]", f"name = {_toml(site.name)}"]
    out += [f"emergency_number = {_toml(site.emergency_number)}"]
    out += [f"hpke_suite = {_toml(site.hpke_suite)}", ""]
    out += [
        "# Time limits, in seconds. A kiosk left untouched for inactivity_seconds asks",
        '# "Do you need more time?" and starts over after more_time_seconds more;',
        "# a request staff have is left to them after handover_seconds untouched (asked",
        "# the same way first): the kiosk starts anew for the next traveller, and the",
        "# request stays open.",
        "# a request nobody resolves expires, and is deleted, after request_expiry_seconds.",
        "# Each signed manifest is valid for manifest_valid_hours (1 to 168) and is",
        "# re-signed before then by kiosk admin refresh.",
        "[limits]",
    ]
    out += [f"{k} = {getattr(site.limits, k)}" for k in LIMIT_KEYS]
    out += [
        "",
        "# How long things are kept: an unused enrolment code (hours), and the outcome",
        "# a kiosk shows before it forgets the request (seconds).",
        "[retention]",
    ]
    out += [f"{k} = {getattr(site.limits, k)}" for k in RETENTION_KEYS]
    out += [
        "",
        "# Languages: with require_signed_off = true, kiosks offer only the languages whose",
        "# consent, urgency, deletion and emergency texts a native speaker has signed off",
        "# (docs/languages.md), and English.",
        "[languages]",
        f"require_signed_off = {_toml(site.require_signed_off_languages)}",
    ]
    out += statistics_lines(site.statistics)
    out += _stations(site) + _groups(site) + _routes(site)
    return "\n".join(out) + "\n"


def _stations(site: Site) -> list[str]:
    """The [[station]] tables, each with its areas and kiosks."""
    out: list[str] = []
    for i, st in enumerate(site.stations):
        if i == 0:
            out += [
                "",
                "# Stations, their areas and the kiosks in each area. A station's kiosks offer",
                "# its languages (codes as in docs/languages.md) and show its emergency number",
                "# and help point. A kiosk: orientation portrait | landscape; screen_inches",
                "# (diagonal) and screen_dpi are written only when known.",
            ]
        else:
            out += [""]
        out += ["[[station]]", f"id = {_toml(st.id)}", f"name = {_toml(st.name)}"]
        out += [f"languages = {_toml(st.languages or SUPPORTED_LOCALES)}"]
        out += [f"default_language = {_toml(st.default_language)}"]
        out += [f"emergency_number = {_toml(st.emergency_number or site.emergency_number)}"]
        out += [f"help_point = {_toml(st.help_point)}", f"help_phone = {_toml(st.help_phone)}"]
        for area in (a for a in site.areas if a.station_id == st.id):
            out += ["", "[[station.area]]", f"id = {_toml(area.id)}", f"name = {_toml(area.name)}"]
            for x in (x for x in site.locations if x.area_id == area.id):
                out += ["", "[[station.area.kiosk]]", f"id = {_toml(x.id)}"]
                out += [f"label = {_label(x)}", f"orientation = {_toml(x.orientation)}"]
                if x.screen_inches:
                    out += [f"screen_inches = {_toml(float(x.screen_inches))}"]
                if x.screen_dpi:
                    out += [f"screen_dpi = {_toml(x.screen_dpi)}"]
    return out


def _label(place: Location) -> str:
    """One text, or an inline table of texts by language."""
    if not place.labels:
        return _toml(place.label)
    return "{ " + ", ".join(f"{code} = {_toml(text)}" for code, text in place.labels) + " }"


def _groups(site: Site) -> list[str]:
    """The [[group]] tables."""
    out: list[str] = []
    for i, g in enumerate(site.groups):
        out += ["", "# Staff groups: who answers. Enrol their devices with"] if i == 0 else [""]
        if i == 0:
            out += ["# `kiosk admin enrol staff --group ID`."]
        out += ["[[group]]", f"id = {_toml(g.id)}", f"name = {_toml(g.name)}"]
        out += alert_lines(g)  # its [[group.alert]] tables, if any
    return out


def _routes(site: Site) -> list[str]:
    """The [[route]] tables, a step to a line."""
    out: list[str] = []
    for i, route in enumerate(site.routes):
        if i == 0:
            out += [
                "",
                "# Routes: which groups answer which kiosks, in escalation order. A request",
                "# takes the matching route naming the most of (categories, urgencies);",
                "# empty lists match everything. A step's group is alerted after_seconds",
                "# after the request if nobody has accepted it yet.",
            ]
        else:
            out += [""]
        out += ["[[route]]", f"id = {_toml(route.id)}", f"kiosks = {_toml(route.location_ids)}"]
        out += [f"categories = {_toml(route.categories)}"]
        out += [f"urgencies = {_toml(route.urgencies)}", "steps = ["]
        out += [
            f"  {{ group = {_toml(s.group_id)}, after_seconds = {s.after_seconds} }},"
            for s in route.steps
        ]
        out += ["]"]
    return out
