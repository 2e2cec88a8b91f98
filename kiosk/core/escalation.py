"""When each group on a route is alerted, given who is on duty, and the timers
that run once a request is accepted (or once nobody has answered at all).

Every time here is counted from times the hub stores (a ticket's creation or
acceptance), never from when a hub process started, so a restart changes
nothing about when an alert is due.
"""

from __future__ import annotations

from collections.abc import Iterable

from kiosk.core.site import DeviceRole, Route, Site

__all__ = [
    "alert_delays",
    "fallback_delay",
    "reached_groups",
    "reescalation_due",
    "reminder_due",
    "skipped_steps",
    "staffed_groups",
    "step_reached",
]


def staffed_groups(site: Site, off_duty: Iterable[str]) -> frozenset[str]:
    """Groups with at least one enrolled staff device on duty (a device is on
    duty until it says otherwise)."""
    away = set(off_duty)
    return frozenset(
        d.group_id
        for d in site.devices
        if d.role is DeviceRole.STAFF and d.group_id is not None and d.id not in away
    )


def reached_groups(
    site: Site, off_duty: Iterable[str], live: Iterable[str], relayed: Iterable[str] = ()
) -> frozenset[str]:
    """Groups someone can be reached in right now: one of their staff devices is
    on duty and has a live event stream (`live`: device ids), or the group has a
    working alert relay (`relayed`: group ids). A console that said "on duty"
    and then crashed or was closed reaches nobody, so nobody is waited for."""
    away, streaming = set(off_duty), set(live)
    consoles = {
        d.group_id
        for d in site.devices
        if d.role is DeviceRole.STAFF
        and d.group_id is not None
        and d.id not in away
        and d.id in streaming
    }
    return frozenset(consoles | set(relayed))


def skipped_steps(route: Route, reached: frozenset[str], group: str) -> tuple[str, ...]:
    """The groups of the steps before `group`'s on the route that could not be
    reached (skipped at once): what the step alerted early is told, by group id."""
    before: list[str] = []
    for step in route.steps:
        if step.group_id == group:
            break
        if step.group_id not in reached and step.group_id not in before:
            before.append(step.group_id)
    return tuple(before)


def _levels(route: Route, staffed: frozenset[str]) -> dict[int, float]:
    """Each step time of the route → when it actually comes.

    A step's wait is the time the steps before it are given to answer; if
    nobody of those earlier groups is on duty, there is nobody to wait for,
    and the step comes at once.
    """
    levels = sorted({s.after_seconds for s in route.steps})
    out: dict[int, float] = {}
    previous: int | None = None
    at = 0.0
    for level in levels:
        if previous is None:
            at = float(level)
        elif _any_staffed(route, previous, staffed):
            at += level - previous
        out[level] = at
        previous = level
    return out


def _any_staffed(route: Route, level: int, staffed: frozenset[str]) -> bool:
    return any(s.group_id in staffed for s in route.steps if s.after_seconds == level)


def alert_delays(route: Route, staffed: frozenset[str]) -> dict[str, float]:
    """Seconds after a ticket is raised that each group of the route is alerted."""
    levels = _levels(route, staffed)
    delays: dict[str, float] = {}
    for step in route.steps:
        at = levels[step.after_seconds]
        delays[step.group_id] = min(delays.get(step.group_id, at), at)
    return delays


def step_reached(
    route: Route, staffed: frozenset[str], elapsed: float, alerted: Iterable[str] = ()
) -> int:
    """The deepest step of the route (1 = the first) alerted `elapsed` seconds
    after its ticket was raised: its time had come, or its group was `alerted`
    already. 0 for a route without steps."""
    levels = _levels(route, staffed)
    early = set(alerted)
    deepest = 0
    for number, step in enumerate(route.steps, start=1):
        if levels[step.after_seconds] <= elapsed or step.group_id in early:
            deepest = number
    return max(deepest, 1) if route.steps else 0


def fallback_delay(route: Route, staffed: frozenset[str]) -> float:
    """Seconds after a ticket is raised that its kiosk shows the fallback (help
    point, phone, emergency number) if nobody has accepted: the last step's
    time plus its limit, or at once when nobody at that step is on duty."""
    if not route.steps:
        return 0.0
    levels = _levels(route, staffed)
    last = max(levels)
    extra = route.fallback_after_seconds if _any_staffed(route, last, staffed) else 0
    return levels[last] + extra


def reminder_due(route: Route, accepted_at: float, now: float) -> bool:
    """Remind the accepter: the request is still open this long after accepting."""
    return now >= accepted_at + route.remind_after_seconds


def reescalation_due(route: Route, accepted_at: float, now: float) -> bool:
    """Alert every group of the route again: accepted long ago and still open."""
    return now >= accepted_at + route.reescalate_after_seconds
