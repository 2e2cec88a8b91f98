"""A published ticket event as consoles' streams judge it: the hub works each
answer out once per group where the audience names no console; every console
must get the answer its own judgement would give."""

from __future__ import annotations

import itertools

from kiosk.core.audience import Audience
from kiosk.core.categories import Category, Urgency
from kiosk.core.site import DeviceRecord, DeviceRole
from kiosk.core.ticket import Ticket, TicketEvent, new_ticket_id
from kiosk.hub.streams import _Reach
from tests.conftest import Site
from tests.in_process_hub import InProcessHub

_GROUPS = ("central-staff", "central-control", "north-staff", None)


def _consoles() -> list[DeviceRecord]:
    """Three consoles in each group (and three in none), in mixed order."""
    made = [
        DeviceRecord(f"staff-{n}-{g}", DeviceRole.STAFF, b"s", b"h", group_id=g)
        for n, g in itertools.product(range(3), _GROUPS)
    ]
    return made[::2] + made[1::2]


def test_every_console_gets_its_own_answer_when_groups_are_judged_once(
    site: Site, in_hub: InProcessHub
) -> None:
    current = in_hub.run(in_hub.hub.current_site())
    assert current is not None
    views, now = in_hub.hub.views, in_hub.clock.now
    consoles = _consoles()
    first = consoles[0].id
    audiences = [
        Audience.ticket("kiosk-p3"),
        Audience.escalation("kiosk-p3", "central-control"),
        Audience.reminder("kiosk-p3", first),
        Audience.reescalation("kiosk-p3"),
        Audience.staff_except(first),
        Audience.console(first),
        Audience.staff_groups(frozenset({"north-staff"})),
        Audience.kiosk("kiosk-p3"),
    ]
    opened = _ticket("central-p3", Category.UNWELL, Urgency.NORMAL, now)
    tickets = [
        opened,
        _ticket("central-p3", Category.MEDICAL_NOW, Urgency.URGENT, now),
        _ticket("north-p1", Category.LOST, Urgency.NORMAL, now),
        opened.apply(TicketEvent.ACCEPT, at=now, actor=first, eta_minutes=3),
    ]
    admitted, refused = 0, 0
    # At once, and once the control room's step has come.
    for ticket, audience, at in itertools.product(tickets, audiences, (now, now + 600)):
        view = views.public_view(ticket, current)
        memo = _Reach(views, current, view, at)
        for console in consoles:
            alone = audience.admits(console, _Reach(views, current, view, at))
            assert memo.admits(audience, console) == alone, (ticket.id, audience, console.id)
            admitted, refused = admitted + alone, refused + (not alone)
    # The cases tell consoles apart: many admitted, many not.
    assert admitted > 100
    assert refused > 100


def _ticket(location: str, category: Category, urgency: Urgency, now: float) -> Ticket:
    return Ticket(
        id=new_ticket_id(),
        kiosk_id="kiosk-p3",
        location_id=location,
        category=category,
        urgency=urgency,
        created_at=now,
        updated_at=now,
    )
