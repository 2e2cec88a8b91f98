"""Devices trust the site's CA and nothing else, for every connection they open.

The client builds its TLS context once (kiosk/client/tls.py) instead of letting
requests load a CA file per connection; these tests make sure that shortcut
still refuses a server the site's CA did not vouch for.
"""

from __future__ import annotations

import dataclasses
import json
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from kiosk.client import HubClient
from kiosk.core.errors import HubRefused, HubUnreachable
from kiosk.crypto import DeviceKeys
from kiosk.crypto.tls import PemPair, create_site_ca, issue_server_certificate
from tests.conftest import HubProcess, Site, replace_hub_url
from tests.fault_proxy import FaultProxy


class _Answer(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", "0")))
        body = json.dumps({"ok": True, "offline_after": 25}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


def _serve(
    tmp_path: Path, pair: PemPair, handler: type[BaseHTTPRequestHandler] = _Answer
) -> Iterator[int]:
    (tmp_path / "cert.pem").write_bytes(pair.certificate)
    (tmp_path / "key.pem").write_bytes(pair.private_key)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def impostor(tmp_path: Path) -> Iterator[int]:
    """A server whose certificate another CA issued, for the right address."""
    other_ca = create_site_ca("impostor")
    yield from _serve(tmp_path, issue_server_certificate(other_ca, ["127.0.0.1", "localhost"]))


@pytest.fixture
def wrong_name(tmp_path: Path, site: Site) -> Iterator[int]:
    """A server with a certificate from the site's own CA, but for another host."""
    ca = PemPair(
        (site.layout.operator / "ca.pem").read_bytes(),
        (site.layout.operator / "ca.key").read_bytes(),
    )
    yield from _serve(tmp_path, issue_server_certificate(ca, ["hub.elsewhere.example"]))


def _client_for(site: Site, port: int) -> HubClient:
    config = dataclasses.replace(site.kiosk, hub_url=f"https://127.0.0.1:{port}")
    return HubClient(config, DeviceKeys.load(site.kiosk.directory))


def test_a_server_certified_by_another_ca_is_refused(site: Site, impostor: int) -> None:
    client = _client_for(site, impostor)
    try:
        for _ in range(2):  # the first connection and a fresh one after it
            with pytest.raises(HubUnreachable, match="SSLError"):
                client.heartbeat("test")
    finally:
        client.close()


def test_a_certificate_for_another_host_name_is_refused(site: Site, wrong_name: int) -> None:
    client = _client_for(site, wrong_name)
    try:
        with pytest.raises(HubUnreachable, match="SSLError"):
            client.heartbeat("test")
    finally:
        client.close()


def test_the_site_hub_is_trusted_over_one_kept_connection(site: Site, hub: HubProcess) -> None:
    counting = FaultProxy(site.port)  # in front of the hub: counts the connections made
    client = site.client(replace_hub_url(site.kiosk, counting.url))
    try:
        for _ in range(3):
            client.heartbeat("test")
        assert counting.connections == 1
    finally:
        client.close()
        counting.close()


class _Counter(BaseHTTPRequestHandler):
    """Plain HTTP: where a redirect points. Counts what reaches it."""

    seen: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        self.seen.append(self.path)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


def test_a_redirect_is_refused_not_followed(site: Site, tmp_path: Path) -> None:
    """A signed call sent on to wherever a redirect points (here plain HTTP) could
    be read and replayed to the hub: the device refuses it and sends nothing there."""
    elsewhere = ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    threading.Thread(target=elsewhere.serve_forever, daemon=True).start()
    target = f"http://127.0.0.1:{elsewhere.server_address[1]}/v1/heartbeat"

    class _Redirect(_Answer):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", "0")))
            self.send_response(307)  # 307 keeps the method and the body
            self.send_header("location", target)
            self.send_header("content-length", "0")
            self.end_headers()

    ca = PemPair(
        (site.layout.operator / "ca.pem").read_bytes(),
        (site.layout.operator / "ca.key").read_bytes(),
    )
    served = _serve(tmp_path, issue_server_certificate(ca, ["127.0.0.1"]), _Redirect)
    client = _client_for(site, next(served))
    try:
        with pytest.raises(HubRefused) as refused:
            client.heartbeat("test")
        assert (refused.value.status, refused.value.code) == (307, "redirect")
        assert _Counter.seen == []
    finally:
        client.close()
        served.close()
        elsewhere.shutdown()
        elsewhere.server_close()
