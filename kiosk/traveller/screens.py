"""Screen classes of the kiosk app; each has its layout in kv/<name>_screen.kv."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from kivy.clock import Clock
from kivy.factory import Factory
from kivy.properties import BooleanProperty, ColorProperty, NumericProperty, StringProperty
from kivy.uix.screenmanager import Screen
from kivy.uix.widget import Widget

from kiosk.client.maintenance_pin import PinCheck
from kiosk.core.categories import URGENT_BY_NATURE, Category, Urgency
from kiosk.core.phrases import DETAIL_PHRASES
from kiosk.i18n import CATEGORY_TEXTS, N_, locale_info
from kiosk.i18n.bidi_text import for_rtl_label
from kiosk.uikit import pictograms  # noqa: F401  (registers Pictogram for the .kv rules)
from kiosk.uikit.translator import tr

__all__ = [
    "CategoryScreen",
    "ConsentScreen",
    "DetailsScreen",
    "DoneScreen",
    "HoldCorner",
    "MaintenanceScreen",
    "PinScreen",
    "SetupScreen",
    "StartScreen",
    "UrgencyScreen",
    "WaitingScreen",
]


class BaseScreen(Screen):  # type: ignore[misc]
    """A screen told when it becomes visible and when it is left.

    widgets.kv paints its ground in the theme's `background`, or in
    `calm_background` while `calm` is set.
    """

    calm = BooleanProperty(False)
    surface_color = ColorProperty((1, 1, 1, 1))

    def on_pre_enter(self, *_args: Any) -> None:
        # Before the screen's first frame (on_enter comes a frame later), so that
        # no frame shows what a screen held before it was built or cleared again:
        # the last language's category buttons in the new language's font (boxes
        # for missing glyphs), the PIN screen's last message. The switch to this
        # screen is still under way: an on_activate must not switch screens.
        self.on_activate()

    def on_leave(self, *_args: Any) -> None:
        self.on_deactivate()

    def on_activate(self) -> None:
        pass

    def on_deactivate(self) -> None:
        pass


def _in_language(code: str, message: str) -> dict[str, Any]:
    """Label properties that show `message` in language `code`, whatever the app's language."""
    info = locale_info(code)
    return {
        "text": tr.in_language(code, message),
        "font_name": info.font_bold,
        "font_script_name": info.script,
        "font_direction": info.direction,
    }


_ATTRACT_TEXTS = (
    # Translators: the attract screen's title, shown in every offered language in turn.
    ("title", N_("Need help?")),
    # Translators: the attract screen's invitation, shown in every offered language in turn.
    ("subtitle", N_("Touch your language to begin")),
    # Translators: the attract screen's promise, shown in every offered language in turn.
    ("no_camera", N_("This kiosk has no camera and no microphone.")),
    # Translators: start screen, a switch for everybody who needs it: all text twice as large.
    ("mode_large_text", N_("Larger text")),
    # Translators: start screen, a switch: white and yellow on black, for low vision.
    ("mode_high_contrast", N_("High contrast")),
    # Translators: start screen, a switch for wheelchair users: every button moves
    # to the lower part of the screen, within reach when seated.
    ("mode_low_reach", N_("Buttons lower down")),
)


