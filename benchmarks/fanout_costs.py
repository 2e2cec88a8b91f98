"""What one ticket event costs the hub between publishing and the bytes each
stream writes: the audience filters of every stream and the rendering.

    .venv/bin/python benchmarks/fanout_costs.py [--kiosks 200] [--staff 50] [--events 400] [--json]

Builds the bench's site (kiosk/bench/fleet.py) in a scratch directory, starts
a hub in this process (its app, not its server: no sockets), opens a stream
for every device, publishes new-request events as the hub does for a
submission (each with a sealed copy the size of the bench's for every reader
of its route), and renders what each stream queued. Prints the CPU time per
published event, best of three rounds. Run it with PYTHONPATH pointing at
another checkout to compare two commits on the same cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from in_process_site import drain, scratch_fleet

from kiosk.core.categories import Category, Urgency
from kiosk.core.ticket import Ticket, new_ticket_id
from kiosk.hub.app import Hub, create_hub
from kiosk.hub.events import StreamContext

_SEALED_COPY_TEXT = 4004  # base64 characters of the bench's 3,003-byte sealed copy


async def _rounds(hub: Hub, kiosks: list[str], events: int, rounds: int) -> dict[str, float]:
    site = await hub.current_site()
    assert site is not None
    streams = []
    for device in site.devices:
        streams.append((device, hub.streams.subscribe(StreamContext(device, site))))
    chance = random.Random(1)  # noqa: S311  (which kiosk: spread, not secret)
    published = []
    for _ in range(events):
        kiosk = site.device(chance.choice(kiosks))
        assert kiosk is not None
        assert kiosk.location_id is not None
        now = time.time()
        ticket = Ticket(
            id=new_ticket_id(),
            kiosk_id=kiosk.id,
            location_id=kiosk.location_id,
            category=Category.UNWELL,
            urgency=Urgency.NORMAL,
            created_at=now,
            updated_at=now,
        )
        readers = site.recipients_for(kiosk.location_id, Category.UNWELL.value, "normal")
        published.append((ticket, {r.id: "Q" * _SEALED_COPY_TEXT for r in readers}))
    best, written = float("inf"), 0
    for _ in range(rounds):
        started, written = time.process_time(), 0
        for ticket, sealed in published:
            hub.publisher.ticket(ticket, site, sealed)
            written += drain(hub, site, streams)
        best = min(best, time.process_time() - started)
    return {
        "us_per_event": round(best / events * 1e6, 1),
        "bytes_per_event": round(written / events),
        "streams": len(streams),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kiosks", type=int, default=200)
    parser.add_argument("--staff", type=int, default=50)
    parser.add_argument("--events", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    with scratch_fleet(options.kiosks, options.staff) as (layout, fleet):
        hub: Hub = create_hub(layout.hub_settings()).state.hub
        kiosks = [d.config.device_id for d in fleet.kiosks]
        result = asyncio.run(_rounds(hub, kiosks, options.events, options.rounds))
    result |= {"kiosks": options.kiosks, "staff": options.staff, "events": options.events}
    if options.json:
        print(json.dumps(result, indent=2))
    else:
        print(
            f"{result['us_per_event']} us of CPU per published event "
            f"({result['streams']} streams, {result['bytes_per_event']} bytes written an event)"
        )


if __name__ == "__main__":
    main()
