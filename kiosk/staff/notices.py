"""The staff console's notices: a request that ended without them, a kiosk gone
silent or back, and a lapsed site manifest."""

from __future__ import annotations

import logging
import time
from typing import Any

from kiosk.core.site import Site
from kiosk.core.ticket import TicketState
from kiosk.staff.console import StaffConsole
from kiosk.staff.inbox import InboxItem
from kiosk.uikit.background import run_in_background
from kiosk.uikit.translator import tr

__all__ = ["Notices"]

_LOG = logging.getLogger("kiosk.staff")
# How recently the manifest must have been confirmed newest when checking it lapsed.
_SITE_CHECK_SECONDS = 60.0


class Notices:
    """StaffApp's part that tells staff what happened without them."""

    def _device_notice(self: StaffConsole, event: dict[str, Any]) -> None:
        """A kiosk this console's group answers for went silent, or came back."""
        site = self.client.kept_site()
        kiosk = site.device(str(event.get("device_id", ""))) if site else None
        place = self._place(kiosk.location_id if kiosk else None)
        if event.get("state") == "offline":
            # Translators: staff console: a help kiosk stopped answering the hub.
            text = tr.f(
                "The help kiosk at {place} is not responding. "
                "Travellers there cannot ask for help.",
                place=place,
            )
        else:
            # Translators: staff console: a help kiosk answers the hub again.
            text = tr.f("The help kiosk at {place} is working again.", place=place)
        self.screen.message_text = text
        _LOG.info("event=device.notice state=%s", event.get("state"))

    def _closed_notice(self: StaffConsole, item: InboxItem, state: str) -> None:
        """Tell staff who may be on their way that a request ended without them."""
        place = self._place(item.view.location_id, station=False)
        if state == TicketState.EXPIRED.value:
            # Translators: staff console: an open request reached the time limit and was deleted.
            text = tr.f("The request at {place} expired without being resolved.", place=place)
        elif state == TicketState.CANCELLED.value:
            # Translators: staff console: the traveller withdrew the request.
            text = tr.f("The traveller at {place} no longer needs help.", place=place)
        elif state == TicketState.NOT_FOUND.value and not self._mine(item.view):
            # Translators: staff console: a colleague went to the place and found nobody;
            # the request is closed.
            text = tr.f("The request at {place} was closed: nobody was found there.", place=place)
        else:
            return
        self.screen.message_text = text

    def _check_site(self: StaffConsole) -> None:
        """Warn while this console's verified manifest has expired (the kiosks' has
        too: they send nothing), asking the hub for its successor meanwhile."""
        # A closed request is remembered as long as its ticket would still open.
        self.inbox.remember_seconds = self.client.max_ticket_age()
        site = self.client.kept_site()
        if site is not None and not site.expired(time.time()):
            self._site_notice(site)
            return
        run_in_background(
            lambda: self.client.site(max_age=_SITE_CHECK_SECONDS),
            self._site_notice,
            lambda exc: _LOG.info("event=manifest.check_failed kind=%s", type(exc).__name__),
        )

    def _site_notice(self: StaffConsole, site: Site) -> None:
        screen = self.screen
        if site.expired(time.time()):
            # Translators: staff console: the operator-signed site configuration lapsed;
            # kiosks show the help point and emergency number instead of sending requests.
            self._site_warning = tr._(
                "The site configuration has expired: "
                "kiosks cannot send requests until the operator renews it."
            )
            screen.message_text = self._site_warning
        elif self._site_warning and screen.message_text == self._site_warning:
            screen.message_text = self._site_warning = ""
