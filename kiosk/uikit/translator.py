"""An observable translator, so `.kv` text like `tr._("Send")` re-renders
when the language changes (the pattern of Electrum's and KivyMD's apps)."""

from __future__ import annotations

import gettext
from collections.abc import Callable
from typing import Any

from kivy.event import Observable

from kiosk.i18n import DEFAULT_LOCALE, load_translations, locale_info
from kiosk.i18n.bidi_text import for_rtl_label, isolate

__all__ = ["Translator", "tr"]

_TRANSLATING = frozenset({"_", "f"})


class Translator(Observable):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.code = DEFAULT_LOCALE
        self.rtl = False
        self._translations: gettext.NullTranslations = load_translations(DEFAULT_LOCALE)
        self._observers: list[tuple[Callable[..., Any], tuple[Any, ...], int]] = []
        self._next_uid = 0
        self._logical: dict[str, str] = {}  # label text as drawn -> as read

    def _(self, message: str) -> str:
        return self.bidi(self._translations.gettext(message))

    def f(self, message: str, **values: object) -> str:
        """Translate, fill in the placeholders, then prepare the direction."""
        if self.rtl:
            values = {k: isolate(str(v)) for k, v in values.items()}
        return self.bidi(self._translations.gettext(message).format(**values))

    def bidi(self, text: str) -> str:
        """Text ready for a label in the current language's direction."""
        if not self.rtl:
            return text
        shown = for_rtl_label(text)
        if shown != text:
            if len(self._logical) > 2048:
                self._logical.clear()
            self._logical[shown] = text
        return shown

    def logical(self, shown: str) -> str:
        """The reading order of a label's text (speech must not read visual order)."""
        return self._logical.get(shown, shown)

    def in_language(self, code: str, message: str) -> str:
        """`message` in another language, e.g. for the attract screen's cycling title."""
        text = load_translations(code).gettext(message)
        if not locale_info(code).is_rtl:
            return text
        shown = for_rtl_label(text)
        self._logical[shown] = text  # so speech reads it in reading order
        return shown

    def switch(self, code: str) -> None:
        self.code = code
        self.rtl = locale_info(code).is_rtl
        self._translations = load_translations(code)
        for observer in list(self._observers):
            func, largs, _uid = observer
            try:
                func(*largs, None, None)
            except ReferenceError:  # the widget that bound it is gone
                self._observers.remove(observer)

    # Kivy's kv compiler binds `tr._` and `tr.f` through these.
    def fbind(self, name: str, func: Callable[..., Any], *largs: Any, **kwargs: Any) -> int:
        if name not in _TRANSLATING:
            return int(super().fbind(name, func, *largs, **kwargs))
        self._next_uid += 1
        self._observers.append((func, largs, self._next_uid))
        return self._next_uid

    def funbind(self, name: str, func: Callable[..., Any], *largs: Any, **kwargs: Any) -> None:
        if name not in _TRANSLATING:
            super().funbind(name, func, *largs, **kwargs)
            return
        self._observers = [o for o in self._observers if (o[0], o[1]) != (func, largs)]

    def unbind_uid(self, name: str, uid: int) -> None:
        if name not in _TRANSLATING:
            super().unbind_uid(name, uid)
            return
        self._observers = [o for o in self._observers if o[2] != uid]


tr = Translator()
