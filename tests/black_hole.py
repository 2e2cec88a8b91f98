"""A connection on loopback that goes black: the kernel drops its packets both
ways (iptables), as a pulled cable or a power cut does. Nothing is refused or
reset; the hub's writes simply go unanswered, and only TCP's own timers can
tell. (A user-space proxy that stops forwarding cannot do this: its kernel
still acknowledges every byte and every keepalive probe.)

Needs root and iptables; `available()` says whether this machine has both.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator

__all__ = ["available", "dropped"]

_TAG = "kiosk-test-black-hole"


def _iptables(*args: str) -> bool:
    done = subprocess.run(["iptables", "-w", *args], capture_output=True, check=False, timeout=30)
    return done.returncode == 0


def available() -> bool:
    return os.geteuid() == 0 and shutil.which("iptables") is not None and _iptables("-S")


def _rules(port_a: int, port_b: int) -> list[list[str]]:
    return [
        ["INPUT", "-i", "lo", "-p", "tcp", "--sport", str(a), "--dport", str(b),
         "-m", "comment", "--comment", _TAG, "-j", "DROP"]
        for a, b in ((port_a, port_b), (port_b, port_a))
    ]  # fmt: skip


@contextlib.contextmanager
def dropped(port_a: int, port_b: int) -> Iterator[None]:
    """Every packet between loopback ports `port_a` and `port_b` dropped, until exit."""
    rules = _rules(port_a, port_b)
    added = []
    try:
        for rule in rules:
            if not _iptables("-I", *rule):
                raise RuntimeError("iptables refused a rule")
            added.append(rule)
        yield
    finally:
        for rule in added:
            _iptables("-D", *rule)
