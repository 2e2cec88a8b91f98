"""The console's open requests, in memory only (Kivy-free, so it is unit-tested).

It applies hub events: a snapshot after every (re)connect, then live updates.
Tickets not in the snapshot are dropped when the `synced` marker arrives, so
a reconnect never leaves ghosts of resolved requests.

A request this console saw close (resolved, cancelled, expired, not found)
never opens again: a hub that serves the same genuine ticket once more as
new is replaying it, and it is ignored (docs/threat-model.md). Only a keyed
digest of each closed id is kept, in memory, for as long as the console
would still accept the ticket's signed age (`remember_seconds`, the site's
request lifetime), and never more than `_CLOSED_KEPT` of them.

One that merely left the snapshot is not remembered: it may come back
genuinely (handed back to this group, or due again when duty changes).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

from kiosk.core.body import TicketBody
from kiosk.core.categories import Category, Urgency
from kiosk.core.ticket import CLOSED_STATES, TicketState

__all__ = ["InboxItem", "StaffInbox", "TicketView", "skipped_groups"]

# Closed requests remembered at most (the oldest forgotten first): far more
# than a station closes in a request lifetime, and under a megabyte.
_CLOSED_KEPT = 10_000
# Until the console knows its site's request lifetime: the longest a site may set.
_DEFAULT_REMEMBER_SECONDS = 24 * 3600.0
# The skipped groups a card names at most, and the longest id it takes for one.
_SKIPPED_KEPT = 8
_GROUP_ID_MAX = 128


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def skipped_groups(skipped: object) -> tuple[str, ...]:
    """The groups an escalation that came early names as not reached: the
    event's `{"reason": "unreached", "groups": [...]}`. Anything else (absent,
    malformed, a reason this console does not know) names none: it is only a
    note on the card, never a reason to drop the request."""
    if not isinstance(skipped, dict) or skipped.get("reason") != "unreached":
        return ()
    groups = skipped.get("groups")
    if not isinstance(groups, list):
        return ()
    named = (g for g in groups if isinstance(g, str) and 0 < len(g) <= _GROUP_ID_MAX)
    return tuple(dict.fromkeys(named))[:_SKIPPED_KEPT]


@dataclass(frozen=True, slots=True)
class TicketView:
    """A request's routing metadata as the hub's public view sent it, parsed once.

    What the console renders must parse (ValueError, KeyError or TypeError
    otherwise); the rest is kept as sent, absent as None.
    """

    id: str
    category: Category
    urgency: Urgency
    state: TicketState
    created_at: float
    kiosk_id: str | None = None
    location_id: str | None = None
    station: str | None = None
    location_label: str | None = None
    updated_at: float | None = None
    accepted_by: str | None = None
    eta_minutes: int | None = None
    handed_to: str | None = None
    sealed: str | None = None  # this console's base64 sealed copy
    # Groups of earlier steps nobody could be reached in, so the request came
    # early (from the event, not the ticket's view; kept until a newer names others).
    skipped: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, doc: dict[str, Any], skipped: tuple[str, ...] = ()) -> TicketView:
        updated, eta = doc.get("updated_at"), doc.get("eta_minutes")
        return cls(
            id=str(doc["id"]),
            category=Category(doc["category"]),
            urgency=Urgency(doc["urgency"]),
            state=TicketState(doc["state"]),
            created_at=float(doc["created_at"]),
            kiosk_id=_text(doc.get("kiosk_id")),
            location_id=_text(doc.get("location_id")),
            station=_text(doc.get("station")),
            location_label=_text(doc.get("location_label")),
            updated_at=None if updated is None else float(updated),
            accepted_by=_text(doc.get("accepted_by")),
            eta_minutes=None if eta is None else int(eta),
            handed_to=_text(doc.get("handed_to")),
            sealed=_text(doc.get("sealed")),
            skipped=skipped,
        )

    def as_json(self) -> dict[str, Any]:
        """The hub's JSON form again (for the client calls that take it)."""
        doc = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "skipped"}
        for name in ("category", "urgency", "state"):
            doc[name] = doc[name].value
        return {k: v for k, v in doc.items() if v is not None}

    def updated(self, doc: dict[str, Any], skipped: tuple[str, ...] = ()) -> TicketView:
        """This view with what a newer one of the hub says (its sealed copy aside,
        and the skipped groups unless the newer event names some)."""
        newer = {**self.as_json(), **doc, "sealed": self.sealed}
        return TicketView.from_json(newer, skipped or self.skipped)


