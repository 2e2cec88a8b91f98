"""What the hub's fan-out keeps of a ticket event once every stream has
written it: nothing (no encoded view, no sealed copy, no route decision)."""

from __future__ import annotations

import gc

from kiosk.core.categories import Category, Urgency
from kiosk.core.ticket import Ticket, new_ticket_id
from kiosk.hub import wire
from tests.conftest import Site
from tests.in_process_hub import InProcessHub


def test_an_event_written_by_every_stream_leaves_nothing_behind(
    site: Site, in_hub: InProcessHub
) -> None:
    staff, kiosk = in_hub.listen(site.staff.device_id), in_hub.listen(site.kiosk.device_id)
    current = in_hub.run(in_hub.hub.current_site())
    assert current is not None
    kept_before = len(wire._STAFF_VIEWS)
    now = in_hub.clock.now
    ticket = Ticket(
        id=new_ticket_id(),
        kiosk_id=site.kiosk.device_id,
        location_id=str(site.kiosk.location_id),
        category=Category.LOST,
        urgency=Urgency.NORMAL,
        created_at=now,
        updated_at=now,
    )
    in_hub.hub.publisher.ticket(ticket, current, {site.staff.device_id: "c2VhbGVk"})
    shown = staff.tickets()
    assert [(t["id"], t["sealed"]) for t in shown] == [(ticket.id, "c2VhbGVk")]
    assert [t["id"] for t in kiosk.tickets()] == [ticket.id]
    # Written by both streams and no longer queued anywhere: the hub's caches
    # of it (the encoded view, the route decision) went with it.
    gc.collect()
    assert len(wire._STAFF_VIEWS) == kept_before
    assert in_hub.hub.streams._last_reach is None
