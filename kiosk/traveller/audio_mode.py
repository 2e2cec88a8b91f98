"""Audio mode: the keypad's focus, and the kiosk speaking by itself
(kiosk/traveller/keypad.py has the keys and the reading order).

Started by the first key press or by holding the speaker button; ended by the
app's `reset` (leaving, timing out, finishing), like the other modes. Speech
goes through `app.speaker.say(text, locale)`; when it says False (no voice
for that language) nothing more is done.
"""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.metrics import dp
from kivy.uix.modalview import ModalView
from kivy.uix.togglebutton import ToggleButton

from kiosk.i18n import load_translations, locale_info
from kiosk.traveller import keypad
from kiosk.traveller.keypad import controls_of, layer_of, texts_of
from kiosk.uikit.focus_frame import BAND, FocusFrame
from kiosk.uikit.translator import tr

__all__ = ["AudioMode"]

_SETTLE_FRAMES = 2  # a new screen or dialog is laid out before it is read
_HOLD_LANGUAGE_S = 60.0  # the start screen keeps the language being spoken


class AudioMode:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.active = False
        self.focus: Any = None
        self.frame = FocusFrame()
        self._layer: Any = None
        self._under_dialog: tuple[Any, Any] | None = None  # (screen, its focus)
        self._settle = 0
        self._follow_event: Any = None
        self._hold_event: Any = None
        self._held = False
        self._keys_down: set[int] = set()  # a held key acts once (EN 301 549 5.7)
        self.repeats_ignored = 0
        self._news: set[str] = set()
        self._news_trigger = Clock.create_trigger(self._tell_news, 0)

    def attach(self, manager: Any) -> None:
        """Listen to the keys, the speaker buttons' long press, the waiting screen."""
        Window.bind(on_key_down=self._key_down, on_key_up=self._key_up)
        for screen in manager.screens:
            for button in keypad.walk(screen):
                if type(button).__name__ == "SpeakButton":
                    button.bind(on_press=self._speaker_down, on_release=self._speaker_up)
        waiting = manager.get_screen("waiting")
        for label in ("status_heading", "status_detail"):
            waiting.ids[label].bind(text=lambda *_a: self._heard("status"))
        waiting.bind(
            reply_msgid=lambda _w, msgid: self._heard("reply", bool(msgid)),
            help_coming=lambda _w, coming: self._heard("help_coming", coming),
        )

    # -- starting and ending ------------------------------------------------------
    def start(self, instructions: bool = False) -> None:
        """Audio mode on: focus the first control, read the screen (or the help)."""
        if not self.active:
            self.active = True
            self._follow_event = Clock.schedule_interval(self._follow, 0)
        self._layer = layer_of(self.app)
        self._raise_frame()
        controls = controls_of(self._layer, self.app.is_rtl)
        self._set_focus(controls[0] if controls else None)
        if instructions:
            self.say_instructions()
        else:
            self._announce()

    def reset(self) -> None:
        """The session is over: silent again, no focus (the speaker is reset by the app)."""
        self.active = False
        if self._follow_event is not None:
            self._follow_event.cancel()
            self._follow_event = None
        self.focus = self._layer = self._under_dialog = None
        self._settle = 0
        self._news.clear()
        self.frame.hide()

    # -- keys ----------------------------------------------------------------------
    def _key_down(self, _window: Any, key: int, _scancode: Any, _text: Any, mods: Any) -> bool:
        action = keypad.action_for(key, list(mods or ()))
        if action is None or self.app.root.current in keypad.NOT_FOR_KEYPAD:
            return False
        if key in self._keys_down:
            self.repeats_ignored += 1
            return True  # the keyboard repeating a held key: one press is one step
        self._keys_down.add(key)
        self.app.inactivity.touched()  # a key is a touch: the kiosk is in use
        if not self.active:
            self.start(instructions=action == "help")  # the first key only starts
        elif action in ("up", "down"):
            self.move(-1 if action == "up" else 1)
        elif action == "select":
            self.select()
        elif action == "back":
            self.back()
        else:
            self.say_instructions()
        return True  # taken: Escape and Backspace go nowhere else

    def _key_up(self, _window: Any, key: int, *_args: Any) -> bool:
        self._keys_down.discard(key)
        return False

    def move(self, step: int) -> None:
        controls = controls_of(self._layer, self.app.is_rtl) if self._layer else []
        if not controls:
            return
        if self.focus in controls:
            index = (controls.index(self.focus) + step) % len(controls)
        else:
            index = 0 if step > 0 else len(controls) - 1
        self._set_focus(controls[index])
        text, locale = self.describe(self.focus)
        self._say(text, locale)

    def select(self) -> None:
        """What a touch on the focused control does."""
        control = self.focus
        if control is None or control not in controls_of(self._layer, self.app.is_rtl):
            self.move(1)
            return
        control.trigger_action(duration=0)
        if isinstance(control, ToggleButton) and self.focus is control and not self._settle:
            self._say(*self.describe(control))  # its new state

    def back(self) -> None:
        """The screen's own "Back", where it has one; nothing in a dialog."""
        screen = self.app.root.current_screen
        back = screen.ids.get("back")
        if self._layer is screen and back is not None and back in controls_of(screen, False):
            back.trigger_action(duration=0)

    def say_instructions(self) -> None:
        locale = self._locale()
        self._say(load_translations(locale).gettext(keypad.INSTRUCTIONS), locale)

    # -- what is said --------------------------------------------------------------
    def describe(self, control: Any) -> tuple[str, str]:
        """A control's name, role and state, and the language to say it in."""
        code = getattr(control, "language_code", "")
        if code:
            return locale_info(code).endonym, code  # each language in its own voice
        locale = self._locale()
        words = load_translations(locale).gettext
        icon = keypad.ICON_NAMES.get(type(control).__name__)
        name = words(icon) if icon else tr.logical(control.text).strip()
        if isinstance(control, ToggleButton):
            role = keypad.SWITCH_ON if control.state == "down" else keypad.SWITCH_OFF
        else:
            role = keypad.BUTTON
        return f"{name}, {words(role)}", locale

    def _announce(self) -> None:
        """The screen (or dialog) as the speaker button reads it, then the focus."""
        locale = self._locale()
        if isinstance(self._layer, ModalView):
            text = texts_of(self._layer, self.app.is_rtl)
        else:
            text = self.app.screen_texts(locale)
        focused = self.describe(self.focus)[0] if self.focus is not None else ""
        self._say("\n".join(t for t in (text, focused) if t), locale)

    def _locale(self) -> str:
        if self.app.root.current != "start":
            return str(self.app.language)
        start = self.app.root.get_screen("start")
        start.hold_language(_HOLD_LANGUAGE_S)  # the screen stays in the language heard
        return str(start.shown_language)

    def _say(self, text: str, locale: str) -> None:
        if text.strip():
            self.app.speaker.say(text, locale)

    # -- following the screens ------------------------------------------------------
    def _follow(self, _dt: float) -> None:
        """Each frame: a new screen or dialog is read once laid out; the frame follows."""
        layer = layer_of(self.app)
        if layer is not self._layer:
            if isinstance(layer, ModalView) and not isinstance(self._layer, ModalView):
                self._under_dialog = (self._layer, self.focus)
                self._raise_frame()
            self._layer, self._settle = layer, _SETTLE_FRAMES
            self._set_focus(None)
        elif self._settle:
            self._settle -= 1
            if not self._settle:
                self._arrive()
        else:
            self.frame.update()

    def _arrive(self) -> None:
        controls = controls_of(self._layer, self.app.is_rtl)
        screen, focus = self._under_dialog or (None, None)
        if self._layer is screen:  # back from a dialog: where the traveller was
            self._under_dialog = None
            if focus in controls:
                self._set_focus(focus)
                self._say(*self.describe(focus))
                return
        self._set_focus(controls[0] if controls else None)
        self._announce()

    def _set_focus(self, control: Any) -> None:
        self.focus = control
        if control is None:
            self.frame.hide()
            return
        scroller = keypad.scroller_of(control)
        if scroller is not None and scroller.do_scroll_y:
            scroller.scroll_to(control, padding=dp(2 * BAND + 6), animate=False)
        self.frame.show(control)

    def _raise_frame(self) -> None:
        """The frame above everything, a dialog that opened after it included."""
        if self.frame.parent is not None:
            Window.remove_widget(self.frame)
        Window.add_widget(self.frame)

    # -- the waiting screen ---------------------------------------------------------
    def _heard(self, news: str, worth_telling: bool = True) -> None:
        if not worth_telling:
            return
        self._news.add(news)
        self._news_trigger()

    def _tell_news(self, _dt: float) -> None:
        """A status change, a staff reply: said in audio mode; "Help is coming"
        always (more than one sense: it also chimes and shows)."""
        news, self._news = self._news, set()
        waiting = self.app.root.get_screen("waiting")
        if self.app.root.current != "waiting":
            return
        if not self.active:
            if "help_coming" in news:
                self._say(tr.logical(waiting.ids.status_heading.text), self.app.language)
            return
        if self._settle or self._layer is not waiting:
            return  # the screen is about to be read whole
        ids: list[str] = ["status_heading", "status_detail"] if news - {"reply"} else []
        ids += ["reply_heading", "reply_text"] if "reply" in news else []
        texts = (tr.logical(waiting.ids[i].text) for i in ids)
        self._say("\n".join(t for t in texts if t.strip()), self.app.language)

    # -- the speaker button's long press ------------------------------------------
    def _speaker_down(self, _button: Any) -> None:
        self._held = False
        if self._hold_event is not None:
            self._hold_event.cancel()
        self._hold_event = Clock.schedule_once(self._speaker_held, keypad.HOLD_SECONDS)

    def _speaker_held(self, _dt: float) -> None:
        self._hold_event = None
        self._held = True
        self.start()

    def _speaker_up(self, _button: Any) -> bool:
        if self._hold_event is not None:
            self._hold_event.cancel()
            self._hold_event = None
        held, self._held = self._held, False
        return held  # held: audio mode has read the screen; no second reading
