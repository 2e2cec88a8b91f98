"""The staff console's reply picker: a dialog of reply phrases that knows nothing
of hubs or tickets; it calls back with the chosen phrase id."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.factory import Factory
from kivy.uix.modalview import ModalView

from kiosk.core.phrases import REPLY_PHRASES
from kiosk.uikit.translator import tr

__all__ = ["ReplyPicker"]


class ReplyPicker(ModalView):  # type: ignore[misc]
    def __init__(self, choose: Callable[[str], None], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._choose = choose
        for phrase_id, message in REPLY_PHRASES.items():
            button = Factory.TButton(text=tr._(message))
            button.phrase_id = phrase_id
            button.bind(on_release=lambda _b, p=phrase_id: self._chosen(p))
            self.ids.phrases.add_widget(button)

    def _chosen(self, phrase_id: str) -> None:
        self.dismiss(animation=False)
        self._choose(phrase_id)


Factory.register("ReplyPicker", cls=ReplyPicker)
