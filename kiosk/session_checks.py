"""`kiosk doctor --ui`: can this machine run the kiosk session (kiosk-traveller.service)?

Each missing piece is named with the command that fixes it. The session is
cage (a Wayland kiosk compositor) running the traveller app as the `kiosk`
user. The app reaches cage through Xwayland: the SDL2 inside Kivy's wheel has
no Wayland video driver (only X11, KMSDRM and offscreen), and Debian's cage
package does not pull Xwayland in, so without it cage exits at once with
"Cannot find Xwayland binary".
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
from collections.abc import Iterator
from pathlib import Path

__all__ = ["check_session"]

# (check, status, message), as kiosk.doctor.Finding takes them: ok, warn or fail.
Result = tuple[str, str, str]

SESSION_USER = "kiosk"
# logind's seats (PAMName=login in the unit gives the session tty1's seat) or seatd.
SEAT_MANAGERS = (Path("/run/systemd/seats/seat0"), Path("/run/seatd.sock"))
PLAYBACK_DEVICES = "/dev/snd/pcmC*D*p"


def check_session() -> Iterator[Result]:
    yield from _programs()
    yield _user()
    yield _seat()
    runtime = _runtime_dir()
    if runtime is not None:
        yield runtime
    yield _sound()


def _programs() -> Iterator[Result]:
    if shutil.which("cage") is None:
        yield (
            "session",
            "fail",
            "cage (the kiosk compositor) is not installed: sudo apt-get install cage xwayland",
        )
    else:
        yield ("session", "ok", "cage is installed")
    if shutil.which("Xwayland") is None:
        yield (
            "xwayland",
            "fail",
            "Xwayland is not installed, so cage cannot start the kiosk app and the screen "
            "stays dark: sudo apt-get install xwayland",
        )
    else:
        yield ("xwayland", "ok", "Xwayland is installed (the app draws through it)")


def _user() -> Result:
    try:
        pwd.getpwnam(SESSION_USER)
    except KeyError:
        return (
            "user",
            "fail",
            f"there is no `{SESSION_USER}` user to run the session: sudo useradd --system "
            f"--home-dir /var/lib/kiosk --create-home --shell /usr/sbin/nologin {SESSION_USER}",
        )
    return ("user", "ok", f"the `{SESSION_USER}` user exists")


def _seat() -> Result:
    if any(path.exists() for path in SEAT_MANAGERS):
        return ("seat", "ok", "a seat manager gives the session the screen and touch")
    return (
        "seat",
        "fail",
        "no seat manager (systemd-logind's seat0, or seatd), so cage cannot open the "
        "screen and touch: sudo apt-get install libpam-systemd, then reboot",
    )


def _runtime_dir() -> Result | None:
    """Inside the session only: logind made XDG_RUNTIME_DIR for the kiosk user."""
    if not (os.environ.get("WAYLAND_DISPLAY") or os.environ.get("DISPLAY")):
        return None  # a technician's shell: the session's own directory is not ours
    value = os.environ.get("XDG_RUNTIME_DIR", "")
    path = Path(value) if value else None
    if path is None or not path.is_dir() or path.stat().st_uid != os.getuid():
        return (
            "runtime",
            "fail",
            f"XDG_RUNTIME_DIR ({value or 'unset'}) is not this user's: start the kiosk from "
            "kiosk-traveller.service (its PAMName=login session creates it)",
        )
    return ("runtime", "ok", f"XDG_RUNTIME_DIR {value} belongs to this user")


def _sound() -> Result:
    if glob.glob(PLAYBACK_DEVICES):
        return ("sound", "ok", "a sound output device is present for chimes and speech")
    return (
        "sound",
        "warn",
        "no sound output device: travellers will hear no chime and no speech; connect the "
        "speaker, or on a Raspberry Pi enable audio with sudo raspi-config (System Options, "
        "Audio)",
    )
