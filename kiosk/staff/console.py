"""What the parts of the staff console use of the app they are mixed into.

StaffApp (kiosk/staff/app.py) is put together from mixins, one per concern:
ticket cards (ticket_cards.py), alerts (alerts.py), notices (notices.py) and
staff actions (actions.py). Their methods take `self` as a StaffConsole, so
each may use what the app or another part provides, and mypy checks that the
app provides it.
"""

from __future__ import annotations

from typing import Any, Protocol

from kiosk.client import DeviceConfig, HubClient
from kiosk.core.body import TicketBody
from kiosk.core.site import Site
from kiosk.staff.inbox import InboxItem, StaffInbox, TicketView
from kiosk.staff.inbox_screen import InboxScreen, TicketCard
from kiosk.staff.settings import StaffSettings

__all__ = ["StaffConsole"]


class StaffConsole(Protocol):
    settings: StaffSettings
    config_device: DeviceConfig
    client: HubClient
    inbox: StaffInbox
    cards: dict[str, TicketCard]
    alerts_played: int  # how many times a tone was played (tests read it)
    language: str
    _sounds: dict[str, Any]
    _site_warning: str  # the expired-manifest warning while it is shown

    @property
    def screen(self) -> InboxScreen: ...

    # kiosk/staff/app.py
    def _apply(
        self, event: dict[str, Any], body: TicketBody | None = None, *, known_only: bool = False
    ) -> None: ...

    # kiosk/staff/ticket_cards.py
    def _render(self) -> None: ...
    def _fill(self, card: TicketCard, item: InboxItem) -> None: ...
    def _fill_details(self, card: TicketCard, item: InboxItem) -> None: ...
    def _mine(self, view: TicketView) -> bool: ...
    def _age(self, view: TicketView) -> str: ...
    def _place(self, location_id: object, *, station: bool = True) -> str: ...
    def _skipped(self, groups: tuple[str, ...]) -> str: ...

    # kiosk/staff/alerts.py
    def _waiting(self) -> list[InboxItem]: ...
    def _update_alert(self) -> None: ...
    def _play(self, item: InboxItem) -> None: ...

    # kiosk/staff/notices.py
    def _site_notice(self, site: Site) -> None: ...

    # kiosk/staff/actions.py
    def reply(self, ticket_id: str, phrase: str) -> None: ...
    def _hand_to(self, dialog: Any, ticket_id: str, group: str | None) -> None: ...
    def _set_duty(self, on_duty: bool) -> None: ...
    def _failed(self, exc: Exception) -> None: ...
    def _act(
        self, ticket_id: str, action: str, eta: int | None, group: str | None = None
    ) -> None: ...
