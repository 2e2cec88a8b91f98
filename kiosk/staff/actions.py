"""What staff do from the console: accept, resolve, reply, report the traveller
not found, hand over to another group, go on or off duty. Each goes to the hub
off the UI thread; its answer updates the inbox."""

from __future__ import annotations

import logging
from typing import Any

from kivy.clock import Clock

from kiosk.core.errors import HubRefused
from kiosk.core.site import Site
from kiosk.staff.console import StaffConsole
from kiosk.uikit.background import run_in_background
from kiosk.uikit.translator import tr

__all__ = ["StaffActions"]

_LOG = logging.getLogger("kiosk.staff")


class StaffActions:
    """StaffApp's part that sends staff actions to the hub."""

    def accept(self: StaffConsole, ticket_id: str) -> None:
        eta = self.settings.default_eta_minutes
        self._act(ticket_id, "accept", eta)

    def resolve(self: StaffConsole, ticket_id: str) -> None:
        self._act(ticket_id, "resolve", None)

    def not_found(self: StaffConsole, ticket_id: str) -> None:
        """Staff went and could not find the traveller: closes the request, so it
        takes a second press (within a few seconds) to confirm."""
        card = self.cards.get(ticket_id)
        if card is None:
            return
        if not card.confirming:
            card.confirming = True
            Clock.schedule_once(lambda _dt: setattr(card, "confirming", False), 5.0)
            return
        card.confirming = False
        self._act(ticket_id, "not_found", None)

    def hand_over(self: StaffConsole, ticket_id: str) -> None:
        """Offer the groups of the request's route (their devices hold a sealed copy)."""
        item = self.inbox.items.get(ticket_id)
        if item is None:
            return
        view = item.view

        def choose(site: Site) -> None:
            from kivy.factory import Factory

            route = site.route_for(view.location_id or "", view.category.value, view.urgency.value)
            groups = {g.id: g.name for g in site.groups}
            mine = self.config_device.group_id
            others = [s.group_id for s in route.steps] if route else []
            dialog = Factory.HandOverView()
            for group_id in dict.fromkeys(others):
                if group_id == mine or group_id not in groups:
                    continue
                button = Factory.TQuietButton(text=tr.bidi(groups[group_id]))
                button.bind(on_release=lambda _b, g=group_id: self._hand_to(dialog, ticket_id, g))
                dialog.ids.groups.add_widget(button)
                dialog.ids[f"group_{group_id}"] = button
            dialog.ids.release.bind(on_release=lambda _b: self._hand_to(dialog, ticket_id, None))
            dialog.open()

        run_in_background(self.client.site, choose, self._failed)

    def _hand_to(self: StaffConsole, dialog: Any, ticket_id: str, group: str | None) -> None:
        dialog.dismiss(animation=False)
        self._act(ticket_id, "hand_over", None, group=group or self.config_device.group_id)

    def toggle_duty(self: StaffConsole) -> None:
        wanted = not self.screen.duty_on

        def done(on_duty: bool) -> None:
            self.screen.message_text = ""
            self._set_duty(on_duty)

        run_in_background(lambda: self.client.set_duty(wanted), done, self._failed)

    def _set_duty(self: StaffConsole, on_duty: bool) -> None:
        self.screen.duty_on = on_duty
        self._update_alert()

    def _failed(self: StaffConsole, exc: Exception) -> None:
        if isinstance(exc, HubRefused) and exc.status == 409:
            # Translators: staff console: someone else accepted this request first.
            self.screen.message_text = tr._("A colleague has already accepted this request.")
        elif isinstance(exc, HubRefused) and exc.status == 404:
            # Translators: staff console: the request was closed meanwhile.
            self.screen.message_text = tr._("This request is already closed.")
        else:
            # Translators: staff console: the action did not reach the hub.
            self.screen.message_text = tr._("Could not reach the hub. Please try again.")

    def _act(
        self: StaffConsole, ticket_id: str, action: str, eta: int | None, group: str | None = None
    ) -> None:
        def done(view: dict[str, Any]) -> None:
            self.screen.message_text = ""
            self._apply({"type": "ticket", "ticket": view}, known_only=True)

        run_in_background(
            lambda: self.client.act(ticket_id, action, eta, group=group), done, self._failed
        )

    def open_replies(self: StaffConsole, ticket_id: str) -> None:
        """The "Reply" button: pick a phrase; it is sealed to the kiosk and sent."""
        from kiosk.staff.reply_picker import ReplyPicker

        if ticket_id in self.inbox.items:
            ReplyPicker(lambda phrase: self.reply(ticket_id, phrase)).open()

    def reply(self: StaffConsole, ticket_id: str, phrase: str) -> None:
        from kiosk.client.replies import send_reply

        item = self.inbox.items.get(ticket_id)
        if item is None:
            return
        view = item.view.as_json()
        reply_key = item.body.reply_key if item.body is not None else b""

        def done(result: dict[str, Any]) -> None:
            self.screen.message_text = ""
            sent = self.inbox.items.get(ticket_id)
            if sent is not None:
                sent.my_replies[str(result["id"])] = phrase
                sent.replies[str(result["id"])] = self.config_device.device_id
                self._render()

        def failed(exc: Exception) -> None:
            _LOG.info("event=reply.failed kind=%s", type(exc).__name__)
            if isinstance(exc, HubRefused) and exc.status == 404:
                self.screen.message_text = tr._("This request is already closed.")
            else:
                # Translators: staff console: the reply could not be sealed or sent.
                self.screen.message_text = tr._("The reply was not sent. Please try again.")

        run_in_background(lambda: send_reply(self.client, view, phrase, reply_key), done, failed)
