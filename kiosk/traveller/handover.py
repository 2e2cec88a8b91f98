"""Room for the next traveller, without withdrawing anybody's request.

Once the hub has a request, staff answer it whether or not its traveller is
still at the kiosk: "Start a new request" on the waiting screen (or the
waiting screen left untouched for the site's `handover_seconds`, after the
"Do you need more time?" question) says that the request stays with the staff
and goes back to the start. The kiosk forgets the request (its reply keys
too, so the next traveller sees none of its replies); the hub keeps it open
until staff resolve it or it expires. Only "I no longer need help" withdraws.

A request still being sent is never left by inactivity: the kiosk keeps
sending (a traveller who collapsed must not lose it) until the hub has it,
and then it falls under the rule above; one that finally failed shows where
else to get help, and leaves after the usual inactivity time.
"""

from __future__ import annotations

import logging
from typing import Any

from kiosk.traveller.request_flow import TravellerRequest
from kiosk.uikit.translator import tr

__all__ = ["Handover", "at_hub"]

_LOG = logging.getLogger("kiosk.traveller")
_NOT_AT_HUB = frozenset({"draft", "sending", "retrying", "failed"})
# Screens where an untouched kiosk goes back to the start and forgets.
_RESETTABLE = frozenset({"consent", "category", "details", "urgency", "pin", "maintenance"})


def at_hub(request: TravellerRequest | None) -> bool:
    """Whether the hub has the request (staff answer it without this kiosk)."""
    return request is not None and not request.withdrawn and request.state not in _NOT_AT_HUB


class Handover:
    """What an untouched kiosk does on each screen, and "Start a new request"."""

    def __init__(self, app: Any) -> None:  # the TravellerApp (no import cycle)
        self._app = app

    def idle_limit(self) -> float:
        """Seconds untouched before "Do you need more time?" on the screen shown now."""
        app = self._app
        if app.root is not None and app.root.current == "waiting" and at_hub(app.request):
            return float(app.settings.handover_seconds)
        return float(app.settings.inactivity_seconds)

    def may_leave(self) -> bool:
        """Whether an untouched kiosk leaves the screen shown now: never while
        a request is being sent, nor on the start or the thank-you screen."""
        app = self._app
        request = app.request
        if app.root.current == "waiting":
            return request is not None and (request.state == "failed" or at_hub(request))
        return bool(app.root.current in _RESETTABLE)

    def leave(self) -> None:
        """Nobody answered "Do you need more time?": start anew, withdrawing nothing."""
        if at_hub(self._app.request):
            self.start_new()
        else:
            self._app.reset()

    def start_new(self) -> None:
        """Forget the request here (it stays open at the hub) and say so on the way out."""
        app = self._app
        if not at_hub(app.request):
            return
        _LOG.info("event=request.handed_over")  # never which request
        # Translators: on the last screen, after "Start a new request" (or when
        # nobody touched the kiosk for a while): the request is not withdrawn;
        # staff still have it and may still come.
        app._finish(tr._("Your request stays with the staff."))
