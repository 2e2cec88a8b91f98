"""The hub's in-process fan-out: who is asked about which event."""

from __future__ import annotations

import asyncio
from typing import Any

from kiosk.hub.events import Broker, Subscription


def _drain(sub: Subscription) -> list[dict[str, Any]]:
    out = []
    while not sub.queue.empty():
        out.append(sub.queue.get_nowait())
    return out


def test_kiosk_streams_get_only_their_own_events_and_broadcasts() -> None:
    async def run() -> None:
        broker = Broker()
        asked: list[str] = []

        def kiosk_wants(name: str) -> Any:
            def wants(event: dict[str, Any]) -> bool:
                asked.append(name)
                return True

            return wants

        k1 = broker.subscribe("k1", kiosk_wants("k1"), kiosk=True)
        k2 = broker.subscribe("k2", kiosk_wants("k2"), kiosk=True)
        staff = broker.subscribe("s1", lambda e: "ticket" in e)
        broker.publish({"type": "ticket", "ticket": {"id": "a"}, "kiosk_id": "k1"})
        assert asked == ["k1"]  # k2's filter is not even asked
        broker.publish({"type": "epoch_keys", "all_kiosks": True})
        assert sorted(asked) == ["k1", "k1", "k2"]
        broker.publish({"type": "duty", "device_id": "s1", "on_duty": True})
        assert [e["type"] for e in _drain(k1)] == ["ticket", "epoch_keys"]
        assert [e["type"] for e in _drain(k2)] == ["epoch_keys"]
        assert [e["type"] for e in _drain(staff)] == ["ticket"]
        broker.unsubscribe(k1)
        broker.publish({"type": "ticket", "ticket": {"id": "b"}, "kiosk_id": "k1"})
        assert _drain(k1) == []
        broker.end_all()
        assert k2.overflowed
        assert staff.overflowed
        assert not k1.overflowed

    asyncio.run(run())
