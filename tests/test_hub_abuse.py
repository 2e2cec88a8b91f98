"""A device or a stranger that abuses the hub gains nothing and holds nothing up:
junk in a heartbeat, streams that outlive the record they were opened with, too
many streams, a body that never arrives (issue 25, findings 4, 5 and 9)."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import queue
import select
import socket
import ssl
import threading
import time
from typing import Any

import pytest
import requests

from kiosk.core.body import TicketBody
from kiosk.core.categories import Category, Urgency
from kiosk.core.site import DeviceRole
from kiosk.core.ticket import new_ticket_id
from kiosk.crypto import DeviceKeys, sign_request
from kiosk.operator import enrol_local_device
from kiosk.operator.enrolment import rotate_here
from kiosk.operator.site_admin import current_site, publish
from tests.conftest import HubProcess, Site, start_hub


def _post(site: Site, path: str, body: bytes, device: str = "kiosk-p3") -> requests.Response:
    keys = DeviceKeys.load(site.layout.device(device))
    with requests.Session() as s:
        s.trust_env = False
        return s.post(
            site.hub_url + path,
            data=body,
            headers=dict(sign_request(keys, device, "POST", path, body)),
            verify=str(site.layout.operator / "ca.pem"),
            timeout=10,
        )


@pytest.mark.parametrize(
    "version", ["1.0\ud800", "\udfff", "1.0\u200e", "1.0\u2028", "1.0\x85", "1.0\u00a0x"]
)
def test_a_heartbeat_version_that_is_not_printable_text_is_refused(
    site: Site, hub: HubProcess, version: str
) -> None:
    # json.dumps writes a lone surrogate as the escape \\ud800: valid JSON that
    # decodes to a str no database can store; with it every presence sweep failed.
    body = json.dumps({"version": version, "manifest_version": 1}).encode()
    refused = _post(site, "/v1/heartbeat", body)
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"] == "bad_version"
    ok = json.dumps({"version": "0.1.0+deb12", "manifest_version": 1}).encode()
    assert _post(site, "/v1/heartbeat", ok).status_code == 200
    hub.stop()
    assert "presence.failed" not in hub.log_text()


class _Stream:
    """A device's raw event stream, read on a thread: its lines, and None at its end."""

    def __init__(self, site: Site, device: str) -> None:
        keys = DeviceKeys.load(site.layout.device(device))
        self.session = requests.Session()
        self.session.trust_env = False
        self.response = self.session.get(
            site.hub_url + "/v1/events",
            headers=dict(sign_request(keys, device, "GET", "/v1/events", b"")),
            verify=str(site.layout.operator / "ca.pem"),
            stream=True,
            timeout=(5, 60),
        )
        assert self.response.status_code == 200, self.response.text
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.events_until_synced()

    def _read(self) -> None:
        try:
            for line in self.response.iter_lines():
                self.lines.put(line.decode())
        except (requests.RequestException, OSError, AttributeError):
            pass  # closed under the reader: also an end
        self.lines.put(None)

    def events_until_synced(self) -> list[dict[str, Any]]:
        events = []
        while (line := self.lines.get(timeout=10)) is not None:
            if line.startswith("data: "):
                events.append(json.loads(line[6:]))
                if events[-1]["type"] == "synced":
                    return events
        raise AssertionError("the stream ended before its snapshot")

    def events_until_end(self, within: float = 15.0) -> list[dict[str, Any]]:
        """Every event until the hub ends the stream; fails if it has not by `within`."""
        deadline = time.monotonic() + within
        events = []
        while True:
            left = deadline - time.monotonic()
            assert left > 0, f"the stream is still open; it sent {events}"
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                return events
            if line.startswith("data: "):
                events.append(json.loads(line[6:]))

    def close(self) -> None:
        self.response.close()
        self.session.close()


def _moved(site: Site, device_id: str, **changes: Any) -> None:
    current = current_site(site.layout)
    record = current.device(device_id)
    assert record is not None
    publish(site.layout, current.with_device(dataclasses.replace(record, **changes)))


