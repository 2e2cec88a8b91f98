"""The dead-peer socket options (kiosk/hub/dead_peers.py) without root: set on
a listener found among this process's sockets by its port, inherited by every
connection it accepts, and bounded by the time they promise."""

from __future__ import annotations

import asyncio
import socket

import pytest

from kiosk.hub.dead_peers import PeerTimeouts, tune_server_sockets


@pytest.mark.parametrize("dead_after", [4.0, 20.0])
def test_the_options_give_a_silent_peer_up_within_the_promised_time(dead_after: float) -> None:
    t = PeerTimeouts.within(dead_after)
    # The first unanswered send comes within `idle` of the peer's last answer;
    # the user timeout runs out at most its length later.
    assert t.idle + t.user_timeout_ms / 1000 <= dead_after
    assert t.interval * t.count >= t.user_timeout_ms / 1000  # probes last that long


def _options(sock: socket.socket) -> tuple[int, ...]:
    return (
        sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE),
        sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE),
        sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL),
        sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT),
        sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT),
    )


def test_a_listener_and_its_connections_get_the_options() -> None:
    timeouts = PeerTimeouts.within(20.0)
    expected = (1, timeouts.idle, timeouts.interval, timeouts.count, timeouts.user_timeout_ms)
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        early_client = socket.create_connection(("127.0.0.1", port))
        early, _ = listener.accept()  # accepted before the options were set
        assert asyncio.run(tune_server_sockets(port, timeouts))
        later_client = socket.create_connection(("127.0.0.1", port))
        later, _ = listener.accept()
        with early_client, early, later_client, later:
            assert _options(listener) == expected
            assert _options(early) == expected
            assert _options(later) == expected  # inherited from the listener
            assert _options(later_client)[0] == 0  # the client side is not ours
