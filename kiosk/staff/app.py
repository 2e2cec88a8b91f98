"""The staff console: an inbox of open requests, an alert that is hard to miss,
and one tap to accept or resolve. Requests live in memory only."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from babel.dates import format_timedelta
from kivy.clock import Clock
from kivy.core.audio import SoundLoader
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import NoTransition, Screen, ScreenManager

from kiosk.client import DeviceConfig, EventStream, Heartbeat, HubClient
from kiosk.client.delivery import report_delay_for, still_to_report
from kiosk.core.body import TicketBody
from kiosk.core.categories import Category, Urgency
from kiosk.core.errors import HubRefused, KioskError
from kiosk.core.phrases import DETAIL_PHRASES, REPLY_PHRASES, known_details
from kiosk.core.site import Site
from kiosk.core.ticket import TicketState
from kiosk.crypto import DeviceKeys
from kiosk.i18n import CATEGORY_TEXTS, STAFF_URGENCY_TEXTS, STATE_TEXTS, locale_info
from kiosk.i18n.bidi_text import for_rtl_label
from kiosk.resources import ASSETS_DIR
from kiosk.staff.inbox import InboxItem, StaffInbox
from kiosk.staff.key_ring import EpochPublisher, KeyRing, needed_key_ids, open_request
from kiosk.staff.settings import StaffSettings
from kiosk.uikit import pictograms  # noqa: F401  (registers Pictogram for the .kv rules)
from kiosk.uikit.background import on_ui_thread, run_in_background
from kiosk.uikit.localized_app import LocalizedApp, load_kv
from kiosk.uikit.translator import tr

__all__ = ["StaffApp", "build_staff_app"]

_LOG = logging.getLogger("kiosk.staff")
_KV = Path(__file__).with_name("kv")
_URGENT_SOUND_CATEGORIES = frozenset({Category.MEDICAL_NOW, Category.UNSAFE})
# How recently the manifest must have been confirmed newest when checking it lapsed.
_SITE_CHECK_SECONDS = 60.0


class TicketCard(BoxLayout):  # type: ignore[misc]
    ticket_id = StringProperty("")
    category = StringProperty("")  # the category's id: its pictogram
    category_text = StringProperty("")
    urgency_text = StringProperty("")
    location_text = StringProperty("")
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


class StaffApp(LocalizedApp):
    emergency_number = StringProperty("112")

    def __init__(self, settings: StaffSettings, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.settings = settings
        self.title = "Help requests"
        self.config_device = DeviceConfig.load(settings.device_dir)
        self.client = HubClient(self.config_device, DeviceKeys.load(settings.device_dir))
        self.inbox = StaffInbox(self._open_body)
        self.cards: dict[str, TicketCard] = {}
        self.alerts_played = 0  # how many times a tone was played (tests read it)
        self._sounds: dict[str, Any] = {}
        self.stream = EventStream(self.client, self._on_hub_event, self._on_connection)
        self.heartbeat = Heartbeat(self.client)
        self.key_ring = KeyRing(self.config_device.device_id, settings.epoch_seconds)
        self.epoch_publisher = EpochPublisher(self.client, self.key_ring, time.time)
        self._site_warning = ""  # the expired-manifest warning while it is shown

    # -- Kivy ----------------------------------------------------------------------
    def build(self) -> ScreenManager:
        load_kv(_KV / "inbox_screen.kv", _KV / "reply_picker.kv")
        self.apply_language(self.settings.language)
        manager = ScreenManager(transition=NoTransition())
        load_kv(_KV / "handover_dialog.kv")
        screen = InboxScreen()
        # Translators: staff console header. {device} is this console's name.
        screen.header_text = tr.f("Help requests · {device}", device=self.config_device.device_id)
        manager.add_widget(screen)
        for name in ("alert", "alert-urgent"):
            sound = SoundLoader.load(str(ASSETS_DIR / "sounds" / f"{name}.wav"))
            if sound is None:
                _LOG.warning("event=sound.unavailable name=%s", name)
            else:
                sound.volume = self.settings.volume
                self._sounds[name] = sound
        Clock.schedule_interval(self._flash, 0.5)
        Clock.schedule_interval(self._repeat_alert, self.settings.alert_repeat_seconds)
        Clock.schedule_interval(lambda _dt: self._tick(), 15.0)
        Clock.schedule_interval(
            lambda _dt: self.key_ring.sweep(time.time(), needed_key_ids(self.inbox)), 1.0
        )
        return manager

    def on_start(self) -> None:
        self.epoch_publisher.start()
        self.stream.start()
        self.heartbeat.start()

    def on_stop(self) -> None:
        self.stream.stop()
        self.heartbeat.stop()
        self.inbox.clear()
        self.epoch_publisher.stop()
        self.key_ring.destroy_all()

    @property
    def screen(self) -> InboxScreen:
        screen: InboxScreen = self.root.get_screen("inbox")
        return screen

    # -- actions -------------------------------------------------------------------
    def accept(self, ticket_id: str) -> None:
        eta = self.settings.default_eta_minutes
        self._act(ticket_id, "accept", eta)

    def resolve(self, ticket_id: str) -> None:
        self._act(ticket_id, "resolve", None)

    def open_replies(self, ticket_id: str) -> None:
        """The "Reply" button: pick a phrase; it is sealed to the kiosk and sent."""
        from kiosk.staff.reply_picker import ReplyPicker

        if ticket_id in self.inbox.items:
            ReplyPicker(lambda phrase: self.reply(ticket_id, phrase)).open()

    def reply(self, ticket_id: str, phrase: str) -> None:
        from kiosk.client.replies import send_reply

        item = self.inbox.items.get(ticket_id)
        if item is None:
            return
        view = dict(item.view)
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

    def not_found(self, ticket_id: str) -> None:
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

    def hand_over(self, ticket_id: str) -> None:
        """Offer the groups of the request's route (their devices hold a sealed copy)."""
        item = self.inbox.items.get(ticket_id)
        if item is None:
            return
        view = dict(item.view)

        def choose(site: Site) -> None:
            from kivy.factory import Factory

            route = site.route_for(view["location_id"], view["category"], view.get("urgency"))
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

    def _hand_to(self, dialog: Any, ticket_id: str, group: str | None) -> None:
        dialog.dismiss(animation=False)
        self._act(ticket_id, "hand_over", None, group=group or self.config_device.group_id)

    def toggle_duty(self) -> None:
        wanted = not self.screen.duty_on

        def done(on_duty: bool) -> None:
            self.screen.message_text = ""
            self._set_duty(on_duty)

        run_in_background(lambda: self.client.set_duty(wanted), done, self._failed)

    def _set_duty(self, on_duty: bool) -> None:
        self.screen.duty_on = on_duty
        self._update_alert()

    def acknowledge_alert(self) -> None:
        """Silence the tone on this console; the request stays open and visible."""
        for item in self.inbox.items.values():
            item.acknowledged = True
            item.alert = None
        self._update_alert()

    def _failed(self, exc: Exception) -> None:
        if isinstance(exc, HubRefused) and exc.status == 409:
            # Translators: staff console: someone else accepted this request first.
            self.screen.message_text = tr._("A colleague has already accepted this request.")
        elif isinstance(exc, HubRefused) and exc.status == 404:
            # Translators: staff console: the request was closed meanwhile.
            self.screen.message_text = tr._("This request is already closed.")
        else:
            # Translators: staff console: the action did not reach the hub.
            self.screen.message_text = tr._("Could not reach the hub. Please try again.")

    def _act(self, ticket_id: str, action: str, eta: int | None, group: str | None = None) -> None:
        def done(view: dict[str, Any]) -> None:
            self.screen.message_text = ""
            self._apply({"type": "ticket", "ticket": view}, known_only=True)

        run_in_background(
            lambda: self.client.act(ticket_id, action, eta, group=group), done, self._failed
        )

    # -- hub events (called on the stream's thread) ---------------------------------------
    def _open_body(self, view: dict[str, Any]) -> TicketBody | None:
        try:
            return open_request(self.client, self.key_ring, view).body
        except KioskError as exc:
            _LOG.warning("event=ticket.unopenable kind=%s", type(exc).__name__)
            return None

    def _on_hub_event(self, event: dict[str, Any]) -> None:
        if event.get("type") == "device":
            on_ui_thread(self._device_notice, event)
            return
        if event.get("type") == "duty":
            on_ui_thread(self._set_duty, event.get("on_duty") is not False)
            return
        ticket = event.get("ticket")
        if event.get("type") == "ticket" and isinstance(ticket, dict) and ticket.get("sealed"):
            if ticket.get("id") in self.inbox.items:
                on_ui_thread(self._apply, event)  # a snapshot repeat: opened already
                return
            if self.inbox.was_closed(str(ticket.get("id"))):
                on_ui_thread(self._apply, event)  # closed here before: not opened again
                return
            # Decrypt here, off the UI thread; the inbox keeps the result.
            on_ui_thread(self._apply, event, self._open_body(ticket))
        else:
            on_ui_thread(self._apply, event)

    def _on_connection(self, connected: bool) -> None:
        on_ui_thread(setattr, self.screen, "connected", connected)
        if connected:
            on_ui_thread(self._check_site)

    # -- UI thread ---------------------------------------------------------------------
    def _apply(
        self, event: dict[str, Any], body: TicketBody | None = None, *, known_only: bool = False
    ) -> None:
        try:
            what, item = self.inbox.apply(event, body, known_only=known_only)
        except (KeyError, ValueError, TypeError):
            # A malformed event (from a faulty or hostile hub) is dropped, not fatal.
            _LOG.warning("event=event.malformed")
            return
        if what == "replayed":
            # A request this console saw close, served again as open: a hub replaying it.
            _LOG.warning("event=ticket.replayed")
            return
        if what == "closed" and item is not None:
            self._closed_notice(item, str(event["ticket"]["state"]))
        if what == "alert" and item is not None:
            self._play(item)
        if what == "new" and item is not None:
            _LOG.info("event=ticket.shown")
            self._play(item)
            if item.body is not None:
                ticket_id = item.id
                delay = report_delay_for(
                    item.view, self.client.config.device_id, self.client.kept_site()
                )
                Clock.schedule_once(lambda _dt: self._report_delivered(ticket_id), delay)
        self._render()

    def _report_delivered(self, ticket_id: str) -> None:
        item = self.inbox.items.get(ticket_id)
        if item is None or not still_to_report(item.view.get("state")):
            return  # a colleague's console reported it first (or it closed)
        run_in_background(
            lambda: self.client.act(ticket_id, "delivered"), lambda _r: None, lambda _e: None
        )

    def _device_notice(self, event: dict[str, Any]) -> None:
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

    def _closed_notice(self, item: InboxItem, state: str) -> None:
        """Tell staff who may be on their way that a request ended without them."""
        place = self._place(item.view.get("location_id"), station=False)
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

    def _place(self, location_id: object, *, station: bool = True) -> str:
        """Where to go, from the operator-signed manifest by the location id (the one
        sealed with the request once it opened), never from labels the hub adds."""
        site = self.client.kept_site()
        location = site.location(str(location_id)) if site and location_id else None
        if location is None:
            return str(location_id or "")
        return tr.bidi(f"{location.station} · {location.label}") if station else location.label

    def _render(self) -> None:
        cards = self.screen.ids.cards
        wanted = [item.id for item in self.inbox.ordered()]
        for ticket_id in list(self.cards):
            if ticket_id not in self.inbox.items:
                cards.remove_widget(self.cards.pop(ticket_id))
        for item in self.inbox.ordered():
            card = self.cards.get(item.id)
            if card is None:
                card = self.cards[item.id] = TicketCard(ticket_id=item.id)
            self._fill(card, item)
        # Keep the on-screen order: most urgent, then oldest, first.
        cards.clear_widgets()
        for ticket_id in wanted:
            cards.add_widget(self.cards[ticket_id])
        self.screen.empty = not wanted
        self._update_alert()

    def _fill(self, card: TicketCard, item: InboxItem) -> None:
        view = item.view
        category = Category(view["category"])
        card.category_text = tr._(CATEGORY_TEXTS[category])
        card.category = category.value
        card.urgent = item.urgent
        card.urgency_text = tr._(STAFF_URGENCY_TEXTS[Urgency(view["urgency"])])
        card.location_text = self._place(view.get("location_id"))
        if item.body is None:
            # Translators: staff console: this console holds no key for the request.
            card.language_text = tr._("This console cannot open the request's details.")
        else:
            # Translators: staff console. {language} is the traveller's language,
            # named in the staff member's language.
            card.language_text = tr.f(
                "Traveller's language: {language}",
                language=_language_name(item.body.language, self.language),
            )
        self._fill_details(card, item)
        state = item.state
        mine = state is TicketState.ACCEPTED and self._mine(view)
        if state is TicketState.ACCEPTED:
            card.status_text = (
                # Translators: staff console: this staff member accepted the request.
                tr._("You accepted this request")
                if mine
                # Translators: staff console. {who} is the colleague's console that accepted.
                else tr.f("Accepted by {who}", who=view.get("accepted_by") or "")
            )
        else:
            card.status_text = tr._(STATE_TEXTS[state])
        card.accepted = state is TicketState.ACCEPTED
        card.mine = mine
        if not mine:
            card.confirming = False
        card.age_text = self._age(view)

    def _fill_details(self, card: TicketCard, item: InboxItem) -> None:
        """Detail phrases in this console's language; free text as written, in its own script."""
        body = item.body
        known, unknown = known_details(body.details) if body is not None else ((), 0)
        lines = ["• " + _logical(DETAIL_PHRASES[d]) for d in known]
        if unknown:
            # Translators: staff console: the kiosk sent details this console's version cannot show.
            note = tr._("Some details cannot be shown: update this console.")
            lines.append(tr.logical(note))
        card.details_text = tr.bidi("\n".join(lines))
        if body is not None and body.free_text:
            info = locale_info(body.language)
            # Translators: staff console, above text the traveller wrote, shown as written.
            # {language} is the traveller's language, named in the staff member's language.
            card.free_text_note = tr.f(
                "Written by the traveller ({language}):",
                language=_language_name(body.language, self.language),
            )
            card.free_text = for_rtl_label(body.free_text) if info.is_rtl else body.free_text
            card.free_text_font = info.font_regular
            card.free_text_script = info.script
            card.free_text_direction = info.direction
        else:
            card.free_text_note = card.free_text = ""
        mine = [item.my_replies[r] for r in item.replies if r in item.my_replies]
        others = [who for r, who in item.replies.items() if r not in item.my_replies]
        replies = []
        if mine:
            last = _logical(REPLY_PHRASES[mine[-1]])
            # Translators: staff console: the last short reply this staff member sent.
            # {reply} is the reply, e.g. "Please stay where you are".
            replies.append(tr.f("You replied: {reply}", reply=last))
        if others:
            # Translators: staff console. {who} is the colleague's console that sent a reply.
            replies.append(tr.f("{who} sent the traveller a reply.", who=others[-1]))
        card.reply_text = "\n".join(replies)

    def _mine(self, view: dict[str, Any]) -> bool:
        return bool(view.get("accepted_by") == self.config_device.device_id)

    def _age(self, view: dict[str, Any]) -> str:
        seconds = max(0.0, time.time() - float(view["created_at"]))
        return tr.bidi(
            format_timedelta(
                timedelta(seconds=-seconds), threshold=1.5, add_direction=True, locale=self.language
            )
        )

    def _tick(self) -> None:
        self._refresh_ages()
        self._check_site()

    def _check_site(self) -> None:
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

    def _site_notice(self, site: Site) -> None:
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

    def _refresh_ages(self) -> None:
        for item in self.inbox.items.values():
            card = self.cards.get(item.id)
            if card is not None:
                card.age_text = self._age(item.view)

    # -- alerts ------------------------------------------------------------------------
    def _waiting(self) -> list[InboxItem]:
        if not self.screen.duty_on:
            return []  # off duty: the inbox stays listed, but nothing alerts
        return [i for i in self.inbox.ordered() if i.calls_for_attention]

    def _update_alert(self) -> None:
        waiting = self._waiting()
        screen = self.screen
        screen.alerting = bool(waiting)
        if waiting:
            first = waiting[0]
            place = self._place(first.view.get("location_id"), station=False)
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

    def _play(self, item: InboxItem) -> None:
        if not self.screen.duty_on:
            return
        urgent = Category(item.view["category"]) in _URGENT_SOUND_CATEGORIES or item.urgent
        sound = self._sounds.get("alert-urgent" if urgent else "alert")
        if sound is not None:
            sound.stop()
            sound.play()
            self.alerts_played += 1

    def _repeat_alert(self, _dt: float) -> None:
        waiting = self._waiting()
        if waiting:
            self._play(waiting[0])

    def _flash(self, _dt: float) -> None:
        screen = self.screen
        screen.flash = not screen.flash if screen.alerting else False


def _logical(message: str) -> str:
    """`message` translated, in reading order (to be put into a longer text)."""
    return tr.logical(tr._(message))


def _language_name(code: str, in_language: str) -> str:
    """The traveller's language named in the staff member's; its code if Babel knows none."""
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(code).get_display_name(in_language) or code
    except (UnknownLocaleError, ValueError, TypeError):
        return code


def build_staff_app(settings: StaffSettings) -> StaffApp:
    return StaffApp(settings)