@dataclass
class InboxItem:
    view: TicketView  # routing metadata, as the hub sent it
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
        return self.view.id

    @property
    def state(self) -> TicketState:
        return self.view.state

    @property
    def urgent(self) -> bool:
        return self.view.urgency is Urgency.URGENT

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
    def __init__(
        self,
        open_body: Callable[[dict[str, Any]], TicketBody | None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._open_body = open_body
        self._clock = clock
        self.items: dict[str, InboxItem] = {}
        self._syncing: set[str] | None = None
        # How long a closed request is remembered: as long as its ticket would
        # still pass the signed-age check (HubClient.max_ticket_age).
        self.remember_seconds = _DEFAULT_REMEMBER_SECONDS
        # Keyed digest of a closed id → when it closed (clock), oldest first.
        self._closed: OrderedDict[bytes, float] = OrderedDict()
        self._digest_key = secrets.token_bytes(32)  # this process only

    def _digest(self, ticket_id: str) -> bytes:
        return hashlib.blake2b(ticket_id.encode(), key=self._digest_key, digest_size=16).digest()

    def _remember_closed(self, ticket_id: str) -> None:
        self._forget_old()
        digest = self._digest(ticket_id)
        self._closed.pop(digest, None)
        self._closed[digest] = self._clock()
        while len(self._closed) > _CLOSED_KEPT:
            self._closed.popitem(last=False)

    def _forget_old(self) -> None:
        oldest = self._clock() - self.remember_seconds
        while self._closed and next(iter(self._closed.values())) < oldest:
            self._closed.popitem(last=False)

    def was_closed(self, ticket_id: str) -> bool:
        """This console saw the request close: served again, it is a replay.
        (Only reads, so the stream's thread may ask before decrypting.)"""
        closed_at = self._closed.get(self._digest(ticket_id))
        return closed_at is not None and closed_at >= self._clock() - self.remember_seconds

    def apply(
        self, event: dict[str, Any], body: TicketBody | None = None, *, known_only: bool = False
    ) -> tuple[str, InboxItem | None]:
        """Apply one hub event; what happened: new, updated, alert (the hub alerts
        again for a request already shown), closed, reply, synced, replayed (a
        request that closed here, served again as open) or ignored.

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
        doc = dict(event["ticket"])
        # Everything the console will render must parse; otherwise ValueError/KeyError.
        skipped = skipped_groups(event.get("skipped"))
        view = TicketView.from_json(doc, skipped)
        ticket_id = view.id
        if self._syncing is not None:
            self._syncing.add(ticket_id)
        if view.state in CLOSED_STATES:
            item = self.items.pop(ticket_id, None)
            if item is None:
                return "ignored", None
            self._remember_closed(ticket_id)  # only those shown: a hub cannot fill it
            return "closed", item
        item = self.items.get(ticket_id)
        alert = event.get("alert")
        if item is None:
            if known_only:
                return "ignored", None
            if self.was_closed(ticket_id):
                return "replayed", None  # closed here before: a hub serving it again
            if body is None and view.sealed:
                body = self._open_body(doc)
            item = InboxItem(view=view, body=body, alert=alert if isinstance(alert, str) else None)
            self.items[ticket_id] = item
            return "new", item
        item.view = item.view.updated(doc, skipped)
        if isinstance(alert, str):
            item.alert, item.acknowledged = alert, False
            return "alert", item
        return "updated", item

    def ordered(self) -> list[InboxItem]:
        """Most urgent first, then oldest first."""
        return sorted(self.items.values(), key=lambda i: (not i.urgent, i.view.created_at))

    def clear(self) -> None:
        self.items.clear()
        self._closed.clear()
