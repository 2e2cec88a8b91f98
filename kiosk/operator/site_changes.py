"""From the site on the hub to the one a site file describes: what changes, and
whether any open request would be left without a reader (then: refused).

Devices are not in the site file: apply keeps every enrolled device whose
kiosk or staff group remains, revokes those whose place is removed, and with
`reassign` moves the staff devices of removed groups into another group.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.core.errors import SiteError
from kiosk.core.site import DeviceRole, Site
from kiosk.i18n.locales import SUPPORTED_LOCALES
from kiosk.operator.hub_admin import OpenTicket
from kiosk.operator.site_admin import SiteLayout, current_site, publish
from kiosk.operator.site_file import read_site_file
from kiosk.operator.site_file_alerts import relay_summary
from kiosk.operator.site_file_canonical import render_site_file

__all__ = [
    "SitePlan",
    "apply_site_file",
    "describe_changes",
    "export_site_file",
    "plan_site_file",
]


@dataclass(frozen=True)
class SitePlan:
    current: Site
    target: Site  # with the devices it keeps, at the current version
    changes: list[str]  # readable lines, "+ ...", "- ...", "~ ..."

    @property
    def changed(self) -> bool:
        # The readable changes are the test: an unlisted station's languages ()
        # and the same list written out are one configuration, not a new version.
        return bool(self.changes)


def _records(site: Site) -> dict[str, dict[str, dict[str, Any]]]:
    """Every configured thing as kind -> id -> field -> value, for comparing."""
    settings = {
        "name": site.name,
        "emergency_number": site.emergency_number,
        "hpke_suite": site.hpke_suite,
        **{f"limits.{k}": v for k, v in site.limits.to_document().items()},
        "languages.require_signed_off": site.require_signed_off_languages,
        **{f"statistics.{k}": v for k, v in site.statistics.to_document().items()},
    }
    return {
        "setting": {k: {"value": v} for k, v in settings.items()},
        "station": {
            s.id: {
                "name": s.name,
                "languages": ", ".join(s.languages or SUPPORTED_LOCALES),
                "default_language": s.default_language,
                "emergency_number": s.emergency_number or site.emergency_number,
                "help_point": s.help_point,
                "help_phone": s.help_phone,
            }
            for s in site.stations
        },
        "area": {a.id: {"station": a.station_id, "name": a.name} for a in site.areas},
        "kiosk": {
            x.id: {
                "station": x.station,
                "area": x.area_id,
                "label": x.label,
                "labels": ", ".join(f"{code}: {text}" for code, text in x.labels),
                "orientation": x.orientation,
                "screen_inches": x.screen_inches,
                "screen_dpi": x.screen_dpi,
            }
            for x in site.locations
        },
        # Alert relays by what the file says of them (secrets only by name): a change
        # to one alone is a change to apply.
        "group": {g.id: {"name": g.name, "alerts": relay_summary(g.alerts)} for g in site.groups},
        "route": {
            r.id: {
                "kiosks": ", ".join(r.location_ids),
                "categories": ", ".join(r.categories) or "all",
                "urgencies": ", ".join(r.urgencies) or "all",
                "steps": ", ".join(f"{s.group_id} after {s.after_seconds} s" for s in r.steps),
            }
            for r in site.routes
        },
    }


def _describe(kind: str, fields: dict[str, Any]) -> str:
    if kind == "kiosk":
        return f"{fields['station']}, {fields['label']}"
    if kind == "route":
        return f"kiosks {fields['kiosks']}; categories {fields['categories']}; {fields['steps']}"
    return str(fields.get("name", ""))


def describe_changes(before: Site, after: Site) -> list[str]:
    lines: list[str] = []
    old, new = _records(before), _records(after)
    for kind in old:
        for ident in old[kind].keys() - new[kind].keys():
            lines.append(f"- {kind} {ident}: {_describe(kind, old[kind][ident])}")
        for ident in new[kind].keys() - old[kind].keys():
            if kind == "setting":
                lines.append(f"~ setting {ident}: {new[kind][ident]['value']!r}")
            else:
                lines.append(f"+ {kind} {ident}: {_describe(kind, new[kind][ident])}")
        for ident in old[kind].keys() & new[kind].keys():
            a, b = old[kind][ident], new[kind][ident]
            for field, value in a.items():
                if b.get(field) != value:
                    what = f"setting {ident}" if kind == "setting" else f"{kind} {ident}: {field}"
                    lines.append(f"~ {what}: {value!r} -> {b.get(field)!r}")
        # Order matters too: the first of equally specific routes wins, and export
        # writes things in the order they were applied.
        kept = old[kind].keys() & new[kind].keys()
        old_order = [i for i in old[kind] if i in kept]
        new_order = [i for i in new[kind] if i in kept]
        if kind != "setting" and old_order != new_order:
            lines.append(f"~ {kind} order: {', '.join(old_order)} -> {', '.join(new_order)}")
    before_devices = {d.id: d for d in before.devices}
    after_devices = {d.id: d for d in after.devices}
    for ident in sorted(before_devices.keys() - after_devices.keys()):
        d = before_devices[ident]
        place = f"kiosk {d.location_id}" if d.role is DeviceRole.KIOSK else f"group {d.group_id}"
        lines.append(f"- device {ident}: revoked, its {place} is removed")
    for ident in sorted(before_devices.keys() & after_devices.keys()):
        if before_devices[ident].group_id != after_devices[ident].group_id:
            lines.append(
                f"~ device {ident}: moves from group {before_devices[ident].group_id} "
                f"to {after_devices[ident].group_id} (--reassign)"
            )
    order = {"-": 0, "~": 1, "+": 2}
    return sorted(lines, key=lambda line: (order[line[0]], line))


def _plural(count: int, one: str) -> str:
    return f"{count} open {one}" + ("" if count == 1 else "s")


def _stranded(current: Site, target: Site, tickets: list[OpenTicket]) -> Counter[str]:
    """Open requests no device could read after the change, by the reason why."""
    reasons: Counter[str] = Counter()
    for t in tickets:
        if target.location(t.location_id) is None:
            reasons[f"kiosk {t.location_id}"] += 1
            continue
        readers = {
            d.id
            for d in target.recipients_for(t.location_id, t.category, t.urgency)
            if d.id in t.sealed_to
        }
        if readers:
            continue
        old_groups = current.groups_for(t.location_id, t.category, t.urgency)
        gone = sorted(g for g in old_groups if _group_missing(target, g))
        reasons[f"group {', '.join(gone)}" if gone else "route change"] += 1
    return reasons


def _refusal(stranded: Counter[str], reassign: str | None, expiry_seconds: int) -> str:
    """Counts only: which kiosk or group, how many requests; never what they say."""
    parts = []
    for where, count in stranded.items():
        if where == "route change":
            parts.append(
                f"{_plural(count, 'request')} would move to a route whose staff devices "
                "cannot read them"
            )
        else:
            parts.append(f"{where} has {_plural(count, 'request')}")
    one = sum(stranded.values()) == 1
    advice = [
        f"Nothing was changed. Wait until {'it is' if one else 'they are'} resolved or "
        f"{'expires' if one else 'expire'} (within {expiry_seconds} s), then apply again."
    ]
    if any(w.startswith("group ") for w in stranded):
        advice.append(
            f"--reassign {reassign} does not help: that group is not on their new route."
            if reassign
            else "Or apply with --reassign GROUP to move the removed group's staff devices, "
            "and so its open requests, into a group on their route."
        )
    if any(w.startswith("kiosk ") for w in stranded):
        advice.append(
            "A request is sealed and signed for its kiosk's place: it cannot move to another kiosk."
        )
    return (
        f"refused: {'; '.join(parts)}, and no staff device could read "
        f"{'it' if one else 'them'} after this change. " + " ".join(advice)
    )


def _group_missing(site: Site, group_id: str) -> bool:
    return all(g.id != group_id for g in site.groups)


def plan_site_file(layout: SiteLayout, path: Path, reassign: str | None = None) -> SitePlan:
    """Read and check the file, and work out the site apply would publish.

    Raises SiteFileInvalid (the file's problems) or SiteError (a refusal);
    changes nothing either way.
    """
    desired = read_site_file(path)
    current = current_site(layout)
    group_ids = {g.id for g in desired.groups}
    if reassign is not None and reassign not in group_ids:
        raise SiteError(
            f"--reassign {reassign}: no such staff group in {path}; "
            f"allowed: {', '.join(sorted(group_ids))}"
        )
    location_ids = {x.id for x in desired.locations}
    devices = []
    for d in current.devices:
        kept_place = location_ids if d.role is DeviceRole.KIOSK else group_ids
        if (d.location_id if d.role is DeviceRole.KIOSK else d.group_id) in kept_place:
            devices.append(d)
        elif d.role is DeviceRole.STAFF and reassign is not None:
            devices.append(dataclasses.replace(d, group_id=reassign))
    target = dataclasses.replace(
        desired,
        version=current.version,
        valid_until=current.valid_until,  # set anew when signed
        tls_ca_sha256=current.tls_ca_sha256,
        devices=tuple(devices),
    )
    stranded = _stranded(current, target, layout.hub_admin.open_tickets())
    if stranded:
        raise SiteError(_refusal(stranded, reassign, current.limits.request_expiry_seconds))
    return SitePlan(current, target, describe_changes(current, target))


def apply_site_file(layout: SiteLayout, path: Path, reassign: str | None = None) -> SitePlan:
    """Check everything first, then publish one signed manifest (a single database
    write): a bad file or a refusal changes nothing."""
    plan = plan_site_file(layout, path, reassign)
    if not plan.changed:
        return plan
    if current_site(layout).version != plan.current.version:
        # Someone published (e.g. an enrolment) while we checked: start again from it.
        raise SiteError(
            "the site changed while this file was checked; nothing was changed, run again"
        )
    published = publish(layout, plan.target)
    return dataclasses.replace(plan, target=published)


def export_site_file(layout: SiteLayout) -> str:
    return render_site_file(current_site(layout))
