"""The kiosk app: language → consent → category → (details) → urgency → send → status
(with staff replies) → thank you.

Everything the traveller chose lives in one in-memory TravellerRequest, which
`reset()` drops; nothing is written to disk.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.metrics import Metrics
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.screenmanager import NoTransition, ScreenManager

from kiosk.client import DeviceConfig, EventStream, Heartbeat, HubClient
from kiosk.client.maintenance_pin import check_pin, has_pin
from kiosk.core.categories import URGENT_BY_NATURE, Category
from kiosk.core.errors import KioskError
from kiosk.core.phrases import reply_text, validate_details
from kiosk.crypto import DeviceKeys
from kiosk.i18n import SUPPORTED_LOCALES
from kiosk.resources import ASSETS_DIR
from kiosk.traveller.audio_mode import AudioMode
from kiosk.traveller.chimes import Chimes
from kiosk.traveller.handover import Handover, at_hub
from kiosk.traveller.inactivity import InactivityWatch
from kiosk.traveller.reach_layout import ReachLayout
from kiosk.traveller.request_flow import TravellerRequest
from kiosk.traveller.request_tracking import RequestTracking
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
from kiosk.traveller.speech_notice import say_or_show
from kiosk.traveller.station import StationFacts, station_facts
from kiosk.traveller.station_state import StationState
from kiosk.traveller.status_texts import (
    Closed,
    Status,
    maintenance_text,
    sending_status,
    state_status,
    withdrawn,
)
from kiosk.uikit.background import run_in_background
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
        self.manifest_version = 0
        self._done_event: Any = None
        self.tracking = RequestTracking(
            self.client,
            settings.send_patience_seconds,
            current=lambda: self.request,
            emergency_number=lambda: self.emergency_number,
            show_state=self._show_state,
            show_status=self._status,
            show_reply=self._show_reply,
        )
        self.stream = EventStream(self.client, self.tracking.on_event, self._on_connection)
        self.heartbeat = Heartbeat(self.client)
        self.speaker = Speaker()
        self.audio = AudioMode(self)  # keypad and audio mode (EZ Access)
        self.handover = Handover(self)  # an untouched kiosk; "Start a new request"
        self.station = StationState(self)  # the place's name, the site's times, offline
        self.inactivity = InactivityWatch(
            settings.inactivity_seconds,
            settings.warning_seconds,
            may_reset=self.handover.may_leave,
            reset=self.handover.leave,
            idle_limit=self.handover.idle_limit,
            chime=self._chime,
            locale=lambda: self.language,
        )
        self.chimes = Chimes(ASSETS_DIR / "sounds")
        self.has_speech = self.speaker.available
        self.min_target = min_target_px(settings.screen_dpi, settings.min_target_mm)
        self.volume_steps = len(VOLUME_LEVELS)
        self.volume_level = DEFAULT_LEVEL
        self.reach = ReachLayout(settings.reach_fraction, lambda: self.root, lambda: self.low_reach)

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
        Clock.schedule_interval(self.inactivity.check, 1.0)
        self.reach.attach()
        self.audio.attach(manager)
        self.station.attach(manager)
        self.bind(low_reach=lambda *_a: self.reach.place())
        self.bind(low_reach=start.list_to_top, font_scale=start.list_to_top)
        self.bind(font_scale=start.fit_mode_switches)
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
        say_or_show(self, self.speaker, self.screen_texts(locale), locale)

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
        return self.reach.active

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
        self._status(sending_status())
        self.root.get_screen("waiting").ids.code.text = tr.bidi(request.code)
        self.show("waiting")
        self.tracking.send(request)
        return None

    def cancel_request(self) -> None:
        """ "I no longer need help": withdraw at the hub, then forget everything."""
        request = self.request
        if request is None or request.state == "draft":
            return self.reset()
        # Withdraw at the hub even after a failure or while still sending: the
        # first attempt may have been stored although its answer was lost.
        request.withdrawn = True
        # The traveller is told at once; withdrawing runs in the background
        # and the hub expires the ticket anyway if it cannot be reached now.
        self.tracking.withdraw(request.ticket_id)
        self._finish(withdrawn().message)
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
        place = self.location_label or config.location_id or ""
        return maintenance_text(config, place, self.hub_connected, self.manifest_version)

    def reset(self) -> None:
        """Forget everything and show the start screen."""
        self.speaker.reset()
        self.audio.reset()  # silent again, like the other modes
        self.inactivity.close_warning()
        self.request = None  # withdrawn only by "I no longer need help" (handover.py)
        self.client.forget_reply_keys()
        if self._done_event is not None:
            self._done_event.cancel()
            self._done_event = None
        waiting = self.root.get_screen("waiting")
        waiting.failed = waiting.help_coming = waiting.retrying = waiting.at_hub = False
        waiting.reply_msgid = ""
        for label in ("status_heading", "status_detail", "code"):
            waiting.ids[label].text = ""
        self.apply_language(self.settings.languages[0])
        # Modes and volume were this traveller's: the next one starts from normal.
        self.large_text = self.high_contrast = self.low_reach = False
        self.volume_level = DEFAULT_LEVEL
        self.show("start")

    # -- what the hub says ------------------------------------------------------------
    def _show_reply(self, request: TravellerRequest, reply_id: str, phrase: str) -> None:
        if request is not self.request or reply_id in request.reply_ids:
            return
        request.reply_ids.add(reply_id)
        _LOG.info("event=reply.shown")  # never which phrase
        self.root.get_screen("waiting").reply_msgid = reply_text(phrase)

    def _on_connection(self, connected: bool) -> None:
        self.hub_connected = connected
        self.station.connection(connected)
        _LOG.info("event=hub.connection up=%s", connected)

    def _show_state(self, request: TravellerRequest) -> None:
        waiting = self.root.get_screen("waiting")
        waiting.ids.code.text = tr.bidi(request.code)
        shown = state_status(request, self.emergency_number, self.language)
        if isinstance(shown, Closed):
            self._finish(shown.message)
        elif shown is not None:
            self._status(shown)

    def _status(self, status: Status) -> None:
        waiting = self.root.get_screen("waiting")
        if status.help_coming is not None:
            waiting.help_coming = status.help_coming
        heading = status.heading
        if heading != waiting.ids.status_heading.text and waiting.ids.status_heading.text:
            # The status changed (sent, received, help coming, failed): a traveller
            # who looked away, or cannot see the screen, hears that it did.
            self._chime("status")
        waiting.ids.status_heading.text = heading
        waiting.ids.status_detail.text = status.detail
        waiting.failed = status.failed
        waiting.retrying = self.request is not None and self.request.state == "retrying"
        waiting.at_hub = at_hub(self.request)

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
        location_id = self.config_device.location_id or ""
        languages = self.settings.languages

        def apply(facts: StationFacts) -> None:
            self.emergency_number = facts.emergency_number
            self.manifest_version = facts.manifest_version
            self._offer_languages(facts.languages)
            self.station.apply(facts)  # the place's name in each language, times, help

        def failed(exc: Exception) -> None:
            if isinstance(exc, KioskError):
                _LOG.info("event=site.unavailable kind=%s", type(exc).__name__)

        run_in_background(lambda: station_facts(self.client, location_id, languages), apply, failed)

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
        self.inactivity.touched()

    def more_time(self) -> None:
        self.inactivity.more_time()

    def _chime(self, name: str = "alert") -> None:
        self.chimes.play(name)

    @property
    def sounds_played(self) -> int:  # for tests: sounds that really played
        return self.chimes.played


def build_kiosk_app(settings: TravellerSettings) -> LocalizedApp:
    """The kiosk app; before enrolment, the set-up app a technician enrols it from."""
    if not (settings.device_dir / "device.json").exists():
        from kiosk.traveller.setup_app import SetupApp

        return SetupApp(settings)
    return TravellerApp(settings)
