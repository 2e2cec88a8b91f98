"""The staff console: an inbox of open requests, an alert that is hard to miss,
and one tap to accept or resolve. Requests live in memory only."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from kivy.clock import Clock
from kivy.core.audio import SoundLoader
from kivy.properties import StringProperty
from kivy.uix.screenmanager import NoTransition, ScreenManager

from kiosk.client import DeviceConfig, EventStream, Heartbeat, HubClient
from kiosk.client.delivery import report_delay_for, still_to_report
from kiosk.core.body import TicketBody
from kiosk.core.errors import KioskError
from kiosk.crypto import DeviceKeys
from kiosk.resources import ASSETS_DIR
from kiosk.staff.actions import StaffActions
from kiosk.staff.alerts import Alerts
from kiosk.staff.inbox import StaffInbox
from kiosk.staff.inbox_screen import InboxScreen, TicketCard
from kiosk.staff.key_ring import EpochPublisher, KeyRing, needed_key_ids, open_request
from kiosk.staff.notices import Notices
from kiosk.staff.settings import StaffSettings
from kiosk.staff.ticket_cards import TicketCards
from kiosk.uikit import pictograms  # noqa: F401  (registers Pictogram for the .kv rules)
from kiosk.uikit.background import on_ui_thread, run_in_background
from kiosk.uikit.localized_app import LocalizedApp, load_kv
from kiosk.uikit.translator import tr

__all__ = ["InboxScreen", "StaffApp", "TicketCard", "build_staff_app"]

_LOG = logging.getLogger("kiosk.staff")
_KV = Path(__file__).with_name("kv")


class StaffApp(TicketCards, Alerts, Notices, StaffActions, LocalizedApp):
    """The console: the inbox and the hub's event stream here; its cards, alerts,
    notices and staff actions in the mixins named after them (kiosk/staff/console.py)."""

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
                    item.view.as_json(),
                    self.client.config.device_id,
                    self.client.kept_site(),
                    time.time(),
                )
                Clock.schedule_once(lambda _dt: self._report_delivered(ticket_id), delay)
        self._render()

    def _report_delivered(self, ticket_id: str) -> None:
        item = self.inbox.items.get(ticket_id)
        if item is None or not still_to_report(item.view.state.value):
            return  # a colleague's console reported it first (or it closed)
        run_in_background(
            lambda: self.client.act(ticket_id, "delivered"), lambda _r: None, lambda _e: None
        )

    def _tick(self) -> None:
        self._refresh_ages()
        self._check_site()


def build_staff_app(settings: StaffSettings) -> StaffApp:
    return StaffApp(settings)
