"""Many paho-mqtt clients driven from one selector loop, with timers.

paho's `loop_start` runs a thread per client: at a thousand clients the
threads' wake-ups would cost this machine more than the broker they measure.
Here every client's socket sits in one selector (paho's external-loop API:
`on_socket_*` callbacks, `loop_read`, `loop_write`, `loop_misc`), and what the
simulated people do later (resolve after a hold, the next request) are timers
on the same loop, so nothing needs a lock.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import selectors
import socket
import time
from collections.abc import Callable
from typing import Any

from paho.mqtt import client as mqtt

__all__ = ["ClientLoop"]

# Every client's keepalive is checked once in this many seconds (paho sends
# PINGREQ when due), a few clients a pass: all at once would stall the loop.
_MISC_CYCLE = 2.0


class ClientLoop:
    def __init__(self) -> None:
        self._selector = selectors.DefaultSelector()
        self._timers: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()
        self._clients: list[mqtt.Client] = []
        self._to_write: set[mqtt.Client] = set()  # something queued: write after this pass
        self._armed: set[mqtt.Client] = set()  # the kernel's buffer was full: wait for it
        self._misc_at = time.monotonic()
        self._misc_cursor = 0.0

    def attach(self, client: mqtt.Client) -> None:
        """Drive this client from the loop (before its `connect`)."""
        client.on_socket_open = self._opened
        client.on_socket_close = self._closed
        client.on_socket_register_write = self._wants_write
        client.on_socket_unregister_write = self._written
        self._clients.append(client)

    def call_at(self, when: float, job: Callable[[], None]) -> None:
        heapq.heappush(self._timers, (when, next(self._order), job))

    def call_later(self, delay: float, job: Callable[[], None]) -> None:
        self.call_at(time.monotonic() + delay, job)

    def run_until(self, done: Callable[[], bool], deadline: float) -> bool:
        """Serve every client until `done()` or the monotonic `deadline`."""
        while not done():
            now = time.monotonic()
            if now >= deadline:
                return False
            self.run_once(min(deadline - now, 0.05))
        return True

    def run_once(self, timeout: float) -> None:
        if self._timers:
            timeout = max(0.0, min(timeout, self._timers[0][0] - time.monotonic()))
        for key, mask in self._selector.select(timeout if not self._to_write else 0.0):
            client = key.data
            if mask & selectors.EVENT_READ:
                self._read(client, key.fileobj)
            if mask & selectors.EVENT_WRITE:
                client.loop_write()
        now = time.monotonic()
        while self._timers and self._timers[0][0] <= now:
            heapq.heappop(self._timers)[2]()
        self._flush()
        self._misc(now)

    def _misc(self, now: float) -> None:
        clients = self._clients
        if not clients:
            return
        end = self._misc_cursor + len(clients) * (now - self._misc_at) / _MISC_CYCLE
        self._misc_at = now
        for n in range(int(self._misc_cursor), int(end)):
            clients[n % len(clients)].loop_misc()
        self._misc_cursor = end % len(clients)

    def close(self) -> None:
        for client in self._clients:
            client.disconnect()
        self.run_once(0.0)
        self._selector.close()

    # -- paho's external-loop callbacks -----------------------------------------------
    def _opened(self, client: mqtt.Client, _userdata: Any, sock: Any) -> None:
        # Small messages both ways: without this, Nagle and delayed ACKs add up to 40 ms.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._selector.register(sock, selectors.EVENT_READ, client)

    def _closed(self, client: mqtt.Client, _userdata: Any, sock: Any) -> None:
        self._to_write.discard(client)
        self._armed.discard(client)
        with contextlib.suppress(KeyError, ValueError):  # closed before it was registered
            self._selector.unregister(sock)

    def _wants_write(self, client: mqtt.Client, _userdata: Any, _sock: Any) -> None:
        self._to_write.add(client)

    def _written(self, client: mqtt.Client, _userdata: Any, sock: Any) -> None:
        self._to_write.discard(client)
        if client in self._armed:
            self._armed.discard(client)
            self._selector.modify(sock, selectors.EVENT_READ, client)

    def _read(self, client: mqtt.Client, sock: Any) -> None:
        # TLS may hold whole records already read from the kernel: the selector
        # would not wake for them, so read until the TLS layer holds none.
        while client.loop_read() == mqtt.MQTT_ERR_SUCCESS:
            if not getattr(sock, "pending", lambda: 0)() or client.socket() is not sock:
                break

    def _flush(self) -> None:
        """Write what the clients queued during this pass; wait on the selector
        only for a client whose socket would block."""
        queued, self._to_write = self._to_write, set()
        for client in queued:
            client.loop_write()
            sock = client.socket()
            if client.want_write() and sock is not None and client not in self._armed:
                self._armed.add(client)
                self._selector.modify(sock, selectors.EVENT_READ | selectors.EVENT_WRITE, client)
