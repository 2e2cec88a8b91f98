"""A fault-injecting TCP proxy on loopback, between devices and a hub.

It forwards bytes both ways and, on command, delays every chunk, resets every
connection (RST, as a crashed NAT or a pulled cable does), refuses new ones,
or goes silent while keeping connections open (half-open: nothing arrives,
nothing fails). Given more than one upstream it is a load balancer that fails
over: each new connection goes to the first upstream that accepts it. It
counts the connections it accepted (`connections`).

Each connection's two sockets belong to its pump thread alone: only that thread
reads, writes and closes them. Other threads ask it to reset and wake it through
a socket pair of its own. (Closing a socket another thread is waiting on frees
its descriptor for the next connection, and the waiting thread then reads and
writes that stranger's bytes.)
"""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import threading


class _Link:
    """One proxied connection: the device's socket, the hub's, and a way in."""

    def __init__(self, device: socket.socket, hub: socket.socket) -> None:
        self.device, self.hub = device, hub
        self.woken, self._wake = socket.socketpair()
        self._wake.setblocking(False)
        self.resetting = threading.Event()
        self.done = threading.Event()
        self._lock = threading.Lock()
        self._finished = False

    def reset(self) -> None:
        self.resetting.set()
        self.nudge()

    def nudge(self) -> None:
        """Wake the pump to look at the proxy's state again."""
        with self._lock:
            if not self._finished:
                with contextlib.suppress(OSError):  # full: it is awake already
                    self._wake.send(b"\0")

    def finish(self) -> None:
        """The pump's last act: RST if reset, else an ordinary close."""
        end = _reset if self.resetting.is_set() else _close
        with self._lock:
            self._finished = True
            for sock in (self.device, self.hub):
                end(sock)
            _close(self._wake)
            _close(self.woken)
        self.done.set()


class FaultProxy:
    def __init__(self, upstream_port: int, *fallback_ports: int) -> None:
        self.upstreams = [("127.0.0.1", p) for p in (upstream_port, *fallback_ports)]
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.delay = 0.0
        self.refusing = False
        self.connections = 0
        # Set when bytes wait at the proxy because it is silent.
        self.holding = threading.Event()
        self._silent = False
        self._links: set[_Link] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._acceptor = threading.Thread(target=self._accept, daemon=True)
        self._acceptor.start()

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def silent(self) -> bool:
        return self._silent

    @silent.setter
    def silent(self, value: bool) -> None:
        if value:
            self.holding.clear()
        self._silent = value
        for link in self._current_links():
            link.nudge()

    def _current_links(self) -> list[_Link]:
        with self._lock:
            return list(self._links)

    def _accept(self) -> None:
        try:
            while True:
                try:
                    device, _ = self.listener.accept()
                except OSError:
                    return  # closed
                self.connections += 1
                if self.refusing:
                    _reset(device)
                    continue
                hub = _first_answering(self.upstreams)
                if hub is None:
                    _reset(device)
                    continue
                link = _Link(device, hub)
                with self._lock:
                    if self._closed:
                        link.reset()
                    self._links.add(link)
                threading.Thread(target=self._pump, args=(link,), daemon=True).start()
        finally:
            _close(self.listener)

    def _pump(self, link: _Link) -> None:
        peers = {link.device: link.hub, link.hub: link.device}
        try:
            while not link.resetting.is_set():
                readable, _, _ = select.select([link.woken, link.device, link.hub], [], [])
                if link.woken in readable:
                    with contextlib.suppress(BlockingIOError):
                        link.woken.recv(4096)
                    continue  # look at the proxy's state again
                if self.silent:
                    # Hold the bytes back; both ends keep waiting, and so does
                    # this thread, until the silence ends or a reset.
                    self.holding.set()
                    select.select([link.woken], [], [])
                    continue
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return  # one end closed: close the other
                    if self.delay and link.resetting.wait(self.delay):
                        return  # reset while the chunk was held back
                    peers[sock].sendall(data)
        except OSError:
            return
        finally:
            link.finish()
            with self._lock:
                self._links.discard(link)

    def hub_side_ports(self) -> list[int]:
        """The local port of each open connection's socket towards the hub."""
        ports = []
        for link in self._current_links():
            with contextlib.suppress(OSError):  # closed meanwhile
                ports.append(int(link.hub.getsockname()[1]))
        return ports

    def reset_all(self) -> None:
        """Reset every open connection; returns once each is closed."""
        links = self._current_links()
        for link in links:
            link.reset()
        for link in links:
            link.done.wait(10)

    def close(self) -> None:
        with self._lock:
            self._closed = True
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes accept(); it closes it
        self._acceptor.join(10)
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
