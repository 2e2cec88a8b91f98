"""The request on screen and the hub: sending it and withdrawing it off the UI
thread, then following what the hub says of it (its state, staff replies, and
after a reconnect whether it closed meanwhile). Every result is handed to the
app on the UI thread."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from kiosk.client import HubClient
from kiosk.client.replies import open_staff_reply
from kiosk.core.errors import HubRefused, KioskError
from kiosk.core.ticket import TicketState
from kiosk.traveller.request_flow import TravellerRequest, send_request
from kiosk.traveller.status_texts import Status, trouble_status, unreachable_status
from kiosk.uikit.background import on_ui_thread, run_in_background

__all__ = ["RequestTracking"]

_LOG = logging.getLogger("kiosk.traveller")


class RequestTracking:
    """`current`: the request on screen, if any. The app is told, on the UI
    thread, `show_state(request)` when the hub's state of it changed,
    `show_status(status)` when sending is in trouble or failed, and
    `show_reply(request, reply_id, phrase)` for a staff reply opened and checked.
    """

    def __init__(
        self,
        client: HubClient,
        patience_seconds: float,
        *,
        current: Callable[[], TravellerRequest | None],
        emergency_number: Callable[[], str],
        show_state: Callable[[TravellerRequest], None],
        show_status: Callable[[Status], None],
        show_reply: Callable[[TravellerRequest, str, str], None],
    ) -> None:
        self._client = client
        self._patience = patience_seconds
        self._current = current
        self._number = emergency_number
        self._show_state = show_state
        self._show_status = show_status
        self._show_reply = show_reply
        self._snapshot_ids: set[str] = set()  # open ticket ids of the current snapshot

    # -- sending (UI thread) -------------------------------------------------------
    def send(self, request: TravellerRequest) -> None:
        """Send in the background, retrying while the traveller is there."""
        run_in_background(
            lambda: send_request(
                self._client,
                request,
                self._patience,
                lambda exc: on_ui_thread(self._trouble, request, exc),
            ),
            lambda state: self._sent(request, state),
            lambda exc: self._failed(request, exc),
        )

    def withdraw(self, ticket_id: str) -> None:
        run_in_background(
            lambda: self._client.cancel(ticket_id),
            lambda _r: None,
            lambda exc: _LOG.info("event=cancel.failed kind=%s", type(exc).__name__),
        )

    def _sent(self, request: TravellerRequest, state: str) -> None:
        if request.withdrawn and state != "cancelled":
            # Stored after the traveller had already withdrawn it: withdraw it now.
            self.withdraw(request.ticket_id)
            return
        if request is not self._current():
            return
        if request.state in ("sending", "retrying"):
            request.state = state
        self._show_state(request)

    def _trouble(self, request: TravellerRequest, exc: Exception) -> None:
        """The first attempt failed: say so at once, and where else to get help,
        while sending goes on in the background."""
        if request is not self._current() or request.withdrawn or request.state != "sending":
            return
        _LOG.warning("event=send.retrying kind=%s", type(exc).__name__)
        request.state = "retrying"
        self._show_status(trouble_status(self._number()))

    def _failed(self, request: TravellerRequest, exc: Exception) -> None:
        if request is not self._current():
            return
        _LOG.warning("event=send.failed kind=%s", type(exc).__name__)
        request.state = "failed"
        self._show_status(unreachable_status(self._number()))

    # -- the hub's events (the stream's thread) --------------------------------------
    def on_event(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "connecting":
            self._snapshot_ids = set()
            return
        if kind == "synced":
            on_ui_thread(self._after_resync, set(self._snapshot_ids))
            # The consoles' keys, checked before anyone asks for help: the
            # request itself then needs one call to the hub, not three.
            client = self._client
            run_in_background(
                lambda: client.epoch_keys(client.site()), lambda _r: None, lambda _e: None
            )
            return
        if kind == "reply":
            self._open_reply(event.get("reply"))
            return
        if kind != "ticket":
            return
        ticket = event["ticket"]
        self._snapshot_ids.add(str(ticket.get("id")))
        on_ui_thread(
            self.update,
            ticket["id"],
            ticket["state"],
            ticket.get("eta_minutes"),
            ticket.get("fallback") is True,
        )

    def _open_reply(self, view: object) -> None:
        """Open a staff reply to the request on screen."""
        request = self._current()
        if request is None or request.category is None or not isinstance(view, dict):
            return
        if view.get("ticket_id") != request.ticket_id or view.get("id") in request.reply_ids:
            return  # another request's, or one already shown (a snapshot repeats it)
        try:
            body = open_staff_reply(self._client, view, request.ticket_id, request.category.value)
        except KioskError as exc:
            _LOG.warning("event=reply.unopenable kind=%s", type(exc).__name__)
            return
        on_ui_thread(self._show_reply, request, str(view["id"]), body.phrase)

    # -- UI thread -----------------------------------------------------------------
    def update(
        self, ticket_id: str, state: str, eta_minutes: int | None, fallback: bool = False
    ) -> None:
        """The hub's news of a ticket: shown if it is the request on screen."""
        request = self._current()
        if request is None or request.ticket_id != ticket_id or request.state == "failed":
            return  # not the request on screen (a previous traveller's, or none)
        request.state = state
        request.eta_minutes = eta_minutes
        request.fallback = fallback
        self._show_state(request)

    def _after_resync(self, open_ids: set[str]) -> None:
        """After a reconnect: if our open request is not among the hub's open
        tickets, it closed while we were away; ask once, then finish."""
        request = self._current()
        if request is None or request.state in ("draft", "sending", "retrying", "failed"):
            return  # not at the hub (yet): its absence from the snapshot says nothing
        if request.ticket_id in open_ids:
            return
        ticket_id = request.ticket_id

        def closed(exc: Exception) -> None:
            if isinstance(exc, HubRefused) and exc.status == 404:
                self.update(ticket_id, TicketState.RESOLVED.value, None)

        run_in_background(
            lambda: self._client.ticket(ticket_id),
            lambda view: self.update(
                ticket_id, str(view["state"]), view.get("eta_minutes"), view.get("fallback") is True
            ),
            closed,
        )
