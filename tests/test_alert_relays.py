"""Alert relays, in-process on a clock the test moves, against a real HTTPS
receiver (tests/relay_servers.py) that checks each webhook's HMAC.

What an alert says (place, urgency, age, step, opaque reference, skipped
steps; never the category), when it goes (its group's step, at once when the
steps before cannot be reached), "answered" once accepted, and the faults:
a receiver down then up, 500s, a wrong certificate, a missing secret.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.client import DeviceConfig
from kiosk.core.alert_relays import AlertRelay, RelayKind
from kiosk.core.categories import Category, Urgency
from kiosk.core.site import DeviceRole, EscalationStep
from kiosk.operator import enrol_local_device
from kiosk.operator.site_admin import SiteLayout, current_site, publish
from tests.conftest import Site
from tests.in_process_hub import FakeClock, InProcessHub
from tests.relay_servers import Certs, MqttBroker, SmtpServer, WebhookReceiver, make_certs
from tests.test_escalation import _sealed_request
from tests.waiting import wait_until

HMAC_KEY = "a-test-hmac-key-0123456789"
STEP = 600


def with_relays(layout: SiteLayout, relays: tuple[AlertRelay, ...], certs: Certs) -> None:
    """The control room gets `relays`; the hub gets their secrets and the test CA."""
    current = current_site(layout)
    steps = (EscalationStep("central-staff", 0), EscalationStep("central-control", STEP))
    routes = tuple(
        dataclasses.replace(r, steps=steps) if r.id == "central-all" else r for r in current.routes
    )
    groups = tuple(
        dataclasses.replace(g, alerts=relays) if g.id == "central-control" else g
        for g in current.groups
    )
    publish(layout, dataclasses.replace(current, routes=routes, groups=groups))
    secrets = layout.hub / "relay-secrets.toml"
    secrets.write_text(f'pager-hmac = "{HMAC_KEY}"\n')
    os.chmod(secrets, 0o600)
    (layout.hub / "relay-ca.pem").write_bytes(certs.ca.read_bytes())


def webhook(url: str) -> AlertRelay:
    return AlertRelay("pager", RelayKind.WEBHOOK, url=url, secret="pager-hmac")


@pytest.fixture
def certs(tmp_path: Path) -> Certs:
    return make_certs(tmp_path / "certs")


@pytest.fixture
def receiver(certs: Certs) -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver(certs, HMAC_KEY.encode())
    receiver.start()
    try:
        yield receiver
    finally:
        receiver.stop()


def _control(site: Site) -> DeviceConfig:
    return enrol_local_device(
        site.layout, DeviceRole.STAFF, site.hub_url, group_id="central-control", device_id="ctl-1"
    )


def _hub(site: Site) -> InProcessHub:
    return InProcessHub(site.layout, FakeClock(time.time()))


def _deliver(hub: InProcessHub) -> None:
    """Start what is due and wait for those attempts (one event loop for both)."""

    async def round_() -> None:
        hub.hub.alerts.deliver_due()
        await hub.hub.alerts.settle()

    hub.run(round_())


def _send(site: Site, hub: InProcessHub, control: DeviceConfig) -> str:
    request = _sealed_request(site, Category.LOST, Urgency.NORMAL, [site.staff, control])
    assert hub.call(site.kiosk, "POST", "/v1/tickets", request).status_code == 201
    return str(request["id"])


def test_an_alert_says_where_and_how_urgent_never_what(
    site: Site, certs: Certs, receiver: WebhookReceiver
) -> None:
    with_relays(site.layout, (webhook(receiver.url),), certs)
    control = _control(site)
    hub = _hub(site)
    try:
        hub.listen("staff-anna")  # the first step's console is there
        ticket_id = _send(site, hub, control)
        hub.escalate(after=30)
        _deliver(hub)
        assert receiver.received == []  # not the control room's step yet
        hub.escalate(after=STEP)
        _deliver(hub)
        [alert] = receiver.received
        assert alert["type"] == "alert"
        assert alert["place"] == "Platform 3, north stairs"
        assert alert["station"] == current_site(site.layout).location("central-p3").station  # type: ignore[union-attr]
        assert (alert["urgency"], alert["step"], alert["steps"]) == ("normal", 2, 2)
        assert alert["group"] == "central-control"
        assert alert["age_seconds"] == 630
        assert "skipped" not in alert  # the first step was there and had its time
        reference = alert["reference"]
        assert len(reference) == 16
        assert ticket_id[:16] not in reference
        body = receiver.bodies[0].decode()
        assert ticket_id not in body
        for word in ("lost", "category", "details", "sealed"):
            assert word not in body
        # Accepted: the pager stands down, under the same reference.
        path = f"/v1/tickets/{ticket_id}/accept"
        assert hub.call(site.staff, "POST", path, {"eta_minutes": 2}).status_code == 200
        hub.escalate(after=1)
        _deliver(hub)
        assert receiver.received[1] == {
            "type": "answered",
            "reference": reference,
            "id": receiver.received[1]["id"],
            "idempotency_key": receiver.received[1]["idempotency_key"],
        }
        hub.escalate(after=60)
        _deliver(hub)
        assert len(receiver.received) == 2  # once each
        assert receiver.bad_signatures == 0
    finally:
        hub.close()


def test_an_unreached_first_step_sends_the_control_rooms_alert_at_once_with_why(
    site: Site, certs: Certs, receiver: WebhookReceiver
) -> None:
    with_relays(site.layout, (webhook(receiver.url),), certs)
    control = _control(site)
    hub = _hub(site)
    try:
        _send(site, hub, control)  # staff-anna is on duty, but no console is open
        hub.escalate(after=0.2)
        _deliver(hub)
        [alert] = receiver.received
        assert alert["skipped"] == {"reason": "unreached", "groups": ["central-staff"]}
        assert alert["step"] == 2
    finally:
        hub.close()


def test_a_receiver_down_then_up_gets_the_alert_once(
    site: Site, certs: Certs, receiver: WebhookReceiver
) -> None:
    with_relays(site.layout, (webhook(receiver.url),), certs)
    receiver.stop()  # down
    control = _control(site)
    hub = _hub(site)
    try:
        _send(site, hub, control)
        hub.escalate(after=0.2)
        _deliver(hub)
        [health] = hub.hub.alerts.health(current_site(site.layout))
        assert (health["state"], health["error"]) == ("failing", "connection_refused")
        assert health["failing_since"] is not None
        # A failing relay does not count as reaching its group.
        assert "central-control" not in hub.hub.alerts.working_groups()
        receiver.start()  # up again, on the same port

        def delivered() -> bool:
            hub.escalate(after=0.2)
            _deliver(hub)
            return bool(receiver.received)

        wait_until(delivered, "the retry after the receiver came back", timeout=20)
        hub.escalate(after=0.2)
        _deliver(hub)
        assert len(set(receiver.keys())) == len(receiver.keys()) == 1
        [health] = hub.hub.alerts.health(current_site(site.layout))
        assert (health["state"], health["error"]) == ("ok", None)
    finally:
        hub.close()


def test_500s_are_retried_until_delivered(
    site: Site, certs: Certs, receiver: WebhookReceiver
) -> None:
    receiver.statuses = [500, 503]
    with_relays(site.layout, (webhook(receiver.url),), certs)
    control = _control(site)
    hub = _hub(site)
    try:
        _send(site, hub, control)
        hub.escalate(after=0.2)
        _deliver(hub)
        assert hub.hub.alerts.health(None)[0]["error"] == "http_500"

        def delivered() -> bool:
            _deliver(hub)
            return bool(receiver.received)

        wait_until(delivered, "the alert after two 5xx answers", timeout=20)
        assert len(receiver.received) == 1
    finally:
        hub.close()


def test_a_wrong_certificate_is_refused_and_reported(site: Site, certs: Certs) -> None:
    stranger = WebhookReceiver(certs, HMAC_KEY.encode(), stranger=True)
    stranger.start()
    try:
        with_relays(site.layout, (webhook(stranger.url),), certs)
        hub = _hub(site)
        try:
            result = hub.run(
                hub.hub.alerts.test_group(current_site(site.layout), "central-control")
            )
            assert result == [
                {"name": "pager", "kind": "webhook", "delivered": False, "error": "tls_certificate"}
            ]
            assert stranger.received == []
        finally:
            hub.close()
    finally:
        stranger.stop()


def test_a_missing_secret_is_reported_by_name_and_a_readable_file_refused(
    site: Site, certs: Certs, receiver: WebhookReceiver
) -> None:
    with_relays(site.layout, (webhook(receiver.url),), certs)
    secrets = site.layout.hub / "relay-secrets.toml"
    os.chmod(secrets, 0o644)
    hub = _hub(site)
    try:
        test = hub.hub.alerts.test_group(current_site(site.layout), "central-control")
        assert hub.run(test)[0]["error"] == "secret_missing"
        os.chmod(secrets, 0o600)
        secrets.write_text('another = "x"\n')
        test = hub.hub.alerts.test_group(current_site(site.layout), "central-control")
        assert hub.run(test)[0]["error"] == "secret_missing"
        assert receiver.received == []
    finally:
        hub.close()


def test_nothing_of_a_closed_request_stays_queued(
    site: Site, certs: Certs, receiver: WebhookReceiver
) -> None:
    with_relays(site.layout, (webhook(receiver.url),), certs)
    receiver.stop()
    control = _control(site)
    hub = _hub(site)
    try:
        ticket_id = _send(site, hub, control)
        hub.escalate(after=0.2)
        _deliver(hub)
        assert (
            hub.call(site.kiosk, "POST", f"/v1/tickets/{ticket_id}/cancel", {}).status_code == 200
        )
        hub.escalate(after=0.2)
        alerts = hub.hub.alerts
        queued = [d.message.kind for d in alerts._queue]
        assert queued == ["answered"]  # no alert left, only the stand-down
        assert ticket_id not in repr(alerts._queue)
        assert alerts._alerted == {}
        asyncio.run(alerts.settle())
    finally:
        hub.close()


def _mail(port: int, username: str = "") -> AlertRelay:
    return AlertRelay(
        "duty-mail", RelayKind.EMAIL, host="127.0.0.1", port=port, sender="hub@central.example",
        to=("control@central.example",), username=username,
        secret="smtp-password" if username else "",
    )  # fmt: skip


def _test_alert(site: Site) -> list[dict[str, object]]:
    hub = _hub(site)
    try:
        return hub.run(hub.hub.alerts.test_group(current_site(site.layout), "central-control"))
    finally:
        hub.close()


def test_mail_goes_only_over_starttls_and_logs_in_with_the_named_password(
    site: Site, certs: Certs
) -> None:
    plain = SmtpServer(certs, starttls=False)
    guarded = SmtpServer(certs, login=("kiosk-hub", "mail-pass"))
    plain.start()
    guarded.start()
    try:
        with_relays(site.layout, (_mail(plain.port),), certs)
        assert _test_alert(site)[0]["error"] == "smtp_no_starttls"
        assert plain.messages == []  # not a word in clear text
        with_relays(site.layout, (_mail(guarded.port, "kiosk-hub"),), certs)
        secrets = site.layout.hub / "relay-secrets.toml"
        secrets.write_text('smtp-password = "wrong"\n')
        assert _test_alert(site)[0]["error"] == "smtp_auth"
        secrets.write_text('smtp-password = "mail-pass"\n')
        assert _test_alert(site)[0]["delivered"] is True
        [mail] = guarded.messages
        assert b"Test alert for central-control" in mail
        assert b"mail-pass" not in mail
    finally:
        plain.stop()
        guarded.stop()


@pytest.mark.skipif(not MqttBroker.available(), reason="mosquitto is not installed")
def test_a_broker_with_a_wrong_certificate_is_refused(
    site: Site, certs: Certs, tmp_path: Path
) -> None:
    broker = MqttBroker(certs, tmp_path, "alerts", stranger=True)
    broker.start()
    try:
        relay = AlertRelay("pa", RelayKind.MQTT, host="127.0.0.1", port=broker.port, topic="alerts")
        with_relays(site.layout, (relay,), certs)
        assert _test_alert(site) == [
            {"name": "pa", "kind": "mqtt", "delivered": False, "error": "tls_certificate"}
        ]
    finally:
        broker.stop()


def test_a_request_handed_over_alerts_again_under_new_keys(
    site: Site, certs: Certs, receiver: WebhookReceiver
) -> None:
    with_relays(site.layout, (webhook(receiver.url),), certs)
    control = _control(site)
    hub = _hub(site)
    try:
        ticket_id = _send(site, hub, control)
        hub.escalate(after=0.2)  # nobody at the first step: the control room's pager
        _deliver(hub)
        path = f"/v1/tickets/{ticket_id}"
        assert hub.call(site.staff, "POST", f"{path}/accept", {"eta_minutes": 2}).status_code == 200
        hub.escalate(after=0.2)
        _deliver(hub)
        handed = hub.call(site.staff, "POST", f"{path}/hand_over", {"group": "central-control"})
        assert handed.status_code == 200
        hub.escalate(after=0.2)
        _deliver(hub)
        assert [m["type"] for m in receiver.received] == ["alert", "answered", "alert"]
        assert len(set(receiver.keys())) == 3  # the second alert is not a repeat of the first
        assert len({m["reference"] for m in receiver.received}) == 1  # one request
    finally:
        hub.close()
