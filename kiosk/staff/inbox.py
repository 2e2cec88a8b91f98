"""The console's open requests, in memory only (Kivy-free, so it is unit-tested).

It applies hub events: a snapshot after every (re)connect, then live updates.
Tickets not in the snapshot are dropped when the `synced` marker arrives, so
a reconnect never leaves ghosts of resolved requests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kiosk.core.body import TicketBody
from kiosk.core.categories import Category, Urgency
from kiosk.core.ticket import CLOSED_STATES, TicketState

__all__ = ["InboxItem", "StaffInbox"]


@dataclass
class InboxItem:
    view: dict[str, Any]  # routing metadata, as the hub sent it
    body: TicketBody | None  # None: this console could not open it
    acknowledged: bool = False
    # Replies sent to the traveller: reply id → the staff device that sent it.
    replies: dict[str, str] = field(default_factory=dict)
    # This console's own replies: reply id → phrase id (only the kiosk can open them).
    my_replies: dict[str, str] = field(default_factory=dict)
    # Why the hub asked this console to alert again for a request it already
    # shows: "reminder", "reescalated" or "handed_over"; None after a tap.
    alert: str | None = None

    @property
    def id(self) -> str:
        return str(self.view["id"])

    @property
    def state(self) -> TicketState:
        return TicketState(self.view["state"])

    @property
    def urgent(self) -> bool:
        return str(self.view["urgency"]) == Urgency.URGENT.value

    @property
    def needs_someone(self) -> bool:
        return self.state in (TicketState.SUBMITTED, TicketState.DELIVERED)

    @property
    def calls_for_attention(self) -> bool:
        """Alert for it, until tapped: nobody has it (again, after a hand-over), or
        it is accepted but still open long after (a reminder, or every step again)."""
        still_open = self.alert in ("reminder", "reescalated")
        return (self.needs_someone or still_open) and not self.acknowledged


class StaffInbox:
    def __init__(self, open_body: Callable[[dict[str, Any]], TicketBody | None]) -> None:
        self._open_body = open_body
        self.items: dict[str, InboxItem] = {}
        self._syncing: set[str] | None = None

    def apply(
        self, event: dict[str, Any], body: TicketBody | None = None, *, known_only: bool = False
    ) -> tuple[str, InboxItem | None]:
        """Apply one hub event; what happened: new, updated, alert (the hub alerts
        again for a request already shown), closed, reply, synced or ignored.

        `body`: already opened off the UI thread. `known_only`: an answer to
        this console's own action, which must not bring back a ticket closed
        meanwhile.
        """
        kind = event.get("type")
        if kind == "connecting":
            self._syncing = set()
            return "syncing", None
        if kind == "synced":
            seen = self._syncing or set()
            for ghost in set(self.items) - seen:
                del self.items[ghost]
            self._syncing = None
            return "synced", None
        if kind == "reply":
            reply = event["reply"]
            item = self.items.get(str(reply["ticket_id"]))
            if item is None:
                return "ignored", None
            item.replies[str(reply["id"])] = str(reply["staff_id"])
            return "reply", item
        if kind != "ticket":
            return "ignored", None
        view = dict(event["ticket"])
        ticket_id = str(view["id"])
        # Everything the console will render must parse; otherwise ValueError/KeyError.
        Category(view["category"])
        Urgency(view["urgency"])
        float(view["created_at"])
        if self._syncing is not None:
            self._syncing.add(ticket_id)
        if TicketState(view["state"]) in CLOSED_STATES:
            item = self.items.pop(ticket_id, None)
            return ("closed", item) if item else ("ignored", None)
        item = self.items.get(ticket_id)
        alert = event.get("alert")
        if item is None:
            if known_only:
                return "ignored", None
            if body is None and view.get("sealed"):
                body = self._open_body(view)
            item = InboxItem(view=view, body=body, alert=alert if isinstance(alert, str) else None)
            self.items[ticket_id] = item
            return "new", item
        view.pop("sealed", None)
        item.view.update(view)
        if isinstance(alert, str):
            item.alert, item.acknowledged = alert, False
            return "alert", item
        return "updated", item

    def ordered(self) -> list[InboxItem]:
        """Most urgent first, then oldest first."""
        return sorted(
            self.items.values(), key=lambda i: (not i.urgent, float(i.view["created_at"]))
        )

    def clear(self) -> None:
        self.items.clear()
