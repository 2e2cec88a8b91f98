"""Sending one relay message, one way per relay kind. Each call blocks (a
worker thread of kiosk/hub/alert_relays.py runs it, never the event loop) and
either returns, delivered, or raises RelayFailed with a content-free class.

    webhook  HTTPS POST of the message's JSON. Headers: Kiosk-Timestamp (unix
             seconds), Kiosk-Signature: sha256=HEX, the HMAC-SHA256 with the
             relay's key over "TIMESTAMP." + body, and Idempotency-Key (the same
             on every retry of one alert). Any 2xx is delivered.
    email    SMTP; STARTTLS is required (a server without it is refused before
             anything is sent), then login if the relay names a username. The
             Message-ID carries the idempotency key.
    mqtt     MQTT 3.1.1 over TLS, publish QoS 1 (delivered once the broker acks);
             the payload is the JSON with the idempotency key as "id".
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import secrets
import smtplib
import socket
import ssl
import threading
import time
from email.message import EmailMessage
from urllib.parse import urlsplit

from kiosk.core.alert_relays import AlertRelay, RelayKind, RelayMessage

__all__ = ["RelayFailed", "error_class", "send"]

TIMEOUT_SECONDS = 10.0


class RelayFailed(Exception):
    """Not delivered; args[0] is a short class (http_500, smtp_no_starttls, ...)."""


def error_class(exc: BaseException) -> str:
    """What went wrong, by kind only: a message could echo what was sent."""
    match exc:
        case RelayFailed():
            return str(exc.args[0])
        case ssl.SSLCertVerificationError():
            return "tls_certificate"
        case ssl.SSLError():
            return "tls"
        case ConnectionRefusedError():
            return "connection_refused"
        case TimeoutError() | socket.timeout():
            return "timeout"
        case smtplib.SMTPAuthenticationError():
            return "smtp_auth"
        case smtplib.SMTPException():
            return "smtp"
        case OSError():
            return "network"
    return type(exc).__name__


def send(
    relay: AlertRelay, message: RelayMessage, key: str, secret: str, context: ssl.SSLContext
) -> None:
    """Deliver `message` through `relay`; `key` is its idempotency key, `secret`
    the relay's named secret ("" when it names none)."""
    body = json.dumps({**message.as_json(), "id": key}, separators=(",", ":")).encode()
    if relay.kind is RelayKind.WEBHOOK:
        _webhook(relay, body, key, secret, context)
    elif relay.kind is RelayKind.EMAIL:
        _email(relay, message, key, secret, context)
    else:
        _mqtt(relay, body, secret, context)


def _webhook(
    relay: AlertRelay, body: bytes, key: str, secret: str, context: ssl.SSLContext
) -> None:
    url = urlsplit(relay.url)
    timestamp = str(int(time.time()))
    signature = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    connection = http.client.HTTPSConnection(
        url.hostname or "", url.port or 443, timeout=TIMEOUT_SECONDS, context=context
    )
    try:
        connection.request(
            "POST",
            (url.path or "/") + (f"?{url.query}" if url.query else ""),
            body=body,
            headers={
                "Content-Type": "application/json",
                "Kiosk-Timestamp": timestamp,
                "Kiosk-Signature": "sha256=" + signature.hexdigest(),
                "Idempotency-Key": key,
                "User-Agent": "kiosk-hub-relay/1",
            },
        )
        status = connection.getresponse().status
    finally:
        connection.close()
    if not 200 <= status < 300:
        raise RelayFailed(f"http_{status}")


def _email(
    relay: AlertRelay, message: RelayMessage, key: str, secret: str, context: ssl.SSLContext
) -> None:
    mail = EmailMessage()
    mail["Subject"] = message.subject()
    mail["From"] = relay.sender
    mail["To"] = ", ".join(relay.to)
    mail["Message-ID"] = f"<{key}@kiosk-hub.invalid>"
    mail["Kiosk-Reference"] = message.reference
    mail.set_content(message.text())
    with smtplib.SMTP(relay.host, relay.port, timeout=TIMEOUT_SECONDS) as smtp:
        smtp.ehlo()
        if not smtp.has_extn("starttls"):
            raise RelayFailed("smtp_no_starttls")  # never in clear text
        smtp.starttls(context=context)
        smtp.ehlo()
        if relay.username:
            smtp.login(relay.username, secret)
        refused = smtp.send_message(mail)
    if refused:
        raise RelayFailed("smtp_recipients_refused")


def _mqtt(relay: AlertRelay, body: bytes, secret: str, context: ssl.SSLContext) -> None:
    from paho.mqtt import client as mqtt  # only hubs with an MQTT relay load it
    from paho.mqtt.enums import CallbackAPIVersion

    connected = threading.Event()
    answer: list[int] = []

    def on_connect(
        client: object, userdata: object, flags: object, reason: object, *_: object
    ) -> None:
        answer.append(int(getattr(reason, "value", reason)))  # type: ignore[call-overload]
        connected.set()

    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=f"kiosk-hub-{secrets.token_hex(6)}",
        protocol=mqtt.MQTTv311,
    )
    client.on_connect = on_connect
    client.tls_set_context(context)
    client.connect_timeout = TIMEOUT_SECONDS
    if relay.username:
        client.username_pw_set(relay.username, secret)
    client.connect(relay.host, relay.port, keepalive=30)
    client.loop_start()
    try:
        if not connected.wait(TIMEOUT_SECONDS):
            raise RelayFailed("mqtt_no_connack")
        if answer[0] != 0:
            raise RelayFailed(f"mqtt_refused_{answer[0]}")
        info = client.publish(relay.topic, body, qos=1)
        try:
            info.wait_for_publish(TIMEOUT_SECONDS)
        except (RuntimeError, ValueError):
            raise RelayFailed("mqtt_not_acked") from None
        if not info.is_published():
            raise RelayFailed("mqtt_not_acked")
    finally:
        client.disconnect()
        client.loop_stop()
