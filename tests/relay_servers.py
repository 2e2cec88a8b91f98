"""Real servers for the alert relays' tests, on 127.0.0.1 with a test CA:
an HTTPS webhook receiver that checks the HMAC, aiosmtpd with STARTTLS
required, and Mosquitto (Debian's) with a TLS listener."""

from __future__ import annotations

import getpass
import hashlib
import hmac
import json
import shutil
import socket
import ssl
import subprocess
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from kiosk.crypto import create_site_ca, issue_server_certificate
from tests.conftest import free_port
from tests.waiting import wait_until

__all__ = ["Certs", "MqttBroker", "SmtpServer", "WebhookReceiver", "make_certs"]


@dataclass(frozen=True)
class Certs:
    ca: Path  # what the hub trusts (relay-ca.pem)
    cert: Path
    key: Path
    stranger_cert: Path  # issued by another CA: the hub must refuse it
    stranger_key: Path

    def context(self, *, stranger: bool = False) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        if stranger:
            context.load_cert_chain(self.stranger_cert, self.stranger_key)
        else:
            context.load_cert_chain(self.cert, self.key)
        return context


def make_certs(directory: Path) -> Certs:
    directory.mkdir(parents=True, exist_ok=True)
    ca, other = create_site_ca("Relay test"), create_site_ca("Stranger")
    mine = issue_server_certificate(ca, ["127.0.0.1", "localhost"])
    theirs = issue_server_certificate(other, ["127.0.0.1", "localhost"])
    paths = {
        "ca.pem": ca.certificate,
        "server.pem": mine.certificate,
        "server.key": mine.private_key,
        "stranger.pem": theirs.certificate,
        "stranger.key": theirs.private_key,
    }
    for name, data in paths.items():
        (directory / name).write_bytes(data)
    d = directory
    return Certs(
        d / "ca.pem", d / "server.pem", d / "server.key", d / "stranger.pem", d / "stranger.key"
    )


@dataclass
class WebhookReceiver:
    """Answers `statuses` in turn (then 200), `delay` seconds late; keeps every
    delivery it answered 2xx, with a bad signature counted apart."""

    certs: Certs
    key: bytes
    port: int = field(default_factory=free_port)
    statuses: list[int] = field(default_factory=list)
    delay: float = 0.0
    stranger: bool = False
    received: list[dict[str, Any]] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)
    bad_signatures: int = 0
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}/hooks/kiosk"

    def keys(self) -> list[str]:
        return [str(d["idempotency_key"]) for d in self.received]

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                stamp = self.headers.get("Kiosk-Timestamp", "")
                mac = hmac.new(receiver.key, stamp.encode() + b"." + body, hashlib.sha256)
                if self.headers.get("Kiosk-Signature") != "sha256=" + mac.hexdigest():
                    receiver.bad_signatures += 1
                    self.send_response(401)
                    self.end_headers()
                    return
                threading.Event().wait(receiver.delay)  # a slow receiver
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                if status < 300:
                    receiver.bodies.append(body)
                    receiver.received.append(
                        {**json.loads(body), "idempotency_key": self.headers["Idempotency-Key"]}
                    )
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        server.socket = self.certs.context(stranger=self.stranger).wrap_socket(
            server.socket, server_side=True
        )
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


class SmtpServer:
    """aiosmtpd on a free port, STARTTLS required before MAIL."""

    def __init__(
        self, certs: Certs, *, starttls: bool = True, login: tuple[str, str] | None = None
    ) -> None:
        """`starttls` False: a server that offers none (the relay must refuse it);
        `login`: AUTH required, with this user name and password."""
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword

        self.port = free_port()
        self.messages: list[bytes] = []
        server = self

        class Handler:
            async def handle_DATA(self, smtp: object, session: object, envelope: Any) -> str:  # noqa: N802
                server.messages.append(bytes(envelope.original_content or envelope.content))
                return "250 OK"

        def authenticate(*args: Any) -> AuthResult:
            data = args[-1]
            user, password = login or ("", "")
            ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
                user.encode(),
                password.encode(),
            )
            return AuthResult(success=ok, handled=ok)  # a failure: aiosmtpd answers 535

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certs.cert, certs.key)
        tls: dict[str, Any] = {"tls_context": context, "require_starttls": True} if starttls else {}
        auth: dict[str, Any] = (
            {"authenticator": authenticate, "auth_required": True, "auth_require_tls": True}
            if login
            else {}
        )
        self._controller = Controller(
            Handler(), hostname="127.0.0.1", port=self.port, **tls, **auth
        )

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()


class MqttBroker:
    """Debian's mosquitto with one TLS listener on a free loopback port, and a
    subscriber (paho, QoS 1) that keeps what is published on `topic`."""

    def __init__(
        self, certs: Certs, directory: Path, topic: str, *, stranger: bool = False
    ) -> None:
        """`stranger`: serve a certificate of another CA (the hub must refuse it)."""
        self.port = free_port()
        self._stranger = stranger
        cert, key = (
            (certs.stranger_cert, certs.stranger_key) if stranger else (certs.cert, certs.key)
        )
        self.topic = topic
        self.messages: list[bytes] = []
        self._certs = certs
        self._conf = directory / "mosquitto.conf"
        self._conf.write_text(
            f"listener {self.port} 127.0.0.1\n"
            f"cafile {certs.ca}\ncertfile {cert}\nkeyfile {key}\n"
            "allow_anonymous true\npersistence false\nlog_dest stderr\n"
            # Started as root, mosquitto would become its own user, who cannot read
            # the test's private directory: stay whoever runs the test.
            f"user {getpass.getuser()}\n"
        )
        self._log = directory / "mosquitto.log"
        self._process: subprocess.Popen[bytes] | None = None
        self._client: Any = None

    @staticmethod
    def available() -> bool:
        return shutil.which("mosquitto") is not None or Path("/usr/sbin/mosquitto").exists()

    def start(self) -> None:
        binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        with self._log.open("wb") as log:
            self._process = subprocess.Popen([binary, "-c", str(self._conf)], stderr=log)
        wait_until(self._listening, "mosquitto to listen", 15)
        if not self._stranger:
            self._subscribe()

    def _listening(self) -> bool:
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", self.port)) == 0

    def _subscribe(self) -> None:
        from paho.mqtt import client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion

        subscribed = threading.Event()
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="relay-test-subscriber")
        context = ssl.create_default_context(cafile=str(self._certs.ca))
        client.tls_set_context(context)
        client.on_message = lambda c, u, message: self.messages.append(bytes(message.payload))
        client.on_subscribe = lambda *args: subscribed.set()
        client.on_connect = lambda c, *args: c.subscribe(self.topic, qos=1)
        client.connect("127.0.0.1", self.port)
        client.loop_start()
        self._client = client
        assert subscribed.wait(15), "the test subscriber could not subscribe"

    def stop(self) -> None:
        if self._client is not None:
            self._client.disconnect()
            self._client.loop_stop()
        if self._process is not None:
            self._process.terminate()
            self._process.wait(10)
