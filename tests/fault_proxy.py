"""A fault-injecting TCP proxy on loopback, between devices and a hub.

It forwards bytes both ways and, on command, delays every chunk, resets every
connection (RST, as a crashed NAT or a pulled cable does), refuses new ones,
or goes silent while keeping connections open (half-open: nothing arrives,
nothing fails). Given more than one upstream it is a load balancer that fails
over: each new connection goes to the first upstream that accepts it.
"""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import threading
import time


class FaultProxy:
    def __init__(self, upstream_port: int, *fallback_ports: int) -> None:
        self.upstreams = [("127.0.0.1", p) for p in (upstream_port, *fallback_ports)]
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.delay = 0.0
        self.refusing = False
        self.silent = False
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.refusing:
                _reset(client)
                continue
            server = _first_answering(self.upstreams)
            if server is None:
                _reset(client)
                continue
            with self._lock:
                self._sockets |= {client, server}
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()

    def _pump(self, a: socket.socket, b: socket.socket) -> None:
        peers = {a: b, b: a}
        try:
            while not self._closed:
                readable, _, _ = select.select([a, b], [], [], 0.2)
                if self.silent:
                    continue  # hold the bytes back; both ends keep waiting
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    if self.delay:
                        time.sleep(self.delay)
                    peers[sock].sendall(data)
        except OSError:
            return
        finally:
            for sock in (a, b):
                _close(sock)
            with self._lock:
                self._sockets -= {a, b}

    def reset_all(self) -> None:
        with self._lock:
            sockets = list(self._sockets)
            self._sockets.clear()
        for sock in sockets:
            _reset(sock)

    def close(self) -> None:
        self._closed = True
        _close(self.listener)
        self.reset_all()


def _first_answering(upstreams: list[tuple[str, int]]) -> socket.socket | None:
    for upstream in upstreams:
        try:
            return socket.create_connection(upstream, timeout=5)
        except OSError:
            continue
    return None


def _reset(sock: socket.socket) -> None:
    """Close with RST instead of FIN: the peer sees 'connection reset'."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    _close(sock)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.close()
