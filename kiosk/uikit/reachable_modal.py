"""A dialog centred on the app's root widget rather than on the window.

In the low-reach layout the root (the screens) fills only the lower part of a
portrait screen, so a dialog's buttons stay within reach of a seated person.
"""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.factory import Factory
from kivy.uix.modalview import ModalView

__all__ = ["ReachableModal"]


class ReachableModal(ModalView):  # type: ignore[misc]
    def _align_center(self, *_args: Any) -> None:
        if not self._is_open:
            return
        app = App.get_running_app()
        root = app.root if app is not None else None
        if root is None:
            self.center = self._window.center
            return
        x, y = root.to_window(*root.center)
        root_top: float = root.to_window(root.x, root.top)[1]
        y = min(y, root_top - self.height / 2)  # taller than the root: keep its top in
        if tuple(self.center) != (x, y):  # setting it calls us again (bound to center)
            self.center = (x, y)


Factory.register("ReachableModal", cls=ReachableModal)
