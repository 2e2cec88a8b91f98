"""Prepare Kivy before it is imported: nothing of a session may stay on disk.

Kivy writes `~/.kivy/config.ini` and log files by default. We point
KIVY_HOME at a private temporary directory that is removed at exit, and turn
file logging off, so the kiosk keeps nothing between sessions.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import sys
import tempfile

__all__ = ["prepare_kivy"]


def prepare_kivy(
    size: tuple[int, int] | None, *, fullscreen: bool = False, rotation: int = 0
) -> None:
    if "kivy" in sys.modules:
        raise RuntimeError("prepare_kivy() must run before kivy is imported")
    home = tempfile.mkdtemp(prefix="kiosk-kivy-")
    atexit.register(shutil.rmtree, home, True)
    os.environ["KIVY_HOME"] = home
    os.environ["KIVY_NO_FILELOG"] = "1"
    # No config.ini at all: Kivy would write a fresh one into the new home on every
    # start and warn "Older configuration version detected (0 instead of 27)".
    # Its defaults still apply; what we need is set below, in memory.
    os.environ["KIVY_NO_CONFIG"] = "1"
    os.environ["KIVY_NO_ARGS"] = "1"
    os.environ.setdefault("KIVY_LOG_MODE", "MIXED")
    # No system clipboard: nothing typed on a kiosk should outlive the screen.
    os.environ["KIVY_CLIPBOARD"] = "dummy"

    import kivy
    from kivy.config import Config

    # Nor the X cut buffer (the middle-click selection): Kivy would probe for xclip
    # and xsel, which a kiosk does not have, and log their tracebacks as CRITICAL.
    kivy.kivy_options["cutbuffer"] = ()
    logging.getLogger("kivy").addFilter(_no_cutbuffer_complaint)

    if size is not None:
        Config.set("graphics", "width", str(size[0]))
        Config.set("graphics", "height", str(size[1]))
    Config.set("graphics", "fullscreen", "auto" if fullscreen else "0")
    # Portrait kiosks on landscape panels: Kivy rotates the picture and the touches.
    Config.set("graphics", "rotation", str(rotation))
    if fullscreen:  # touch only: the technician's fields get an on-screen keyboard
        Config.set("kivy", "keyboard_mode", "dock")
    # A help point must never blank: the emergency number stays on screen.
    Config.set("graphics", "allow_screensaver", "0")
    position = os.environ.get("KIOSK_WINDOW_POSITION", "")
    if position:  # "x,y": the demo places its two windows side by side
        left, _, top = position.partition(",")
        Config.set("graphics", "position", "custom")
        Config.set("graphics", "left", left)
        Config.set("graphics", "top", top)
    Config.set("graphics", "resizable", "1")
    # A traveller must not be able to leave the app with the Escape key.
    Config.set("kivy", "exit_on_escape", "0")
    # No red multitouch dots on right-click when a mouse is attached.
    Config.set("input", "mouse", "mouse,multitouch_on_demand")

    # Our own events (kinds and opaque ids only) to stderr: the journal under systemd.
    ours = logging.getLogger("kiosk")
    if not ours.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        ours.addHandler(handler)
        ours.setLevel(logging.INFO)
        ours.propagate = False

    from kiosk.uikit.shaped_text import install_shaped_text_provider

    install_shaped_text_provider()


def _no_cutbuffer_complaint(record: logging.LogRecord) -> bool:
    """Drop Kivy's "no Cutbuffer provider" when we turned every provider off."""
    message = record.getMessage()
    return not (message.startswith("Cutbuffer: Unable to find") and message.endswith("causes\n"))
