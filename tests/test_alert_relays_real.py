"""Alert relays end to end: a real hub process alerting the control room through
a real HTTPS receiver (HMAC checked), aiosmtpd (STARTTLS required) and
Debian's Mosquitto (TLS, QoS 1); `kiosk admin status` and `kiosk admin
test-alert` through the admin API; nothing of the request in any payload or
in the hub's log."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from typing import Any

import pytest

from kiosk.core.alert_relays import AlertRelay, RelayKind
from kiosk.core.body import TicketBody
from kiosk.core.categories import Category, Urgency
from kiosk.core.ticket import new_ticket_id
from tests.conftest import REPO, HubProcess, Site, start_hub
from tests.relay_servers import Certs, MqttBroker, SmtpServer, WebhookReceiver, make_certs
from tests.test_alert_relays import HMAC_KEY, webhook, with_relays
from tests.waiting import wait_until

pytestmark = pytest.mark.skipif(
    not MqttBroker.available(), reason="mosquitto is not installed (apt-get install mosquitto)"
)

TOPIC = "stations/central/help-alerts"


class Relays:
    def __init__(self, tmp: Path) -> None:
        self.certs: Certs = make_certs(tmp / "certs")
        self.webhook = WebhookReceiver(self.certs, HMAC_KEY.encode())
        self.smtp = SmtpServer(self.certs)
        self.mqtt = MqttBroker(self.certs, tmp, TOPIC)

    def configs(self) -> tuple[AlertRelay, ...]:
        return (
            webhook(self.webhook.url),
            AlertRelay(
                "duty-mail", RelayKind.EMAIL, host="127.0.0.1", port=self.smtp.port,
                sender="hub@central.example", to=("control@central.example",),
            ),
            AlertRelay(
                "pa-gateway", RelayKind.MQTT, host="127.0.0.1", port=self.mqtt.port, topic=TOPIC
            ),
        )  # fmt: skip

    def payloads(self) -> list[str]:
        return [
            *(b.decode() for b in self.webhook.bodies),
            *(m.decode(errors="replace") for m in self.smtp.messages),
            *(m.decode() for m in self.mqtt.messages),
        ]


@pytest.fixture
def relays(tmp_path: Path) -> Iterator[Relays]:
    relays = Relays(tmp_path)
    relays.webhook.start()
    relays.smtp.start()
    relays.mqtt.start()
    try:
        yield relays
    finally:
        relays.webhook.stop()
        relays.smtp.stop()
        relays.mqtt.stop()


def _admin(site: Site, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", "admin", *args, "--data", str(site.layout.root)],
        capture_output=True, text=True, timeout=120, cwd=REPO,
    )  # fmt: skip


def _mqtt_types(relays: Relays) -> list[str]:
    return [json.loads(m)["type"] for m in relays.mqtt.messages]


def _smtp_subjects(relays: Relays) -> list[str]:
    return [
        str(message_from_bytes(m, policy=default)["Subject"]).strip() for m in relays.smtp.messages
    ]


def test_the_control_room_is_alerted_through_every_relay_and_told_when_answered(
    site: Site, relays: Relays
) -> None:
    with_relays(site.layout, relays.configs(), relays.certs)
    relays.webhook.delay = 2.0  # slow: the other relays and the hub do not wait on it
    hub = start_hub(site.layout, site.port)
    kiosk, staff = site.client(site.kiosk), site.client(site.staff)
    try:
        ticket_id = new_ticket_id()
        kiosk.submit_ticket(
            kiosk.site(), ticket_id, TicketBody(Category.LOST, Urgency.NORMAL, "en")
        )
        # Nobody's console is open at the first step: the control room, at once.
        wait_until(lambda: relays.smtp.messages and relays.mqtt.messages, "mail and MQTT", 20)
        assert kiosk.ticket(ticket_id)["state"] in ("submitted", "delivered")  # answered meanwhile
        wait_until(lambda: relays.webhook.received, "the slow webhook", 20)
        [alert] = [json.loads(m) for m in relays.mqtt.messages]
        assert alert["type"] == "alert"
        assert alert["place"] == "Platform 3, north stairs"
        assert alert["skipped"] == {"reason": "unreached", "groups": ["central-staff"]}
        assert alert["reference"] == relays.webhook.received[0]["reference"]
        assert _smtp_subjects(relays)[0].startswith("Help request at Central Station, Platform 3")

        staff.act(ticket_id, "accept", 3)
        wait_until(
            lambda: (
                len(relays.webhook.received) == 2
                and _mqtt_types(relays) == ["alert", "answered"]
                and len(relays.smtp.messages) == 2
            ),
            "answered through every relay",
            30,
        )
        assert relays.webhook.received[1]["type"] == "answered"
        assert ": answered" in _smtp_subjects(relays)[1]
        assert len(set(relays.webhook.keys())) == 2  # one alert, one stand-down
        staff.act(ticket_id, "resolve")
        hub.stop()
        _nothing_of_the_request(hub, relays, ticket_id)
        audit = subprocess.run(
            [sys.executable, "-m", "kiosk", "admin", "audit", str(site.layout.hub),
             "--find", ticket_id],
            capture_output=True, text=True, timeout=120, cwd=REPO,
        )  # fmt: skip
        assert audit.returncode == 0, audit.stdout + audit.stderr  # the relay key is no residue
    finally:
        kiosk.close()
        staff.close()
        hub.stop()


def _nothing_of_the_request(hub: HubProcess, relays: Relays, ticket_id: str) -> None:
    log = hub.log_text()
    assert "event=relay.delivered" in log
    for text in [log, *relays.payloads()]:
        assert ticket_id not in text
        assert "lost" not in text.lower().replace("lost_", "")
        assert "category" not in text
        assert HMAC_KEY not in text


def test_admin_status_and_test_alert_report_each_relay(site: Site, relays: Relays) -> None:
    with_relays(site.layout, relays.configs(), relays.certs)
    hub = start_hub(site.layout, site.port)
    try:
        sent = _admin(site, "test-alert", "central-control")
        assert sent.returncode == 0, sent.stdout + sent.stderr
        assert sent.stdout.count(": delivered") == 3
        wait_until(lambda: relays.webhook.received and relays.mqtt.messages, "the test alerts", 20)
        assert relays.webhook.received[0]["type"] == "test"
        status = json.loads(_admin(site, "status", "--json").stdout)
        assert {r["name"]: r["state"] for r in status["relays"]} == {
            "pager": "ok", "duty-mail": "ok", "pa-gateway": "ok",
        }  # fmt: skip

        relays.webhook.stop()  # the pager's receiver goes down
        failed = _admin(site, "test-alert", "central-control")
        assert failed.returncode == 1
        assert "central-control/pager (webhook): NOT delivered: connection_refused" in failed.stdout
        run = _admin(site, "status")
        assert run.returncode == 1  # a monitor's check fails while a relay fails
        assert "central-control/pager (webhook): FAILING: connection_refused since" in run.stdout
        failing: list[dict[str, Any]] = json.loads(_admin(site, "status", "--json").stdout)[
            "relays"
        ]
        pager = next(r for r in failing if r["name"] == "pager")
        assert (pager["state"], pager["error"]) == ("failing", "connection_refused")
        assert isinstance(pager["failing_since"], float)
        assert _admin(site, "test-alert", "no-such-group").returncode != 0
    finally:
        hub.stop()
