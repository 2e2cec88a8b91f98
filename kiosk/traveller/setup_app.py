"""A kiosk that is not enrolled yet: it says so, shows the emergency number, and
lets a technician with the PIN enrol it from the screen.

The device generates its own keys; the technician reads the key fingerprint it
shows to the operator, who publishes it; a restart then starts the real app.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from kivy.properties import StringProperty
from kivy.uix.screenmanager import NoTransition, ScreenManager

from kiosk.client.maintenance_pin import check_pin, has_pin
from kiosk.traveller.screens import MaintenanceScreen, PinScreen, SetupScreen
from kiosk.traveller.settings import TravellerSettings
from kiosk.traveller.speech import Speaker
from kiosk.traveller.speech_notice import say_or_show
from kiosk.uikit.localized_app import LocalizedApp, load_kv
from kiosk.uikit.translator import tr

__all__ = ["SetupApp"]

_LOG = logging.getLogger("kiosk.traveller")
_KV = Path(__file__).with_name("kv")


class SetupApp(LocalizedApp):
    emergency_number = StringProperty("112")  # no site yet: the European emergency number

    def __init__(self, settings: TravellerSettings, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.settings = settings
        self.title = "Help point"
        self.request = None  # the test harness and the traveller app share this shape
        self.speaker = Speaker()
        self.has_speech = self.speaker.available

    def read_aloud(self) -> None:
        say_or_show(self, self.speaker, self.screen_texts(), self.language)

    def build(self) -> ScreenManager:
        load_kv(*(_KV / f"{name}_screen.kv" for name in ("setup", "pin", "maintenance")))
        self.apply_language(self.settings.languages[0])
        manager = ScreenManager(transition=NoTransition())
        for screen in (SetupScreen(), PinScreen(), MaintenanceScreen()):
            manager.add_widget(screen)
        manager.get_screen("setup").ids.hold_corner.bind(
            on_hold=lambda *_args: self.open_maintenance()
        )
        manager.get_screen("pin").setup(
            lambda pin: check_pin(self.settings.device_dir, pin), lambda: self.show("maintenance")
        )
        maintenance = manager.get_screen("maintenance")
        maintenance.setup(self._status, self.settings.device_dir, self._enrol)
        return manager

    def show(self, name: str) -> None:
        self.root.current = name

    def reset(self) -> None:
        self.show("setup")

    def open_maintenance(self) -> None:
        if self.root.current == "setup" and has_pin(self.settings.device_dir):
            self.show("pin")

    def _status(self) -> str:
        # Translators: technician screen on a kiosk that has no enrolment yet.
        return tr._("This kiosk is not enrolled yet.")

    def _enrol(self, hub: str, code: str, site_fingerprint: str) -> str:
        """Runs on a worker thread."""
        from kiosk.client.enrolment import enrol_with_code
        from kiosk.crypto import DeviceKeys
        from kiosk.operator.enrolment import device_fingerprint

        config = enrol_with_code(hub, code, site_fingerprint, self.settings.device_dir)
        keys = DeviceKeys.load(config.directory)
        _LOG.info("event=kiosk.enrolled")
        # Translators: technician screen after enrolling. {fingerprint} is like
        # 8C1D-77A0-12EF-4B9C-D305-6E1A-F287-40B5; the operator compares it before publishing.
        return tr.f(
            "Enrolled as {device}. Key fingerprint: {fingerprint}. Read it to the operator, "
            "then restart the kiosk app.",
            device=config.device_id,
            fingerprint=device_fingerprint(keys.sign_public, keys.hpke_public),
        )
