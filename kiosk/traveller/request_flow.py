"""The traveller's request while it is open: in memory only, never on disk.

Kivy-free so it can be tested without a window; the app calls it from a
worker thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from kiosk.client import HubClient
from kiosk.core.body import TicketBody
from kiosk.core.categories import URGENT_BY_NATURE, Category, Urgency
from kiosk.core.errors import HubRefused, KioskError
from kiosk.core.ticket import new_ticket_id, short_code

__all__ = ["SITE_MAX_AGE_SECONDS", "TravellerRequest", "send_request"]

# The manifest a request is sealed with may be this old. The hub pushes a new
# one's arrival on the event stream, so this bounds only a missed push; a
# removed console is caught at once (the hub refuses, the kiosk seals again).
SITE_MAX_AGE_SECONDS = 300.0


@dataclass
class TravellerRequest:
    language: str
    category: Category | None = None
    urgency: Urgency | None = None
    details: tuple[str, ...] = ()  # detail phrase ids the traveller touched
    ticket_id: str = field(default_factory=new_ticket_id)
    state: str = "draft"  # draft, sending, retrying (the link is down), then the hub's states
    withdrawn: bool = False  # "I no longer need help" pressed, perhaps while still sending
    eta_minutes: int | None = None  # what the staff member who accepted expects
    reply_ids: set[str] = field(default_factory=set)  # staff replies already shown
    fallback: bool = False  # nobody answered in time: show where else to get help

    @property
    def code(self) -> str:
        return short_code(self.ticket_id)

    def body(self) -> TicketBody:
        if self.category is None:
            raise ValueError("choose a category first")
        urgency = self.urgency or Urgency.NORMAL
        if self.category in URGENT_BY_NATURE:
            urgency = Urgency.URGENT
        return TicketBody(
            category=self.category, urgency=urgency, language=self.language, details=self.details
        )


def send_request(
    client: HubClient,
    request: TravellerRequest,
    patience_seconds: float,
    on_trouble: Callable[[Exception], None] = lambda _exc: None,
) -> str:
    """Send until the hub has stored it; the hub's state. Raises the last error.

    The traveller must not wait on a bad link: after the first failed attempt
    `on_trouble` is called (the app shows where else to get help at once), and
    sending goes on in the background while the traveller is still there, i.e.
    until they withdraw or walk away (the app then marks the request withdrawn),
    at most `patience_seconds`. A link that comes back sends it with nobody
    pressing anything again.

    Retrying is safe: the ticket id is fixed, and the hub stores a ticket once.
    A refusal (4xx) is final, sending again would not change the answer, except
    429 (slowed down: wait and send again). Server failures (5xx), an
    unreachable hub, a failed TLS handshake and a manifest that does not verify
    are all retried: each may be a fault that passes.
    """
    deadline = time.monotonic() + patience_seconds
    delay = 0.5
    troubled = False
    stale_site = False
    while True:
        if request.withdrawn:
            return "cancelled"  # the traveller left before it went out: send nothing
        try:
            site = client.site(max_age=None if stale_site else SITE_MAX_AGE_SECONDS)
            result = client.submit_ticket(site, request.ticket_id, request.body())
            return str(result["state"])
        except HubRefused as exc:
            if exc.code == "bad_recipient" and not stale_site:
                # The kept manifest still lists a console the operator removed
                # (the hub's push had not arrived): fetch it and seal again, now.
                stale_site = True
                continue
            if exc.status < 500 and exc.status != 429:
                raise
            failure: Exception = exc
        except KioskError as exc:  # unreachable, TLS, or a manifest we must not trust
            failure = exc
        if time.monotonic() + delay > deadline:
            raise failure
        if not troubled:
            troubled = True
            on_trouble(failure)
        time.sleep(delay)
        delay = min(delay * 2, 4.0)
