"""Kivy set up once in the test process, for the few tests that use its
widgets or its translator without a window of their own (the app tests run
the real app in a process of its own: tests/app_driver.py).

`prepare_kivy` must run before anything imports Kivy, and only once; test
modules are imported together at collection, so each such module calls this
before its own imports.
"""

from __future__ import annotations

import sys

from kiosk.uikit.bootstrap import prepare_kivy


def kivy_ready() -> None:
    if "kivy" not in sys.modules:
        prepare_kivy((400, 400))