class StartScreen(BaseScreen):
    """Attract screen: "Need help?" cycling through the offered languages."""

    attract_seconds = 3.0
    _languages: tuple[str, ...] = ("en",)
    _index = 0
    _event: Any = None

    def setup(self, languages: tuple[str, ...], choose: Callable[[str], None]) -> None:
        self._languages = languages
        self._index = 0
        grid = self.ids.languages
        grid.clear_widgets()
        for code in languages:
            info = locale_info(code)
            # Each language by its own name (endonym), in its own script; never a flag.
            button = Factory.LanguageButton(
                text=for_rtl_label(info.endonym) if info.is_rtl else info.endonym,
                font_name=info.font_bold,
                font_script_name=info.script,
                font_direction=info.direction,
                on_release=lambda _b, c=code: choose(c),
            )
            button.language_code = code
            grid.add_widget(button)
        self._show(0)
        self.fit_mode_switches()

    def fit_mode_switches(self, *_args: Any) -> None:
        """Side by side only where no word of a switch's label would break."""
        from kivy.app import App
        from kivy.metrics import dp

        from kiosk.traveller.mode_switches import widest_word_px

        scale = getattr(App.get_running_app(), "font_scale", 1.0)
        labels = [message for widget_id, message in _ATTRACT_TEXTS if widget_id.startswith("mode_")]
        word = widest_word_px(self._languages, labels, dp(22) * scale)
        # Each switch's text is its width less dp(8) (start_screen.kv); two gaps of dp(16).
        self.ids.modes.stack_below = 3 * (word + dp(8) + dp(4)) + 2 * dp(16)

    def on_activate(self) -> None:
        self.on_deactivate()
        self._show(0)
        self.list_to_top()
        self._event = Clock.schedule_interval(self._next, self.attract_seconds)

    def list_to_top(self, *_args: Any) -> None:
        """Show the list of languages from its start. Called after the text size
        or the layout changed too: the list's height changes, and a scroll
        position kept from before could leave it showing nothing."""
        scroller = self.ids.languages.parent
        scroller.effect_y.value = scroller.effect_y.min
        scroller.scroll_y = 1
        Clock.schedule_once(lambda _dt: _to_top_unless_touched(scroller), 0.1)

    def on_deactivate(self) -> None:
        if self._event is not None:
            self._event.cancel()
            self._event = None

    def on_touch_down(self, touch: Any) -> bool:
        # The title changes height with its language, and the list below moves
        # with it: it keeps still under a finger (and while the traveller reads).
        if self._event is not None:
            self.hold_language(self.attract_seconds * 3)
        return bool(super().on_touch_down(touch))

    def hold_language(self, seconds: float) -> None:
        """Keep the language on show for a while (while it is read aloud)."""
        self.on_deactivate()
        self._event = Clock.schedule_once(self._resume, seconds)

    def _resume(self, _dt: float) -> None:
        self._event = Clock.schedule_interval(self._next, self.attract_seconds)

    def _next(self, _dt: float) -> None:
        self._show((self._index + 1) % len(self._languages))

    @property
    def shown_language(self) -> str:
        """The language the title, invitation and switches are shown in now."""
        return self._languages[self._index]

    def _show(self, index: int) -> None:
        self._index = index
        code = self._languages[index]
        for widget_id, message in _ATTRACT_TEXTS:
            for key, value in _in_language(code, message).items():
                setattr(self.ids[widget_id], key, value)


def _to_top_unless_touched(scroller: Any) -> None:
    # A finger already on the list keeps it where it is: moved from under the
    # finger, the button it rests on would not take the press.
    if scroller._touch is None:
        scroller.scroll_y = 1


class ConsentScreen(BaseScreen):
    pass


class CategoryScreen(BaseScreen):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Texts follow the language like a .kv `tr._` text: changed when it is
        # chosen, drawn while the traveller reads the consent screen (built anew
        # on every showing instead, the screen's first frame waited 25-200 ms).
        tr.fbind("_", self._retext)

    def setup(self, choose: Callable[[Category], None]) -> None:
        self._choose = choose
        self._build()

    def _build(self) -> None:
        from kivy.factory import Factory

        grid = self.ids.categories
        grid.clear_widgets()
        for category, message in CATEGORY_TEXTS.items():
            kind = (
                "TUrgentCategoryButton" if category is Category.MEDICAL_NOW else "TCategoryButton"
            )
            button = getattr(Factory, kind)(text=tr._(message))
            button.category = category.value
            button.kind = category.value
            button.message = message
            button.bind(on_release=lambda _b, c=category: self._choose(c))
            grid.add_widget(button)

    def _retext(self, *_args: Any) -> None:
        for button in self.ids.categories.children:
            button.text = tr._(button.message)


class DetailsScreen(BaseScreen):
    """Optional details for staff, by touch: several or none; never blocks sending."""

    chosen_count = NumericProperty(0)
    continue_text = StringProperty("")

    def show_for(self, chosen: tuple[str, ...]) -> None:
        """Build the toggles in the current language, with `chosen` already down."""
        grid = self.ids.details
        grid.clear_widgets()
        for phrase_id, message in DETAIL_PHRASES.items():
            toggle = Factory.TToggle(text=tr._(message))
            toggle.phrase_id = phrase_id
            toggle.state = "down" if phrase_id in chosen else "normal"
            toggle.bind(state=lambda *_args: self._count())
            grid.add_widget(toggle)
        self._count()

    def chosen(self) -> tuple[str, ...]:
        toggles = reversed(self.ids.details.children)  # children are in reverse order
        return tuple(t.phrase_id for t in toggles if t.state == "down")

    def _count(self) -> None:
        self.chosen_count = len(self.chosen())
        self.continue_text = (
            # Translators: button on the optional details screen once a detail is chosen.
            tr._("Continue")
            if self.chosen_count
            # Translators: button on the optional details screen while no detail is chosen:
            # go on without adding details.
            else tr._("Skip")
        )


class UrgencyScreen(BaseScreen):
    def show_for(self, category: Category) -> None:
        self.ids.chosen.text = tr._(CATEGORY_TEXTS[category])
        self.ids.normal.state = "normal"
        self.ids.urgent.state = "normal"
        # Medical emergencies and feeling unsafe are urgent by nature: nobody
        # should have to answer a question first. The choice leaves the screen.
        by_nature = category in URGENT_BY_NATURE
        choice = self.ids.urgency_choice
        box = self.ids.urgent_note.parent
        if by_nature and choice.parent is not None:
            box.remove_widget(choice)
        elif not by_nature and choice.parent is None:
            box.add_widget(choice, index=box.children.index(self.ids.urgent_note) + 1)
        self.ids.urgent_note.opacity = 1 if by_nature else 0

    def chosen_urgency(self) -> Urgency | None:
        if self.ids.urgent.state == "down":
            return Urgency.URGENT
        if self.ids.normal.state == "down":
            return Urgency.NORMAL
        return None


