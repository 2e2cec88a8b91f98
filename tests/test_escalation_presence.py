"""Presence in escalation: a group is reached only while one of its on-duty
consoles has a live event stream (kiosk/hub/reach.py). A step whose group is
not reached is skipped at once, and the step alerted early is told why.

In-process on a clock the test moves, then against a real hub process with a
console that is killed, and one that is closed.
"""

from __future__ import annotations

import dataclasses
import queue
import signal
import subprocess
import sys
import threading
import time
from typing import Any

import pytest

from kiosk import __version__
from kiosk.client import DeviceConfig
from kiosk.core.body import TicketBody
from kiosk.core.categories import Category, Urgency
from kiosk.core.site import DeviceRole, EscalationStep
from kiosk.core.ticket import new_ticket_id
from kiosk.operator import enrol_local_device
from kiosk.operator.site_admin import current_site, publish
from tests.conftest import REPO, HubProcess, Site
from tests.hub_events import listen
from tests.in_process_hub import InProcessHub, Stream
from tests.test_escalation import _sealed_request
from tests.waiting import wait_until

STEP = 600  # the control room's step: far longer than any wait here


def _control_after(site: Site, seconds: int) -> DeviceConfig:
    current = current_site(site.layout)
    steps = (EscalationStep("central-staff", 0), EscalationStep("central-control", seconds))
    routes = tuple(
        dataclasses.replace(r, steps=steps) if r.id == "central-all" else r for r in current.routes
    )
    publish(site.layout, dataclasses.replace(current, routes=routes))
    return enrol_local_device(
        site.layout, DeviceRole.STAFF, site.hub_url, group_id="central-control", device_id="ctl-1"
    )


def _escalations(stream: Stream) -> list[dict[str, Any]]:
    return [e for e in stream.take() if e["type"] == "ticket" and "skipped" in e]


def _send(site: Site, hub: InProcessHub, control: DeviceConfig) -> str:
    request = _sealed_request(site, Category.LOST, Urgency.NORMAL, [site.staff, control])
    assert hub.call(site.kiosk, "POST", "/v1/tickets", request).status_code == 201
    return str(request["id"])


def test_a_group_on_duty_without_a_live_console_is_skipped_at_once(
    site: Site, in_hub: InProcessHub
) -> None:
    hub = in_hub
    control_cfg = _control_after(site, STEP)
    control = hub.listen(control_cfg.device_id)  # staff-anna: on duty, but no stream
    ticket_id = _send(site, hub, control_cfg)
    hub.escalate(after=0.2)  # the next tick, not the step's 600 s
    [alert] = _escalations(control)
    assert alert["ticket"]["id"] == ticket_id
    assert alert["skipped"] == {"reason": "unreached", "groups": ["central-staff"]}
    assert alert["ticket"]["category"] == "lost"  # what consoles always saw; nothing new
    hub.escalate(after=60)
    assert _escalations(control) == []  # once


def test_a_console_whose_stream_ends_makes_the_next_step_come_at_once(
    site: Site, in_hub: InProcessHub
) -> None:
    hub = in_hub
    control_cfg = _control_after(site, STEP)
    first, control = hub.listen("staff-anna"), hub.listen(control_cfg.device_id)
    ticket_id = _send(site, hub, control_cfg)
    hub.escalate(after=30)
    assert _escalations(control) == []  # someone is there: the step waits its time
    first.close()  # the console's connection ends (killed, closed, out of reach)
    hub.escalate(after=0.2)
    [alert] = _escalations(control)
    assert alert["ticket"]["id"] == ticket_id
    assert alert["skipped"]["groups"] == ["central-staff"]
    # The console comes back: the control room keeps the ticket it was given.
    back = hub.listen("staff-anna")
    hub.escalate(after=0.2)
    snapshot = hub.run(_snapshot(hub, control_cfg.device_id))
    assert ticket_id in snapshot
    assert back.take() == []


