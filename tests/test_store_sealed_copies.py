"""Sealed copies read for many tickets at once (the escalator's one query a
tick): each ticket gets its own copies, past the 500 ids of one statement."""

from __future__ import annotations

import time
from pathlib import Path

from kiosk.core.categories import Category, Urgency
from kiosk.core.ticket import Ticket, TicketState, new_ticket_id
from kiosk.hub.database import make_engine, upgrade_schema
from kiosk.hub.store import Store


def test_each_ticket_gets_its_own_copies_in_one_read(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    upgrade_schema(engine)
    store = Store(engine)
    expected: dict[str, dict[str, bytes]] = {}
    for n in range(620):
        ticket = Ticket(
            id=new_ticket_id(),
            kiosk_id=f"kiosk-{n}",
            location_id="platform-1",
            category=Category.UNWELL,
            urgency=Urgency.NORMAL,
            created_at=time.time(),
            state=TicketState.SUBMITTED,
        )
        copies = {"staff-a": f"a{n}".encode(), "staff-b": f"b{n}".encode()}
        store.insert_ticket(ticket, copies)
        expected[ticket.id] = copies
    unknown = new_ticket_id()

    found = store.sealed_copies_of([*expected, unknown])

    assert found == expected  # none mixed up, none missing, the unknown id left out
    some = next(iter(expected))
    assert store.sealed_copies(some) == expected[some]
    assert store.sealed_copies(unknown) == {}
    engine.dispose()