def test_a_stream_ends_when_its_device_moves_to_another_group(site: Site, hub: HubProcess) -> None:
    # A second handheld of central-staff, so that Platform 3 still has a reader.
    enrol_local_device(
        site.layout, DeviceRole.STAFF, site.hub_url, group_id="central-staff", device_id="staff-ben"
    )
    stream = _Stream(site, "staff-anna")  # central-staff: alerted for Platform 3
    other = _Stream(site, "kiosk-p3")  # a device whose record stays as it was
    try:
        _moved(site, "staff-anna", group_id="north-staff")
        kiosk = site.client(site.kiosk)
        ticket_id = new_ticket_id()  # for Platform 3's route: not north-staff's
        kiosk.submit_ticket(
            kiosk.site(), ticket_id, TicketBody(Category.LOST, Urgency.NORMAL, "en")
        )
        events = stream.events_until_end()
        assert not [e for e in events if e.get("ticket", {}).get("id") == ticket_id], events
        # The kiosk, whose record did not change, keeps its stream and its events.
        while (line := other.lines.get(timeout=10)) is not None:
            if ticket_id in line:
                break
        assert line is not None
        kiosk.close()
    finally:
        stream.close()
        other.close()


def test_a_stream_ends_when_its_device_gets_new_keys(site: Site, hub: HubProcess) -> None:
    stream = _Stream(site, "staff-anna")
    try:
        rotate_here(site.layout, "staff-anna")
        site.client(site.kiosk).heartbeat("test")  # the hub sees the new manifest
        stream.events_until_end()
        # The handheld reconnects with its new keys and is followed as before.
        _Stream(site, "staff-anna").close()
    finally:
        stream.close()


def test_a_device_holds_at_most_two_streams_the_oldest_ends(site: Site, hub: HubProcess) -> None:
    first, second = _Stream(site, "kiosk-p3"), _Stream(site, "kiosk-p3")
    third = _Stream(site, "kiosk-p3")  # a reconnect is never turned away...
    try:
        first.events_until_end()  # ...the oldest stream ends instead
        fourth = _Stream(site, "kiosk-p3")
        second.events_until_end()
        # Another device's streams are not counted against this one.
        _Stream(site, "staff-anna").close()
        third.close()
        fourth.close()
    finally:
        for s in (first, second, third):
            s.close()


def _tls(site: Site) -> ssl.SSLSocket:
    context = ssl.create_default_context(cafile=str(site.layout.operator / "ca.pem"))
    raw = socket.create_connection(("127.0.0.1", site.port), timeout=10)
    return context.wrap_socket(raw, server_hostname="127.0.0.1")


def _head(path: str, length: int, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {length}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def test_an_unsigned_call_is_refused_before_its_body_arrives(site: Site, hub: HubProcess) -> None:
    # Nobody need send a body for the hub to know it will refuse the call: a
    # stranger is answered at once, not held while a body trickles in.
    keys = DeviceKeys.load(site.kiosk.directory)
    good = dict(sign_request(keys, "kiosk-p3", "POST", "/v1/tickets", b"{}"))
    for headers in (
        {},
        {**good, "Kiosk-Device": "kiosk-nobody"},
        {**good, "Kiosk-Timestamp": str(int(time.time()) - 3600)},
        {**good, "Kiosk-Timestamp": "soon"},
        {**good, "Kiosk-Signature": "x" * 4000},
    ):
        with _tls(site) as conn:
            conn.sendall(_head("/v1/tickets", 100_000, headers))  # and no body at all
            answer = conn.recv(4096)
        assert _status(answer) == 401, (headers, answer)


def test_a_body_trickled_in_is_cut_off_in_bounded_time(site: Site) -> None:
    hub = start_hub(site.layout, site.port, "--body-timeout", "1")
    try:
        keys = DeviceKeys.load(site.kiosk.directory)
        signed = dict(sign_request(keys, "kiosk-p3", "POST", "/v1/heartbeat", b"{}" * 50))
        started = time.monotonic()
        with _tls(site) as conn:
            conn.sendall(_head("/v1/heartbeat", 100, signed))
            answer = b""
            # One byte every 0.2 s (the body would take 20 s): answered long before.
            while not answer and time.monotonic() - started < 15:
                with contextlib.suppress(OSError):
                    conn.sendall(b"{")
                readable, _, _ = select.select([conn], [], [], 0.2)
                if readable or conn.pending():
                    answer = conn.recv(4096)
        assert answer, "the hub was still waiting for the body after 15 s"
        assert _status(answer) == 408, answer
        assert b"too_slow" in answer
        assert time.monotonic() - started < 10
        # A body that arrives in time is read as ever.
        assert _post(site, "/v1/heartbeat", b'{"version": "1", "manifest_version": 1}').ok
    finally:
        hub.stop()
