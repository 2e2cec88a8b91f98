"""The staff console's one screen (kv/inbox_screen.kv): the inbox, and a card
for each open request. Widgets only; the app fills them in."""

from __future__ import annotations

from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen

__all__ = ["InboxScreen", "TicketCard"]


class TicketCard(BoxLayout):  # type: ignore[misc]
    ticket_id = StringProperty("")
    category = StringProperty("")  # the category's id: its pictogram
    category_text = StringProperty("")
    urgency_text = StringProperty("")
    location_text = StringProperty("")
    skipped_text = StringProperty("")  # why it came early: groups nobody could be reached in
    language_text = StringProperty("")
    age_text = StringProperty("")
    status_text = StringProperty("")
    details_text = StringProperty("")  # the traveller's detail phrases, in the staff language
    free_text_note = StringProperty("")  # "Written by the traveller (Arabic):"
    free_text = StringProperty("")  # as the traveller wrote it, in their script
    free_text_font = StringProperty("")
    free_text_script = StringProperty("Latn")
    free_text_direction = StringProperty("ltr")
    reply_text = StringProperty("")  # replies sent to the traveller
    urgent = BooleanProperty(False)
    accepted = BooleanProperty(False)
    mine = BooleanProperty(False)  # accepted on this console: hand over, not found
    confirming = BooleanProperty(False)  # "could not find" pressed once; a second press closes


class InboxScreen(Screen):  # type: ignore[misc]
    header_text = StringProperty("")
    alert_text = StringProperty("")
    message_text = StringProperty("")
    connected = BooleanProperty(False)
    alerting = BooleanProperty(False)
    flash = BooleanProperty(False)
    empty = BooleanProperty(True)
    # Not `on_duty`: Kivy takes `on_*` names for events and never binds kv rules to them.
    duty_on = BooleanProperty(True)  # off duty: the inbox is listed, nothing alerts
    # The request nobody has yet that comes first: on a phone, "Accept" for it sits
    # at the bottom of the screen, where a thumb reaches without scrolling.
    first_unaccepted = StringProperty("")
    first_unaccepted_place = StringProperty("")
    phone = BooleanProperty(False)  # narrower than a small tablet: rows stack

    def on_size(self, *_args: object) -> None:
        from kivy.metrics import dp

        self.phone = self.width < dp(520)
