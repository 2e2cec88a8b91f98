"""The staff console's alert: a banner naming the place, a flash and a tone that
repeats until staff acknowledge it; nothing alerts while off duty."""

from __future__ import annotations

from kiosk.core.categories import Category
from kiosk.staff.console import StaffConsole
from kiosk.staff.inbox import InboxItem
from kiosk.uikit.translator import tr

__all__ = ["Alerts"]

_URGENT_SOUND_CATEGORIES = frozenset({Category.MEDICAL_NOW, Category.UNSAFE})


class Alerts:
    """StaffApp's part that calls for attention to waiting requests."""

    def acknowledge_alert(self: StaffConsole) -> None:
        """Silence the tone on this console; the request stays open and visible."""
        for item in self.inbox.items.values():
            item.acknowledged = True
            item.alert = None
        self._update_alert()

    def _waiting(self: StaffConsole) -> list[InboxItem]:
        if not self.screen.duty_on:
            return []  # off duty: the inbox stays listed, but nothing alerts
        return [i for i in self.inbox.ordered() if i.calls_for_attention]

    def _update_alert(self: StaffConsole) -> None:
        waiting = self._waiting()
        screen = self.screen
        unaccepted = next((i for i in self.inbox.ordered() if i.needs_someone), None)
        screen.first_unaccepted = unaccepted.id if unaccepted else ""
        screen.first_unaccepted_place = (
            self._place(unaccepted.view.location_id, station=False) if unaccepted else ""
        )
        screen.alerting = bool(waiting)
        if waiting:
            first = waiting[0]
            place = self._place(first.view.location_id, station=False)
            if first.alert == "handed_over":
                # Translators: staff alert banner: a colleague passed a request to this
                # console's group. {place} is e.g. "Platform 3, north stairs".
                screen.alert_text = tr.f("Handed over to your group: {place}", place=place)
            elif first.alert in ("reminder", "reescalated"):
                # Translators: staff alert banner: an accepted request is still not
                # resolved after a long time. {place} is e.g. "Platform 3".
                screen.alert_text = tr.f("Still open: {place}", place=place)
            else:
                # Translators: staff alert banner; names only the place.
                # {place} is e.g. "Platform 3, north stairs".
                screen.alert_text = tr.f("New help request at {place}", place=place)

    def _play(self: StaffConsole, item: InboxItem) -> None:
        if not self.screen.duty_on:
            return
        urgent = item.view.category in _URGENT_SOUND_CATEGORIES or item.urgent
        sound = self._sounds.get("alert-urgent" if urgent else "alert")
        if sound is not None:
            sound.stop()
            sound.play()
            self.alerts_played += 1

    def _repeat_alert(self: StaffConsole, _dt: float) -> None:
        waiting = self._waiting()
        if waiting:
            self._play(waiting[0])

    def _flash(self: StaffConsole, _dt: float) -> None:
        screen = self.screen
        screen.flash = not screen.flash if screen.alerting else False
