"""Handing a request over: the accepter passes it to another group of its
route, or back to colleagues of their own group.

The hub chooses no reader: a ticket is sealed to every device of every step
of its route, so the group that takes it already holds its copies.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool

from kiosk.core.audience import Audience
from kiosk.core.events import Alert, TicketChanged
from kiosk.core.site import DeviceRecord, Site
from kiosk.core.ticket import Ticket
from kiosk.hub.api_errors import ApiError
from kiosk.hub.publisher import Publisher, encoded
from kiosk.hub.store import Store
from kiosk.hub.views import Views

__all__ = ["announce_handover", "handover_group"]


def handover_group(doc: dict[str, Any], device: DeviceRecord, site: Site, ticket: Ticket) -> str:
    """The group named in the request body, if it is on the ticket's route; the
    accepter's own group when none is named (a release to colleagues)."""
    group = doc.get("group", device.group_id)
    if not isinstance(group, str) or group not in site.groups_for(
        ticket.location_id, ticket.category.value
    ):
        raise ApiError(400, "bad_group", "hand over only to a group on this request's route")
    return group


async def announce_handover(
    publisher: Publisher, store: Store, ticket: Ticket, site: Site, group: str, actor: str
) -> None:
    """Every console and the kiosk see it unaccepted again (with the sealed
    copies, for consoles of the group that did not have it yet); the group
    that takes it is alerted, except the console that handed it over."""
    copies = await run_in_threadpool(store.sealed_copies, ticket.id)
    publisher.ticket(ticket, site, encoded(copies))
    publisher.broker.publish(
        TicketChanged(
            Views.public_view(ticket, site),
            Audience.staff_except(actor),
            alert=Alert.HANDED_OVER,
            alert_group=group,
        )
    )
