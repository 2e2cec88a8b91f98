"""Noticing devices gone without a goodbye (power cut, cable pulled: no FIN).

A device's open event stream is what tells the hub it is alive (presence.py),
so a stream to a vanished peer must end soon. Writing to it does not end it:
the keep-alive comments fit in the kernel's send buffer, and TCP retransmits
them for up to fifteen minutes (tcp_retries2) before it gives up. Two socket
options bound that:

- TCP keepalive probes an idle connection after `idle` seconds, every
  `interval` seconds;
- TCP_USER_TIMEOUT closes a connection whose sent data (a probe, a keep-alive
  comment, an event) has waited this long for an acknowledgement, and also
  overrides the probe count.

So a connection is reset at most `dead_after` seconds after its peer last
answered: the first unanswered send comes within `idle` of that, and the user
timeout runs out `dead_after - idle` later. The server then ends the stream.

granian has no option for these. On Linux a socket accepted from a listening
socket inherits its options, so they are set on granian's listener once it
exists (found among this process's descriptors), and on any connection it
accepted before that.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import stat
from dataclasses import dataclass

__all__ = ["DEFAULT_DEAD_PEER_SECONDS", "PeerTimeouts", "tune_server_sockets"]

_LOG = logging.getLogger("kiosk.hub")

# Within the offline limit (settings.py), with room to spare for the sweep.
DEFAULT_DEAD_PEER_SECONDS = 20.0
_FIND_FOR = 30.0  # seconds granian is given to open its listener
_FIND_EVERY = 0.02


@dataclass(frozen=True, slots=True)
class PeerTimeouts:
    """The socket options that give a dead peer up within `dead_after` seconds."""

    idle: int
    interval: int
    count: int
    user_timeout_ms: int

    @classmethod
    def within(cls, dead_after: float) -> PeerTimeouts:
        idle = max(1, int(dead_after / 4))
        return cls(idle, idle, 3, max(1000, int((dead_after - idle) * 1000)))

    def apply(self, sock: socket.socket) -> None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, self.idle)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, self.interval)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, self.count)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT, self.user_timeout_ms)


def _tcp_sockets_on(port: int) -> list[tuple[socket.socket, bool]]:
    """This process's TCP sockets whose local port is `port`, each a duplicate of
    the descriptor (the caller closes it), and whether it is the listener."""
    found = []
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        try:
            if not stat.S_ISSOCK(os.fstat(fd).st_mode):
                continue
            sock = socket.socket(fileno=os.dup(fd))
        except OSError:
            continue  # closed meanwhile, or not a socket Python knows
        try:
            ours = sock.type == socket.SOCK_STREAM and sock.family in (
                socket.AF_INET,
                socket.AF_INET6,
            )
            if ours and sock.getsockname()[1] == port:
                listening = bool(sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN))
                found.append((sock, listening))
                continue
        except OSError:
            pass
        sock.close()
    return found


async def tune_server_sockets(port: int, timeouts: PeerTimeouts) -> bool:
    """Set `timeouts` on the listener on `port` once granian has opened it, and on
    the connections it accepted already. False (and a warning) if none came."""
    if not os.path.isdir("/proc/self/fd"):
        _LOG.warning("event=dead_peers.unsupported")
        return False
    loop = asyncio.get_running_loop()
    deadline = loop.time() + _FIND_FOR
    while loop.time() < deadline:
        sockets = _tcp_sockets_on(port)
        try:
            if any(listening for _, listening in sockets):
                for sock, _ in sockets:
                    with contextlib.suppress(OSError):  # a connection closed meanwhile
                        timeouts.apply(sock)
                return True
        finally:
            for sock, _ in sockets:
                sock.close()
        await asyncio.sleep(_FIND_EVERY)
    _LOG.warning("event=dead_peers.no_listener port=%s", port)
    return False
