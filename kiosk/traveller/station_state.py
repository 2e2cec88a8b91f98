"""What the kiosk keeps of its station between refreshes of the site manifest,
and what follows from it on screen: the place's name in the traveller's
language, the kiosk's times from the site file, and the start screen's notice
while the hub cannot be reached (with the station's help point and phone,
kept in memory from the last manifest verified).
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from kivy.clock import Clock

from kiosk.i18n import locale_info
from kiosk.traveller.help_advice import HelpPlace, offline_notice
from kiosk.traveller.station import StationFacts
from kiosk.traveller.status_texts import set_help_place
from kiosk.uikit.background import on_ui_thread

__all__ = ["StationState"]

_LOG = logging.getLogger("kiosk.traveller")
# The hub's stream drops now and then and comes straight back: the notice
# waits this long before it says the kiosk is offline.
_OFFLINE_AFTER_SECONDS = 4.0


class StationState:
    def __init__(self, app: Any) -> None:  # the TravellerApp (no import cycle)
        self._app = app
        self.facts: StationFacts | None = None
        self.offline = False
        self._pending: Any = None
        self._start: Any = None  # the start screen, once built

    def attach(self, manager: Any) -> None:
        """Once the screens are built: follow the language and the start screen's title."""
        self._start = manager.get_screen("start")
        self._app.bind(language=lambda *_a: self._label())
        # The start screen's title cycles through the languages: the notice follows.
        self._start.ids.title.bind(text=lambda *_a: self.show())

    # -- the site manifest (UI thread) ----------------------------------------------
    def apply(self, facts: StationFacts) -> None:
        self.facts = facts
        set_help_place(self._help_place())
        self._label()
        self._apply_limits(facts)
        self.show()

    def _label(self) -> None:
        if self.facts is not None:
            self._app.location_label = self.facts.label_in(self._app.language)

    def _apply_limits(self, facts: StationFacts) -> None:
        """The site's times; not while "Do you need more time?" counts down (the
        next refresh brings them)."""
        app, limits = self._app, facts.limits
        if not app.settings.site_limits or app.inactivity.asking:
            return
        app.settings = dataclasses.replace(
            app.settings,
            inactivity_seconds=float(limits.inactivity_seconds),
            warning_seconds=float(limits.more_time_seconds),
            handover_seconds=float(limits.handover_seconds),
            done_seconds=float(limits.outcome_seconds),
        )
        app.inactivity.idle_seconds = app.settings.inactivity_seconds
        app.inactivity.warning_seconds = app.settings.warning_seconds

    def _help_place(self) -> HelpPlace:
        facts = self.facts
        if facts is None:
            return HelpPlace(self._app.emergency_number)
        return HelpPlace(facts.emergency_number, facts.help_point, facts.help_phone)

    # -- the connection to the hub -----------------------------------------------------
    def connection(self, connected: bool) -> None:
        """From the event stream's thread."""
        on_ui_thread(self._connection, connected)

    def _connection(self, connected: bool) -> None:
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        if not connected:
            self._pending = Clock.schedule_once(self._gone, _OFFLINE_AFTER_SECONDS)
            return
        if self.offline:
            self.offline = False
            self.show()
            self._app._refresh_site()  # what changed while the kiosk was away

    def _gone(self, _dt: float) -> None:
        self._pending = None
        if not self._app.hub_connected:
            _LOG.info("event=kiosk.offline_notice")
            self.offline = True
            self.show()

    def show(self) -> None:
        """The notice on the start screen, in the language its title is in now."""
        start = self._start
        code = start.shown_language
        info = locale_info(code)
        label = start.ids.offline
        label.font_name, label.font_script_name = info.font_bold, info.script
        label.font_direction = info.direction
        label.text = offline_notice(code, self._help_place()) if self.offline else ""
