"""The live section as HTML: the part the page's script fetches and swaps in.

States are words (and a mark before them), never a colour alone. The summary
line is what a screen reader announces when it changes; the tables below it are
replaced quietly, so an update does not read the whole page out again.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

from kiosk.operator.dashboard.live import (
    ConsoleRow,
    GroupView,
    KioskRow,
    LiveView,
    RequestRow,
    StationView,
)

__all__ = ["REFRESH_SECONDS", "duration", "live_error", "live_section", "live_summary", "when"]

REFRESH_SECONDS = 3

# A mark before each state, so it reads without colour (and in forced colours).
_MARKS = {"online": "✓", "silent": "…", "offline": "✗", "never seen": "?"}


def duration(seconds: float) -> str:
    s = max(int(seconds), 0)
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


def when(at: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(at))


def live_summary(view: LiveView) -> str:
    failing = sum(1 for r in view.relays if r.get("state") == "failing")
    unreached = sum(1 for g in view.groups if not g.reached)
    parts = [
        f"{view.open_requests} open request{'s' if view.open_requests != 1 else ''}"
        + (f" ({view.waiting} waiting for someone to accept)" if view.waiting else ""),
        f"{view.devices_not_online} of {view.devices} devices not online",
        f"{unreached} group{'s' if unreached != 1 else ''} not reached",
    ]
    if view.relays:
        parts.append(f"{failing} of {len(view.relays)} alert relays failing")
    if view.manifest_expired:
        parts.append("the manifest has EXPIRED")
    return "; ".join(parts) + "."


def _table(caption: str, headers: Sequence[str], rows: Iterable[str]) -> str:
    """A captioned table with a row of column headers; `rows` are <tr> elements."""
    heads = "".join(f'<th scope="col">{escape(h)}</th>' for h in headers)
    return (
        f"<table><caption>{escape(caption)}</caption><thead><tr>{heads}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _state(state: str, seconds_since: float | None) -> str:
    mark = _MARKS.get(state, "")
    if state == "silent" and seconds_since is not None:
        text = f"silent for {duration(seconds_since)}"
    elif state == "offline" and seconds_since is not None:
        text = f"offline, last seen {duration(seconds_since)} ago"
    else:
        text = state
    return f'<span class="state state-{state.replace(" ", "-")}">{mark} {escape(text)}</span>'


def _notes(manifest_expired: bool, fallback: bool = False) -> str:
    notes = []
    if manifest_expired:
        notes.append('<span class="flag">! manifest expired</span>')
    if fallback:
        notes.append('<span class="flag">! fallback shown</span>')
    return ", ".join(notes) or "-"


def _escalation(step: int, steps: int) -> str:
    # No route serves its place and kind any more (the site changed while it was open).
    return f"step {step} of {steps}" if steps else '<span class="flag">! no route</span>'


def _request(r: RequestRow) -> str:
    progress = "accepted" if r.accepted else "waiting for someone to accept"
    css = "accepted" if r.accepted else "waiting"
    return (
        f"<tr><td>{escape(r.place)}</td><td>{duration(r.age_seconds)}</td>"
        f"<td>{_escalation(r.step, r.steps)}</td>"
        f'<td><span class="state state-{css}">{progress}</span></td>'
        f"<td>{_notes(False, r.fallback)}</td></tr>"
    )


def _kiosk(k: KioskRow) -> str:
    return (
        f'<tr><th scope="row">{escape(k.device_id)}</th><td>{escape(k.place)}</td>'
        f"<td>{_state(k.state, k.seconds_since)}</td>"
        f"<td>{_notes(k.manifest_expired, k.fallback)}</td></tr>"
    )


def _station(n: int, s: StationView) -> str:
    name = escape(s.name)
    parts = [
        f'<section class="station" aria-labelledby="station-{n}"><h3 id="station-{n}">{name}</h3>'
    ]
    if s.requests:
        parts.append(
            _table(
                f"Open requests at {s.name}, oldest first",
                ("Place", "Open for", "Escalation", "Status", "Notes"),
                (_request(r) for r in s.requests),
            )
        )
    else:
        parts.append(f'<p class="calm">No open request at {name}.</p>')
    if s.kiosks:
        parts.append(
            _table(
                f"Kiosks at {s.name}",
                ("Kiosk", "Place", "State", "Notes"),
                (_kiosk(k) for k in s.kiosks),
            )
        )
    else:
        parts.append(f"<p>No kiosk enrolled at {name}.</p>")
    parts.append("</section>")
    return "".join(parts)


def _group(g: GroupView) -> str:
    reached = (
        '<span class="state state-online">✓ reached</span>'
        if g.reached
        else '<span class="state state-offline">✗ NOT reached</span>'
    )
    return (
        f'<tr><th scope="row">{escape(g.name)}<br><span class="id">{escape(g.group_id)}</span>'
        f"</th><td>{g.consoles}</td><td>{g.on_duty}</td><td>{g.live}</td><td>{reached}</td></tr>"
    )


def _console(group: GroupView, c: ConsoleRow) -> str:
    return (
        f'<tr><th scope="row">{escape(c.device_id)}</th><td>{escape(group.name)}</td>'
        f"<td>{_state(c.state, c.seconds_since)}</td><td>{_notes(c.manifest_expired)}</td></tr>"
    )


def _groups(view: LiveView) -> str:
    groups = _table(
        "Consoles per staff group",
        ("Group", "Consoles enrolled", "On duty", "Live (on duty, connected)", "Reached now"),
        (_group(g) for g in view.groups),
    )
    html = f'<section aria-labelledby="h-groups"><h2 id="h-groups">Staff groups</h2>{groups}'
    consoles = [_console(g, c) for g in view.groups for c in g.devices]
    if consoles:
        html += _table("Staff consoles", ("Console", "Group", "Last seen", "Notes"), consoles)
    return html + "</section>"


def _relay(r: dict[str, Any]) -> str:
    state = str(r.get("state", ""))
    if state == "failing":
        text = (
            f'<span class="state state-offline">✗ FAILING: {escape(str(r.get("error")))}</span>'
            f" since {escape(_at(r.get('failing_since')))}"
        )
    elif state == "ok":
        text = '<span class="state state-online">✓ ok</span>, last delivered ' + escape(
            _at(r.get("delivered_at"))
        )
    else:
        text = '<span class="state state-never-seen">? not tried yet</span>'
    return (
        f'<tr><th scope="row">{escape(str(r.get("name")))}</th>'
        f"<td>{escape(str(r.get('group')))}</td><td>{escape(str(r.get('kind')))}</td>"
        f"<td>{text}</td></tr>"
    )


def _at(value: object) -> str:
    return when(value) if isinstance(value, int | float) else "-"


def _relays(view: LiveView) -> str:
    head = '<section aria-labelledby="h-relays"><h2 id="h-relays">Alert relays</h2>'
    if not view.relays:
        return head + "<p>No alert relay in the site file.</p></section>"
    table = _table(
        "Alert relays and their last delivery",
        ("Relay", "Group", "Kind", "Health"),
        (_relay(r) for r in view.relays),
    )
    return f"{head}{table}</section>"


def _manifest(view: LiveView) -> str:
    until = when(view.manifest_valid_until)
    if view.manifest_expired:
        validity = (
            f'<strong class="flag">! EXPIRED at {escape(until)}</strong>: '
            "run <code>kiosk admin refresh</code>"
        )
    else:
        left = duration(view.manifest_valid_until - view.checked_at)
        validity = f"valid until {escape(until)} (for {left} more)"
    return (
        '<section aria-labelledby="h-manifest"><h2 id="h-manifest">Site manifest</h2>'
        f"<p>Version {view.manifest_version}, {validity}.</p></section>"
    )


def live_section(view: LiveView) -> str:
    """The element the script replaces: <div id="live"> with the summary in data-summary."""
    stations = "".join(_station(n, s) for n, s in enumerate(view.stations))
    return (
        f'<div id="live" data-summary="{escape(live_summary(view))}"'
        f' data-updated="{escape(when(view.checked_at))}" data-every="{REFRESH_SECONDS}">'
        '<section aria-labelledby="h-stations"><h2 id="h-stations">Stations</h2>'
        f"{stations}</section>{_groups(view)}{_relays(view)}{_manifest(view)}</div>"
    )


def live_error(message: str, at: float) -> str:
    """What the live section says when the hub cannot be read."""
    text = f"The hub did not answer: {message}"
    return (
        f'<div id="live" data-summary="{escape(text)}" data-updated="{escape(when(at))}"'
        f' data-every="{REFRESH_SECONDS}"><p class="error">! {escape(text)}</p></div>'
    )
