"""systemd readiness and watchdog pings (sd_notify), without a C library.

The pings are sent from Kivy's clock on the UI thread: if the interface
freezes, the pings stop and systemd restarts the app, so a kiosk is never
left showing a dead screen.
"""

from __future__ import annotations

import os
import socket

__all__ = ["notify", "start_watchdog"]


def notify(message: str) -> bool:
    """Send one sd_notify message; False when not run by systemd (no NOTIFY_SOCKET)."""
    address = os.environ.get("NOTIFY_SOCKET", "")
    if not address:
        return False
    if address.startswith("@"):  # abstract socket namespace
        address = "\0" + address[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.connect(address)
        sock.sendall(message.encode())
    return True


def start_watchdog() -> None:
    """Tell systemd we are up, then ping at half the watchdog interval from the UI loop."""
    from kivy.clock import Clock

    notify("READY=1")
    interval_usec = int(os.environ.get("WATCHDOG_USEC", "0") or 0)
    if interval_usec > 0:
        Clock.schedule_interval(lambda _dt: notify("WATCHDOG=1"), interval_usec / 2_000_000)
