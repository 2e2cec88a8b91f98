"""Every help category has its pictogram, and each one draws at any size."""

from __future__ import annotations

import pytest

from kiosk.core.categories import Category
from tests.kivy_in_process import kivy_ready

pytestmark = pytest.mark.usefixtures("display")


def test_every_category_has_a_pictogram_that_draws_at_every_size() -> None:
    kivy_ready()
    from kiosk.uikit.pictograms import KINDS, Pictogram

    assert set(KINDS) == {c.value for c in Category}
    for kind in KINDS:
        for side in (1, 44, 96, 300):
            picture = Pictogram(kind=kind, size=(side, side), pos=(10, 10))
            assert len(picture.canvas.children) > 4, f"{kind} drew nothing at {side} px"
