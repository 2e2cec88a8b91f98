"""`kiosk bench`'s traffic as MQTT messages (QoS 1), for benchmarks/peer_mosquitto.py.

The same site as the bench (kiosk/bench/fleet.py): stations of five consoles,
a tenth of the consoles in a control room, each kiosk on its station's route.
The same people (kiosk/bench/run.py, devices.py): a request from a kiosk
nobody is using, a tenth left by the station for the control room, a tenth
withdrawn by the traveller once accepted, resolved after the same hold.

Topics, as a broker's users would lay them out with end-to-end encryption:

- `kb/c/<console>`: the new request, each console its own sealed copy (the
  hub too sends each console only its copy), published by the kiosk;
- `kb/r/<station>` and `kb/r/control`: a request's changes (delivered,
  accepted, resolved, withdrawn) for the consoles of its route, as the hub
  pushes them to the consoles that show it;
- `kb/k/<kiosk>`: the same changes for the kiosk.

A broker keeps no timers: the control room's copies are published by the
kiosk when the hub's escalator would send them. Nobody arbitrates accepts
either, so the bench's rival accept (refused by the hub) is left out.
"""

from __future__ import annotations

import math
import random
import ssl
import struct
import time
from dataclasses import dataclass, field
from typing import Any

from mqtt_loop import ClientLoop
from paho.mqtt import client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from kiosk.bench.record import Plan, Recorder

__all__ = ["Traffic", "TrafficOptions"]

NEW, DELIVERED, ACCEPTED, RESOLVED, CANCELLED = range(5)
_STATE = {
    DELIVERED: "delivered",
    ACCEPTED: "accepted",
    RESOLVED: "resolved",
    CANCELLED: "cancelled",
}
_HEADER = struct.Struct(">QBI")  # message number (duplicates), kind, request number
CONTROL = "control"


@dataclass(frozen=True)
class TrafficOptions:
    kiosks: int
    staff: int
    rate: float
    duration: float
    copy_bytes: int  # one console's sealed copy of a request
    state_bytes: int  # a request's change, as the hub's JSON view of it
    keepalive: int
    hold: float = 0.5
    escalate_after: float = 2.0
    escalate_share: float = 0.1
    cancel_share: float = 0.1
    per_group: int = 5
    seed: str = "peer-mosquitto"

    @property
    def count(self) -> int:
        return max(1, round(self.rate * self.duration))


@dataclass
class _Device:
    id: str
    client: mqtt.Client
    topics: list[str]
    station: str = ""  # a kiosk's or station console's station; CONTROL for the control room
    seen: set[int] = field(default_factory=set)  # message numbers: QoS 1 may repeat one
    acks: dict[int, int] = field(default_factory=dict)  # publish mid -> request number


@dataclass
class _Request:
    number: int
    kiosk: _Device
    plan: Plan
    created: float  # wall clock, as the hub's created_at
    copies_unacked: int
    closed: bool = False
    cancel_seen: bool = False  # by its acceptor, who then does not resolve