class WaitingScreen(BaseScreen):
    failed = BooleanProperty(False)
    retrying = BooleanProperty(False)  # sending goes on by itself: no "Try again"
    help_coming = BooleanProperty(False)
    reply_msgid = StringProperty("")  # the latest staff reply, as its English msgid


class DoneScreen(BaseScreen):
    pass


class HoldCorner(Widget):  # type: ignore[misc]
    """Fires `on_hold` after a touch stays down on it for `hold_seconds`."""

    hold_seconds = 3.0
    __events__ = ("on_hold",)

    def on_touch_down(self, touch: Any) -> bool:
        if not self.collide_point(*touch.pos):
            return False
        self._pending = Clock.schedule_once(lambda _dt: self.dispatch("on_hold"), self.hold_seconds)
        touch.ud["hold_corner"] = True
        return False  # the start screen still sees the touch

    def on_touch_up(self, touch: Any) -> bool:
        pending = getattr(self, "_pending", None)
        if touch.ud.get("hold_corner") and pending is not None:
            pending.cancel()
            self._pending = None
        return False

    def on_hold(self) -> None:
        pass


Factory.register("HoldCorner", cls=HoldCorner)


class PinScreen(BaseScreen):
    """A number pad; three wrong PINs lock it for a minute (kept by
    maintenance_pin.check_pin in the device directory, so a restart does not
    end the lockout)."""

    entered = StringProperty("")
    message = StringProperty("")

    def setup(self, check: Callable[[str], PinCheck], on_success: Callable[[], None]) -> None:
        self._check = check
        self._on_success = on_success

    def on_activate(self) -> None:
        self.entered = ""
        self.message = ""

    def key(self, key: str) -> None:
        if key == "erase":
            self.entered = self.entered[:-1]
        elif key == "ok":
            pin, self.entered = self.entered, ""
            result = self._check(pin)
            if result is PinCheck.ACCEPTED:
                self._on_success()
            elif result is PinCheck.LOCKED:
                # Translators: technician screen after three wrong PINs.
                self.message = tr._("Too many wrong PINs. Try again in a minute.")
            else:
                # Translators: technician screen: the PIN entered is not right.
                self.message = tr._("Wrong PIN")
        elif len(self.entered) < 10:
            self.entered += key


class MaintenanceScreen(BaseScreen):
    status_text = StringProperty("")
    findings_text = StringProperty("")
    enrol_text = StringProperty("")
    can_enrol = BooleanProperty(False)

    def setup(
        self,
        status: Callable[[], str],
        device_dir: Path,
        enrol: Callable[[str, str, str], str] | None = None,
    ) -> None:
        self._status = status
        self._device_dir = device_dir
        self._enrol = enrol
        self.can_enrol = enrol is not None
        # Diagnostics are printed as `kiosk doctor` prints them: English, Latin font.
        self.ids.findings.font_name = locale_info("en").font_regular

    def enrol(self) -> None:
        """Enrol with what the technician typed; the device makes its keys here."""
        from kiosk.uikit.background import run_in_background

        if self._enrol is None:
            return
        hub, code, site = (
            self.ids[i].text.strip() for i in ("hub_url", "code", "site_fingerprint")
        )
        enrol = self._enrol
        # Translators: technician screen while the kiosk enrols.
        self.enrol_text = tr._("Enrolling…")
        run_in_background(
            lambda: enrol(hub, code, site),
            lambda text: setattr(self, "enrol_text", text),
            lambda exc: setattr(
                self,
                "enrol_text",
                # Translators: technician screen. {reason} is a technical message in English.
                tr.f("Enrolment failed: {reason}", reason=str(exc) or type(exc).__name__),
            ),
        )

    def on_activate(self) -> None:
        self.status_text = self._status()
        self.run_checks()

    def run_checks(self) -> None:
        from kiosk.uikit.background import run_in_background

        # Translators: technician screen while the machine checks run.
        self.findings_text = tr._("Checking…")
        from kiosk.doctor import device_check_lines

        device_dir = self._device_dir
        run_in_background(
            lambda: device_check_lines(device_dir),
            lambda lines: setattr(self, "findings_text", "\n".join(lines)),
            lambda exc: setattr(self, "findings_text", f"{type(exc).__name__}"),
        )


class SetupScreen(BaseScreen):
    """What a kiosk shows before it is enrolled: not in service, and the emergency number."""
