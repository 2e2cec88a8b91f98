"""The kiosk app: language → consent → category → (details) → urgency → send → status
(with staff replies) → thank you.

Everything the traveller chose lives in one in-memory TravellerRequest, which
`reset()` drops; nothing is written to disk.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from babel.dates import format_timedelta
from babel.numbers import format_decimal
from kivy.clock import Clock
from kivy.core.audio import SoundLoader
from kivy.core.window import Window
from kivy.metrics import Metrics
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.screenmanager import NoTransition, ScreenManager

from kiosk.client import DeviceConfig, EventStream, Heartbeat, HubClient
from kiosk.client.maintenance_pin import check_pin, has_pin
from kiosk.client.replies import open_staff_reply
from kiosk.core.categories import URGENT_BY_NATURE, Category
from kiosk.core.errors import HubRefused, KioskError
from kiosk.core.phrases import reply_text, validate_details
from kiosk.core.ticket import TicketState
from kiosk.crypto import DeviceKeys
from kiosk.i18n import SUPPORTED_LOCALES
from kiosk.i18n.signoff import offered_languages, signed_off_languages
from kiosk.resources import ASSETS_DIR
from kiosk.traveller.request_flow import TravellerRequest, send_request
from kiosk.traveller.screens import (
    CategoryScreen,
    ConsentScreen,
    DetailsScreen,
    DoneScreen,
    MaintenanceScreen,
    PinScreen,
    StartScreen,
    UrgencyScreen,
    WaitingScreen,
)
from kiosk.traveller.settings import TravellerSettings
from kiosk.traveller.speech import DEFAULT_LEVEL, VOLUME_LEVELS, Speaker
from kiosk.uikit.background import on_ui_thread, run_in_background
from kiosk.uikit.localized_app import LocalizedApp, load_kv
from kiosk.uikit.theme import HIGH_CONTRAST, NORMAL, min_target_px
from kiosk.uikit.translator import tr

__all__ = ["TravellerApp", "build_kiosk_app"]

_LOG = logging.getLogger("kiosk.traveller")
_KV = Path(__file__).with_name("kv")
_SCREENS = (
    "start",
    "consent",
    "category",
    "details",
    "urgency",
    "waiting",
    "done",
    "pin",
    "maintenance",
)
# Screens where an untouched kiosk goes back to the start and forgets.
_RESETTABLE = frozenset({"consent", "category", "details", "urgency", "pin", "maintenance"})


class TravellerApp(LocalizedApp):
    emergency_number = StringProperty("112")
    location_label = StringProperty("")
    # The accessibility modes, switched on the start screen and reset with
    # every session (like the language); the .kv rules follow them through
    # the font scale, `palette` and the root's place on the window.
    large_text = BooleanProperty(False)
    high_contrast = BooleanProperty(False)
    low_reach = BooleanProperty(False)
    font_scale = NumericProperty(1.0)  # every sp size is multiplied by it

    def __init__(self, settings: TravellerSettings, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.settings = settings
        self.title = "Help point"
        self.config_device = DeviceConfig.load(settings.device_dir)
        self.client = HubClient(self.config_device, DeviceKeys.load(settings.device_dir))
        self.request: TravellerRequest | None = None
        self.hub_connected = False
        self._snapshot_ids: set[str] = set()  # open ticket ids of the current snapshot
        self.manifest_version = 0
        self._last_touch = time.monotonic()
        self._done_event: Any = None
        self.stream = EventStream(self.client, self._on_hub_event, self._on_connection)
        self.heartbeat = Heartbeat(self.client)
        self.speaker = Speaker()
        self._warning: Any = None
        self._sounds: dict[str, Any] = {}
        self.sounds_played = 0  # for tests: every sound the kiosk made
        self.has_speech = self.speaker.available
        self.min_target = min_target_px(settings.screen_dpi, settings.min_target_mm)
        self.volume_steps = len(VOLUME_LEVELS)
        self.volume_level = DEFAULT_LEVEL
        self._reach_panel: Any = None

    # -- Kivy --------------------------------------------------------------------
    def build(self) -> ScreenManager:
        load_kv(
            *(_KV / f"{name}_screen.kv" for name in _SCREENS),
            _KV / "still_there.kv",
            _KV / "reach_panel.kv",
        )
        self.apply_language(self.settings.languages[0])
        manager = ScreenManager(transition=NoTransition())
        for screen in (
            StartScreen(),
            ConsentScreen(),
            CategoryScreen(),
            DetailsScreen(),
            UrgencyScreen(),
            WaitingScreen(),
            DoneScreen(),
            PinScreen(),
            MaintenanceScreen(),
        ):
            manager.add_widget(screen)
        start = manager.get_screen("start")
        start.attract_seconds = self.settings.attract_seconds
        start.setup(self.settings.languages, self.choose_language)
        manager.get_screen("category").setup(self.choose_category)
        start.ids.hold_corner.bind(on_hold=lambda *_args: self.open_maintenance())
        manager.get_screen("pin").setup(
            lambda pin: check_pin(self.settings.device_dir, pin), lambda: self.show("maintenance")
        )
        maintenance = manager.get_screen("maintenance")
        maintenance.setup(self._maintenance_status, self.settings.device_dir)
        Window.bind(on_touch_down=self._touched)
        Clock.schedule_interval(self._check_inactivity, 1.0)
        from kivy.factory import Factory

        self._reach_panel = Factory.ReachPanel()
        Window.add_widget(self._reach_panel)
        Window.bind(size=lambda *_a: self._place_root())
        self.bind(low_reach=lambda *_a: self._place_root())
        self.bind(low_reach=start.list_to_top, font_scale=start.list_to_top)
        Clock.schedule_once(lambda _dt: self._place_root(), 0)
        return manager

    def on_start(self) -> None:
        self.stream.start()
        self.heartbeat.start()
        self._refresh_site()
        manager = self.root
        manager.get_screen("start").on_activate()

    def on_stop(self) -> None:
        self.stream.stop()
        self.heartbeat.stop()
        self.request = None
        self.client.forget_reply_keys()

    # -- navigation ----------------------------------------------------------------
    def show(self, name: str) -> None:
        self.speaker.stop()  # never read out a screen that is gone
        self.root.current = name

    def read_aloud(self) -> None:
        """The speaker button: this screen, in the language it is shown in (the
        start screen: the language its title is in at that moment)."""
        self._touched()
        locale = self.language
        if self.root.current == "start":
            start = self.root.get_screen("start")
            start.hold_language(30.0)  # the screen stays in the language being read
            locale = start.shown_language
        self.speaker.say(self.screen_texts(locale), locale)

    def change_volume(self, steps: int) -> None:
        """Quieter/louder beside the speaker; reads the screen at the new volume."""
        level = min(max(self.volume_level + steps, 0), len(VOLUME_LEVELS) - 1)
        self.volume_level = level
        self.speaker.amplitude = VOLUME_LEVELS[level]
        self.read_aloud()

    # -- accessibility modes --------------------------------------------------------
    def on_large_text(self, _app: Any, large: bool) -> None:
        self.font_scale = self.settings.large_text_scale if large else 1.0

    def on_font_scale(self, _app: Any, scale: float) -> None:
        # Every font size is in sp: one scale enlarges all text, on every screen.
        Metrics.fontscale = scale

    def on_high_contrast(self, _app: Any, high: bool) -> None:
        self.palette = HIGH_CONTRAST if high else NORMAL

    @property
    def low_reach_active(self) -> bool:
        """Low reach moves controls down on a portrait screen; landscape is low already."""
        return bool(self.low_reach) and Window.height > Window.width

    def _place_root(self) -> None:
        """In low reach, the screens fill only the lower part of the window;
        above them a panel shows the emergency number, with nothing to press."""
        manager = self.root
        if manager is None or self._reach_panel is None:
            return
        share = self.settings.reach_fraction if self.low_reach_active else 1.0
        manager.size_hint = (1, share)
        manager.pos_hint = {"x": 0, "y": 0}
        self._reach_panel.size_hint = (1, 1 - share)
        self._reach_panel.pos_hint = {"x": 0, "top": 1}
        self._reach_panel.opacity = 1 if share < 1 else 0
        Window.update_childsize([manager, self._reach_panel])

    def choose_language(self, code: str) -> None:
        self.apply_language(code)
        self.request = TravellerRequest(language=code)
        self._refresh_site()
        self.show("consent")

    def agree(self) -> None:
        self.show("category")

    def choose_category(self, category: Category) -> None:
        if self.request is None:
            return self.reset()
        self.request.category = category
        self.root.get_screen("urgency").show_for(category)
        if category in URGENT_BY_NATURE:
            # Nothing stands between an emergency and "Send for help": no details step.
            self.request.details = ()
            self.show("urgency")
            return None
        self.root.get_screen("details").show_for(self.request.details)
        self.show("details")
        return None

    def continue_details(self) -> None:
        """ "Continue" or "Skip" on the details screen: both go on to sending."""
        if self.request is None:
            return self.reset()
        self.request.details = validate_details(self.root.get_screen("details").chosen())
        self.show("urgency")
        return None

    def send(self) -> None:
        request = self.request
        if request is None or request.category is None:
            return self.reset()
        if request.state == "sending":
            return None  # a second press while sending sends nothing more
        request.urgency = self.root.get_screen("urgency").chosen_urgency()
        request.state = "sending"
        # Translators: status while the request is being sent.
        self._status(tr._("Sending your request…"), "", failed=False)
        self.root.get_screen("waiting").ids.code.text = tr.bidi(request.code)
        self.show("waiting")
        run_in_background(
            lambda: send_request(
                self.client,
                request,
                self.settings.send_patience_seconds,
                lambda exc: on_ui_thread(self._send_trouble, request, exc),
            ),
            lambda state: self._sent(request, state),
            lambda exc: self._send_failed(request, exc),
        )
        return None

    def cancel_request(self) -> None:
        """ "I no longer need help": withdraw at the hub, then forget everything."""
        request = self.request
        if request is None or request.state == "draft":
            return self.reset()
        # Withdraw at the hub even after a failure or while still sending: the
        # first attempt may have been stored although its answer was lost.
        request.withdrawn = True
        ticket_id = request.ticket_id
        # The traveller is told at once; withdrawing runs in the background
        # and the hub expires the ticket anyway if it cannot be reached now.
        run_in_background(
            lambda: self.client.cancel(ticket_id),
            lambda _r: None,
            lambda exc: _LOG.info("event=cancel.failed kind=%s", type(exc).__name__),
        )
        # Translators: last screen after the traveller withdrew the request.
        self._finish(tr._("Your request has been withdrawn."))
        return None

    def open_maintenance(self) -> None:
        """The technician's way in: only on the start screen, only with a PIN set."""
        if self.root.current != "start" or self.request is not None:
            return
        if not has_pin(self.settings.device_dir):
            _LOG.info("event=maintenance.no_pin")
            return
        self.show("pin")

    def _maintenance_status(self) -> str:
        config = self.config_device
        # Translators: technician screen. {device} is the kiosk's id, {place} its location.
        lines = [
            tr.f(
                "This kiosk: {device} at {place}",
                device=config.device_id,
                place=self.location_label or config.location_id or "",
            )
        ]
        lines.append(
            # Translators: technician screen. {url} is the hub's address.
            tr.f("Hub: {url}", url=config.hub_url)
            + " · "
            + (tr._("Connected") if self.hub_connected else tr._("Reconnecting…"))
        )
        if self.manifest_version:
            # Translators: technician screen. {version} is a number.
            lines.append(tr.f("Site manifest version {version}", version=self.manifest_version))
        return "\n".join(lines)

    def reset(self) -> None:
        """Forget everything and show the start screen."""
        self.speaker.reset()
        self._close_warning()
        abandoned = self.request
        if abandoned is not None and abandoned.state in ("sending", "retrying"):
            # Nobody is there any more: stop sending, and withdraw at the hub in
            # case an attempt was stored although its answer never came.
            abandoned.withdrawn = True
            run_in_background(
                lambda: self.client.cancel(abandoned.ticket_id),
                lambda _r: None,
                lambda exc: _LOG.info("event=cancel.failed kind=%s", type(exc).__name__),
            )
        self.request = None
        self.client.forget_reply_keys()
        if self._done_event is not None:
            self._done_event.cancel()
            self._done_event = None
        waiting = self.root.get_screen("waiting")
        waiting.failed = waiting.help_coming = waiting.retrying = False
        waiting.reply_msgid = ""
        for label in ("status_heading", "status_detail", "code"):
            waiting.ids[label].text = ""
        self.apply_language(self.settings.languages[0])
        # Modes and volume were this traveller's: the next one starts from normal.
        self.large_text = self.high_contrast = self.low_reach = False
        self.volume_level = DEFAULT_LEVEL
        self.show("start")

    # -- hub events --------------------------------------------------------------
    def _sent(self, request: TravellerRequest, state: str) -> None:
        if request.withdrawn and state != "cancelled":
            # Stored after the traveller had already withdrawn it: withdraw it now.
            run_in_background(
                lambda: self.client.cancel(request.ticket_id),
                lambda _r: None,
                lambda exc: _LOG.info("event=cancel.failed kind=%s", type(exc).__name__),
            )
            return
        if request is not self.request:
            return
        if request.state in ("sending", "retrying"):
            request.state = state
        self._show_state(request)

    def _send_trouble(self, request: TravellerRequest, exc: Exception) -> None:
        """The first attempt failed: say so at once, and where else to get help,
        while sending goes on in the background."""
        if request is not self.request or request.withdrawn or request.state != "sending":
            return
        _LOG.warning("event=send.retrying kind=%s", type(exc).__name__)
        request.state = "retrying"
        self._status(
            tr._("We could not reach the staff"),
            tr.f(
                "Please call {number} in an emergency, or go to the ticket office "
                "or any member of staff.",
                number=self.emergency_number,
            )
            + "\n"
            # Translators: under the advice to call or find staff, while the kiosk
            # keeps trying to send the request in the background.
            + tr._(
                "We keep trying to send your request. If it goes through, you will see it here."
            ),
            failed=True,
        )

    def _send_failed(self, request: TravellerRequest, exc: Exception) -> None:
        if request is not self.request:
            return
        _LOG.warning("event=send.failed kind=%s", type(exc).__name__)
        request.state = "failed"
        self._status(
            # Translators: heading when the request could not be sent.
            tr._("We could not reach the staff"),
            # Translators: advice when the request could not be sent.
            # {number} is the emergency number.
            tr.f(
                "Please call {number} in an emergency, or go to the ticket office "
                "or any member of staff.",
                number=self.emergency_number,
            ),
            failed=True,
        )

    def _on_hub_event(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "connecting":
            self._snapshot_ids = set()
            return
        if kind == "synced":
            on_ui_thread(self._after_resync, set(self._snapshot_ids))
            # The consoles' keys, checked before anyone asks for help: the
            # request itself then needs one call to the hub, not three.
            client = self.client
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
            self._apply_ticket_update,
            ticket["id"],
            ticket["state"],
            ticket.get("eta_minutes"),
            ticket.get("fallback") is True,
        )

    def _open_reply(self, view: object) -> None:
        """On the stream's thread: open a staff reply to the request on screen."""
        request = self.request
        if request is None or request.category is None or not isinstance(view, dict):
            return
        if view.get("ticket_id") != request.ticket_id or view.get("id") in request.reply_ids:
            return  # another request's, or one already shown (a snapshot repeats it)
        try:
            body = open_staff_reply(self.client, view, request.ticket_id, request.category.value)
        except KioskError as exc:
            _LOG.warning("event=reply.unopenable kind=%s", type(exc).__name__)
            return
        on_ui_thread(self._show_reply, request, str(view["id"]), body.phrase)

    def _show_reply(self, request: TravellerRequest, reply_id: str, phrase: str) -> None:
        if request is not self.request or reply_id in request.reply_ids:
            return
        request.reply_ids.add(reply_id)
        _LOG.info("event=reply.shown")  # never which phrase
        self.root.get_screen("waiting").reply_msgid = reply_text(phrase)

    def _on_connection(self, connected: bool) -> None:
        self.hub_connected = connected
        _LOG.info("event=hub.connection up=%s", connected)

    def _after_resync(self, open_ids: set[str]) -> None:
        """After a reconnect: if our open request is not among the hub's open
        tickets, it closed while we were away; ask once, then finish."""
        request = self.request
        if request is None or request.state in ("draft", "sending", "retrying", "failed"):
            return  # not at the hub (yet): its absence from the snapshot says nothing
        if request.ticket_id in open_ids:
            return
        ticket_id = request.ticket_id

        def closed(exc: Exception) -> None:
            if isinstance(exc, HubRefused) and exc.status == 404:
                self._apply_ticket_update(ticket_id, TicketState.RESOLVED.value, None)

        run_in_background(
            lambda: self.client._json("GET", f"/v1/tickets/{ticket_id}"),
            lambda view: self._apply_ticket_update(
                ticket_id, str(view["state"]), view.get("eta_minutes"), view.get("fallback") is True
            ),
            closed,
        )

    def _apply_ticket_update(
        self, ticket_id: str, state: str, eta_minutes: int | None, fallback: bool = False
    ) -> None:
        request = self.request
        if request is None or request.ticket_id != ticket_id or request.state == "failed":
            return  # not the request on screen (a previous traveller's, or none)
        request.state = state
        request.eta_minutes = eta_minutes
        request.fallback = fallback
        self._show_state(request)

    def _show_state(self, request: TravellerRequest) -> None:
        state = request.state
        waiting = self.root.get_screen("waiting")
        waiting.ids.code.text = tr.bidi(request.code)
        if state in (TicketState.SUBMITTED, TicketState.DELIVERED) and request.fallback:
            # Nobody answered within the route's last step: the same advice as when
            # the hub cannot be reached, while the request stays open for staff.
            waiting.help_coming = False
            self._status(
                # Translators: heading when no member of staff has answered in time.
                tr._("No member of staff has answered yet"),
                tr.f(
                    "Please call {number} in an emergency, or go to the ticket office "
                    "or any member of staff.",
                    number=self.emergency_number,
                )
                + "\n"
                # Translators: under the advice to call or find staff: the request is not lost.
                + tr._("Your request stays open: staff may still come."),
                failed=False,
            )
        elif state in (TicketState.SUBMITTED, TicketState.DELIVERED):
            # Also after a hand-over: seen by staff again, no longer "on the way".
            waiting.help_coming = False
            seen = state == TicketState.DELIVERED
            self._status(
                # Translators: status: the request reached the station staff's devices.
                tr._("Staff have received your request")
                if seen
                # Translators: status: the request is stored at the hub, on its way to staff.
                else tr._("Your request has been sent"),
                # Translators: status detail while waiting for a staff member to accept.
                tr._("Please stay here if you can. A member of staff will answer soon."),
                failed=False,
            )
        elif state == TicketState.ACCEPTED:
            waiting.help_coming = True
            # Translators: status detail once a staff member is on the way.
            detail = tr._("A member of staff is on the way to you. Please stay here.")
            if request.eta_minutes:
                # Translators: after "on the way". {duration} is formatted for the
                # language, e.g. "5 minutes", "5 دقائق", "5分钟".
                detail += "\n" + tr.f(
                    "Expected in about {duration}.", duration=self._duration(request.eta_minutes)
                )
            # Translators: status: a staff member accepted and is coming to the kiosk.
            self._status(tr._("Help is coming"), detail, failed=False)
        elif state == TicketState.RESOLVED:
            # Translators: last screen after staff resolved the request.
            self._finish(tr._("We hope you are well. Have a good journey."))
        elif state in (TicketState.CANCELLED, TicketState.EXPIRED):
            self._finish(tr._("Your request has been withdrawn."))
        elif state == TicketState.NOT_FOUND:
            self._finish(
                # Translators: last screen when staff came to the kiosk but the traveller
                # was not there (the request is closed).
                tr._(
                    "A member of staff came but could not find you. "
                    "If you still need help, you can ask again."
                )
            )

    def _duration(self, minutes: int) -> str:
        """ "5 minutes" in the traveller's language, plural rules and all (CLDR via Babel)."""
        return format_timedelta(
            timedelta(minutes=minutes), granularity="minute", threshold=10, locale=self.language
        )

    def _status(self, heading: str, detail: str, *, failed: bool) -> None:
        waiting = self.root.get_screen("waiting")
        if heading != waiting.ids.status_heading.text and waiting.ids.status_heading.text:
            # The status changed (sent, received, help coming, failed): a traveller
            # who looked away, or cannot see the screen, hears that it did.
            self._chime("status")
        waiting.ids.status_heading.text = heading
        waiting.ids.status_detail.text = detail
        waiting.failed = failed
        waiting.retrying = self.request is not None and self.request.state == "retrying"

    def _finish(self, message: str) -> None:
        self.request = None  # forget now; the thank-you screen holds no request data
        self.client.forget_reply_keys()  # its replies can never be opened again
        done = self.root.get_screen("done")
        done.ids.message.text = message
        self.show("done")
        self._chime("status")
        if self._done_event is not None:
            self._done_event.cancel()
        self._done_event = Clock.schedule_once(lambda _dt: self.reset(), self.settings.done_seconds)

    # -- site and inactivity ---------------------------------------------------------
    def _refresh_site(self) -> None:
        def fetch() -> tuple[str, str, int, tuple[str, ...]]:
            site = self.client.site()
            location_id = self.config_device.location_id or ""
            location = site.location(location_id)
            number = site.emergency_number_at(location_id)
            label = location.label if location else ""
            offered = site.languages_at(location_id)
            if site.require_signed_off_languages:  # reads the catalogs: off the UI thread
                signed_off = signed_off_languages(SUPPORTED_LOCALES)
                offered = offered_languages(
                    offered or self.settings.languages, SUPPORTED_LOCALES, signed_off
                )
            return number, label, site.version, offered

        def apply(result: tuple[str, str, int, tuple[str, ...]]) -> None:
            self.emergency_number, self.location_label, self.manifest_version, offered = result
            self._offer_languages(offered)

        def failed(exc: Exception) -> None:
            if isinstance(exc, KioskError):
                _LOG.info("event=site.unavailable kind=%s", type(exc).__name__)

        run_in_background(fetch, apply, failed)

    def _offer_languages(self, languages: tuple[str, ...]) -> None:
        """The station's languages from the site file, its default first."""
        languages = tuple(c for c in languages if c in SUPPORTED_LOCALES)  # only what we ship
        if not languages or languages == self.settings.languages:
            return
        self.settings = dataclasses.replace(self.settings, languages=languages)
        self.root.get_screen("start").setup(languages, self.choose_language)
        if self.root.current == "start" and self.request is None:
            self.apply_language(languages[0])

    def _touched(self, *_args: Any) -> None:
        self._last_touch = time.monotonic()

    def _check_inactivity(self, _dt: float) -> None:
        idle = time.monotonic() - self._last_touch
        current = self.root.current
        # A request the hub does not have yet: whoever needed it may have left.
        failed = self.request is not None and self.request.state in ("failed", "retrying")
        if not (current in _RESETTABLE or failed) or idle <= self.settings.inactivity_seconds:
            self._close_warning()
            return
        left = self.settings.inactivity_seconds + self.settings.warning_seconds - idle
        if left <= 0:
            _LOG.info("event=kiosk.inactivity_reset")
            self._close_warning()
            self.reset()
            return
        if self._warning is None:
            from kivy.factory import Factory

            self._warning = Factory.StillThereView()
            self._warning.open()
            self._chime()  # more than one sense: the screen and a sound
        # Translators: under "Do you need more time?". {seconds} counts down.
        self._warning.ids.countdown.text = tr.f(
            "This screen will go back to the start in {seconds} seconds.",
            seconds=format_decimal(int(left + 0.5), locale=self.language),
        )

    def more_time(self) -> None:
        self._touched()
        self._close_warning()

    def _close_warning(self) -> None:
        if self._warning is not None:
            self._warning.dismiss(animation=False)
            self._warning = None

    def _chime(self, name: str = "alert") -> None:
        """A sound beside what the screen shows (EAA Annex I: more than one sense)."""
        self.sounds_played += 1
        if name not in self._sounds:
            self._sounds[name] = SoundLoader.load(str(ASSETS_DIR / "sounds" / f"{name}.wav"))
        sound = self._sounds[name]
        if sound is not None:
            sound.volume = 0.6
            sound.play()


def build_kiosk_app(settings: TravellerSettings) -> LocalizedApp:
    """The kiosk app; before enrolment, the set-up app a technician enrols it from."""
    if not (settings.device_dir / "device.json").exists():
        from kiosk.traveller.setup_app import SetupApp

        return SetupApp(settings)
    return TravellerApp(settings)