class Traffic:
    def __init__(self, options: TrafficOptions, port: int, ca: str, recorder: Recorder) -> None:
        self.o = options
        self.port = port
        self.recorder = recorder
        self.loop = ClientLoop()
        self._tls = ssl.create_default_context(cafile=ca)
        self._number = 0  # of messages published
        self._chooser = random.Random(options.seed)  # noqa: S311 (not security relevant)
        self.kiosks: list[_Device] = []
        self.consoles: dict[str, list[_Device]] = {}  # station (or CONTROL) -> its consoles
        self.requests: dict[int, _Request] = {}
        self.busy: set[str] = set()  # kiosks with an open request
        self.open: set[int] = set()
        self.subscribed = 0
        self.published = 0
        self.expected = 0  # deliveries the published messages are due: one per subscriber
        self.received = 0
        self._padding = {n: bytes(n) for n in (options.copy_bytes, options.state_bytes)}

    # -- connecting ---------------------------------------------------------------------
    def connect_all(self, deadline: float) -> None:
        o = self.o
        control = max(1, o.staff // 10)
        stations = max(1, math.ceil(max(1, o.staff - control) / o.per_group))
        names = [f"st{i:03d}" for i in range(stations)]
        for i in range(o.staff - control):
            station = names[i % stations]
            self._add_console(f"staff-{i:04d}", station)
        for i in range(control):
            self._add_console(f"control-{i:03d}", CONTROL)
        for k in range(o.kiosks):
            station = names[k % stations]
            kiosk = self._device(f"kiosk-{station}-k{k:05d}", [], station)
            kiosk.topics.append(f"kb/k/{kiosk.id}")
            self.kiosks.append(kiosk)
        everyone = [d for group in self.consoles.values() for d in group] + self.kiosks
        for n, device in enumerate(everyone):
            device.client.connect("127.0.0.1", self.port, keepalive=o.keepalive)
            if n % 50 == 49:  # answer the broker's CONNACKs while the rest connect
                self.loop.run_once(0.0)
        if not self.loop.run_until(lambda: self.subscribed == len(everyone), deadline):
            raise RuntimeError(f"only {self.subscribed} of {len(everyone)} clients subscribed")

    def _add_console(self, device_id: str, station: str) -> None:
        console = self._device(device_id, [f"kb/c/{device_id}", f"kb/r/{station}"], station)
        self.consoles.setdefault(station, []).append(console)

    def _device(self, device_id: str, topics: list[str], station: str) -> _Device:
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=device_id, protocol=mqtt.MQTTv311
        )
        client.tls_set_context(self._tls)
        device = _Device(device_id, client, topics, station)
        client.user_data_set(device)
        client.on_connect = self._on_connect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        client.on_publish = self._on_publish
        self.loop.attach(client)
        return device

    def _on_connect(self, client: mqtt.Client, device: _Device, *_args: Any) -> None:
        client.subscribe([(t, 1) for t in device.topics])

    def _on_subscribe(self, *_args: Any) -> None:
        self.subscribed += 1

    # -- sending ----------------------------------------------------------------------------
    def send_all(self) -> None:
        """Schedule every request at the rate (run the loop to send them)."""
        self._started = time.monotonic()
        self._sent = 0
        self._cursor = 0
        self.loop.call_at(self._started, self._tap)

    def all_sent(self) -> bool:
        return self._sent >= self.o.count

    def all_delivered(self) -> bool:
        return self.received >= self.expected

    def _tap(self) -> None:
        kiosk = self._free_kiosk()
        if kiosk is None:  # every kiosk in use: saturated, try again shortly
            self.loop.call_later(0.01, self._tap)
            return
        o, choose = self.o, self._chooser
        escalate = choose.random() < o.escalate_share
        station = CONTROL if escalate else kiosk.station
        plan = Plan(
            kiosk_id=kiosk.id,
            acceptor_id=choose.choice(self.consoles[station]).id,
            escalate=escalate,
            cancel=choose.random() < o.cancel_share,
        )
        number = self._sent
        consoles = self.consoles[kiosk.station]
        request = _Request(number, kiosk, plan, time.time(), len(consoles))
        self.requests[number] = request
        self.busy.add(kiosk.id)
        self.open.add(number)
        self.recorder.tapped(_ticket_id(number), plan)
        for console in consoles:
            mid = self._publish(kiosk, f"kb/c/{console.id}", NEW, number, o.copy_bytes)
            kiosk.acks[mid] = number
        if escalate:
            self.loop.call_later(o.escalate_after, lambda: self._escalate(request))
        self._sent += 1
        if self._sent < o.count:
            self.loop.call_at(self._started + self._sent / o.rate, self._tap)

    def _free_kiosk(self) -> _Device | None:
        for step in range(len(self.kiosks)):
            kiosk = self.kiosks[(self._cursor + step) % len(self.kiosks)]
            if kiosk.id not in self.busy:
                self._cursor += step + 1
                return kiosk
        return None

    def _escalate(self, request: _Request) -> None:
        """What the hub's escalator does: the control room gets its copies."""
        for console in self.consoles[CONTROL]:
            self._publish(
                request.kiosk, f"kb/c/{console.id}", NEW, request.number, self.o.copy_bytes
            )

    def _publish(self, device: _Device, topic: str, kind: int, number: int, size: int) -> int:
        self._number += 1
        payload = _HEADER.pack(self._number, kind, number) + self._padding[size][_HEADER.size :]
        self.published += 1
        # A route's topic reaches each of its consoles; a kiosk's or a console's, one client.
        route = topic.startswith("kb/r/")
        self.expected += len(self.consoles[topic[5:]]) if route else 1
        return device.client.publish(topic, payload, qos=1).mid

    def _change(self, device: _Device, request: _Request, kind: int) -> None:
        """A request's change to its kiosk and the consoles of its route."""
        size, number = self.o.state_bytes, request.number
        self._publish(device, f"kb/k/{request.kiosk.id}", kind, number, size)
        self._publish(device, f"kb/r/{request.kiosk.station}", kind, number, size)
        if request.plan.escalate:
            self._publish(device, f"kb/r/{CONTROL}", kind, number, size)

    # -- receiving ------------------------------------------------------------------------------
    def _on_publish(self, _client: mqtt.Client, device: _Device, mid: int, *_args: Any) -> None:
        number = device.acks.pop(mid, None)
        if number is None:
            return
        request = self.requests[number]
        request.copies_unacked -= 1
        if request.copies_unacked == 0:  # the broker has every station copy: "submitted"
            self.recorder.submitted(_ticket_id(number))

    def _on_message(self, _client: mqtt.Client, device: _Device, message: Any) -> None:
        self.received += 1
        serial, kind, number = _HEADER.unpack_from(message.payload)
        if serial in device.seen:
            self.recorder.count("duplicated")  # delivered twice (QoS 1 allows it)
            return
        device.seen.add(serial)
        request = self.requests[number]
        if device.topics[0].startswith("kb/k/"):
            self._kiosk_saw(device, request, kind)
        elif kind == NEW:
            self._console_got(device, request)
        elif kind == CANCELLED and device.id == request.plan.acceptor_id:
            request.cancel_seen = True

    def _kiosk_saw(self, kiosk: _Device, request: _Request, kind: int) -> None:
        if request.closed:
            return  # resolved and withdrawn at once: the hub would refuse the second
        self.recorder.kiosk_saw(_ticket_id(request.number), _STATE[kind])
        if kind in (RESOLVED, CANCELLED):
            request.closed = True
            self.busy.discard(kiosk.id)
            self.open.discard(request.number)
        elif kind == ACCEPTED and request.plan.cancel:
            self._change(kiosk, request, CANCELLED)

    def _console_got(self, console: _Device, request: _Request) -> None:
        ticket_id = _ticket_id(request.number)
        escalated_at = None
        if console.station == CONTROL:
            escalated_at = request.created + self.o.escalate_after
        self.recorder.notified(ticket_id, console.id, escalated_at, time.time())
        # One "delivered" per request, from the first console of its station.
        if console is self.consoles[request.kiosk.station][0]:
            self._change(console, request, DELIVERED)
        if console.id != request.plan.acceptor_id:
            return
        self.recorder.accept_sent(ticket_id)
        self._change(console, request, ACCEPTED)
        self.recorder.accepted(ticket_id, console.id)
        self.loop.call_later(self.o.hold, lambda: self._resolve(console, request))

    def _resolve(self, console: _Device, request: _Request) -> None:
        if not request.cancel_seen:
            self._change(console, request, RESOLVED)


def _ticket_id(number: int) -> str:
    return f"t{number:07d}"
