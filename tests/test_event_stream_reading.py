"""How a device cuts events out of its stream: whatever the connection's framing,
an event is handed on as soon as its blank line arrives, not when more bytes do."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from kiosk.client.sse import MAX_EVENT_BYTES, EventTooLarge, SseDecoder
from kiosk.core.errors import HubUnreachable
from kiosk.crypto.tls import PemPair, issue_server_certificate
from tests.conftest import Site
from tests.test_client_tls import _client_for, _serve


def test_events_are_cut_at_blank_lines_whatever_the_chunks() -> None:
    stream = b': keepalive\n\ndata: {"a": 1}\r\n\r\ndata: {"b":\ndata: 2}\nid: 7\n\n'
    for size in (1, 2, 3, 7, len(stream)):
        decoder = SseDecoder()
        got = [d for i in range(0, len(stream), size) for d in decoder.feed(stream[i : i + size])]
        assert [json.loads(d) for d in got] == [{"a": 1}, {"b": 2}], size


def test_a_stream_that_never_ends_an_event_is_refused() -> None:
    decoder = SseDecoder()
    half = b"data: " + b"x" * (MAX_EVENT_BYTES // 2) + b"\n"
    decoder.feed(half)
    decoder.feed(half)  # no blank line yet: still one event
    with pytest.raises(EventTooLarge):
        decoder.feed(b"x")  # the start of a third line, never ended


@pytest.fixture
def unchunked_stream(tmp_path: Path, site: Site) -> Iterator[tuple[int, threading.Event]]:
    """A server (the site's certificate) that streams as an HTTP/1.0 proxy would:
    no chunks, the body ending only when the connection closes. It sends one
    short event and holds the stream open until the test lets it go."""
    let_go = threading.Event()

    class _Stream(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.end_headers()
            self.wfile.write(b'data: {"type": "synced"}\n\n')
            self.wfile.flush()
            let_go.wait(30)

        def log_message(self, *_args: object) -> None:
            pass

    ca = PemPair(
        (site.layout.operator / "ca.pem").read_bytes(),
        (site.layout.operator / "ca.key").read_bytes(),
    )
    served = _serve(tmp_path, issue_server_certificate(ca, ["127.0.0.1"]), _Stream)
    try:
        yield next(served), let_go
    finally:
        let_go.set()
        served.close()


def test_an_event_arrives_while_an_unchunked_stream_stays_open(
    site: Site, unchunked_stream: tuple[int, threading.Event]
) -> None:
    port, let_go = unchunked_stream
    client = _client_for(site, port)
    got: list[dict[str, object]] = []
    arrived = threading.Event()

    def read() -> None:
        try:
            for event in client.events():
                got.append(event)
                arrived.set()
        except HubUnreachable:
            pass

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        # Reading 512 bytes at a time (requests' iter_lines) held this event
        # until the server closed the stream.
        assert arrived.wait(20), "the event waited for more bytes"
        assert got == [{"type": "synced"}]
    finally:
        let_go.set()
        reader.join(10)
        client.close()