async def _snapshot(hub: InProcessHub, device_id: str) -> list[str]:
    site = await hub.hub.current_site()
    assert site is not None
    device = site.device(device_id)
    assert device is not None
    shown = hub.hub.streams._snapshot(device, site)
    return [e["ticket"]["id"] for e in shown if e["type"] == "ticket"]


def test_an_off_duty_console_with_a_live_stream_reaches_nobody(
    site: Site, in_hub: InProcessHub
) -> None:
    hub = in_hub
    control_cfg = _control_after(site, STEP)
    hub.listen("staff-anna")
    control = hub.listen(control_cfg.device_id)
    assert hub.call(site.staff, "POST", "/v1/duty", {"on_duty": False}).status_code == 200
    _send(site, hub, control_cfg)
    hub.escalate(after=0.2)
    assert [a["skipped"]["groups"] for a in _escalations(control)] == [["central-staff"]]


# -- a real hub, a real console process ---------------------------------------------


def _console(config: DeviceConfig) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.console_process", str(config.directory)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    out = process.stdout

    def read() -> None:
        for line in out:
            lines.put(line.strip())
        lines.put("gone")

    threading.Thread(target=read, daemon=True).start()
    assert lines.get(timeout=30) == "synced"
    return process


def _end(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.kill()
    process.wait(10)
    for pipe in (process.stdin, process.stdout):
        if pipe is not None:
            pipe.close()


@pytest.mark.parametrize("how", ["killed", "closed"])
def test_a_console_killed_or_closed_makes_the_control_room_alerted_within_seconds(
    site: Site, hub: HubProcess, how: str
) -> None:
    control_cfg = _control_after(site, STEP)
    console = _console(site.staff)
    control, kiosk = site.client(control_cfg), site.client(site.kiosk)
    try:
        events = listen(control)
        ticket_id = new_ticket_id()
        kiosk.submit_ticket(
            kiosk.site(), ticket_id, TicketBody(Category.LOST, Urgency.NORMAL, "en")
        )
        gone_at = time.monotonic()
        if how == "killed":
            console.send_signal(signal.SIGKILL)
        else:
            assert console.stdin is not None
            console.stdin.write("close\n")
            console.stdin.flush()
        console.wait(30)

        def escalated() -> dict[str, Any] | None:
            while True:
                try:
                    event = events.get_nowait()
                except queue.Empty:
                    return None
                if event.get("type") == "ticket" and "skipped" in event:
                    return event

        alert = wait_until(escalated, "the control room's alert", timeout=15)
        assert time.monotonic() - gone_at < 15  # seconds, not the step's 600
        assert alert["ticket"]["id"] == ticket_id
        assert alert["skipped"] == {"reason": "unreached", "groups": ["central-staff"]}
        assert control.open_ticket(alert["ticket"]).body.category is Category.LOST
    finally:
        _end(console)
        control.close()
        kiosk.close()


def test_on_several_hubs_a_console_beating_to_another_hub_counts_until_silent(
    site: Site, in_hub: InProcessHub
) -> None:
    """As create_hub wires it on PostgreSQL (here on SQLite, the same tables): a
    console streaming from another hub is there while its heartbeats arrive."""
    hub = in_hub
    sweep = hub.hub.presence_sweep
    sweep.shared = True
    hub.hub.reach.elsewhere = lambda: sweep.beating
    control_cfg = _control_after(site, STEP)
    control = hub.listen(control_cfg.device_id)
    beat = {"version": __version__, "manifest_version": current_site(site.layout).version}
    assert hub.call(site.staff, "POST", "/v1/heartbeat", beat).status_code == 200
    hub.run(hub.hub.presence_once(hub.clock.now))
    _send(site, hub, control_cfg)
    hub.escalate(after=20)
    assert _escalations(control) == []  # staff-anna beats: the step waits
    hub.escalate(after=10)  # silent for longer than the offline limit (25 s)
    hub.run(hub.hub.presence_once(hub.clock.now))
    hub.escalate(after=0.2)
    assert [a["skipped"]["groups"] for a in _escalations(control)] == [["central-staff"]]
