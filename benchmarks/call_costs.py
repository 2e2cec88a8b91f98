"""What one request costs the hub's Python side, from its submission to its
resolution: the four signed calls of a request's life, each through the hub's
ASGI app, and the events each puts on every device's stream, rendered.

    .venv/bin/python benchmarks/call_costs.py [--kiosks 1000] [--staff 50] [--requests 300] [--json]

Builds the bench's site (kiosk/bench/fleet.py) in a scratch directory and
starts a hub in this process (its app, not its server: no sockets, no TLS),
on a SQLite file with the hub's own pragmas (fsync on every commit). Every
call is built, signed and sealed by the devices' own code before the clock
starts; then each request is submitted by its kiosk and reported delivered,
accepted and resolved by a console of its route, `--in-flight` requests at a
time. Prints the hub process's CPU time (every thread; user and kernel) per
request, best of `--rounds`. What it leaves out, and `kiosk bench` includes: granian's HTTP and
TLS, the kernel's sockets, the timers (escalation, presence). Run it with
PYTHONPATH pointing at another checkout to compare two commits on the same
cores; runs of the two in turns, as the cores' speed drifts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from in_process_site import drain, scratch_fleet

from kiosk.bench.fleet import Device, Fleet
from kiosk.client.epoch_keys import EpochKeyCache, sealing_keys
from kiosk.client.in_process import call_app
from kiosk.client.signed_calls import sealed_ticket_doc, signed_call, ticket_readers
from kiosk.core.body import TicketBody
from kiosk.core.categories import Category, Urgency
from kiosk.core.site import Site
from kiosk.core.ticket import new_ticket_id
from kiosk.hub.app import Hub, create_hub
from kiosk.hub.events import StreamContext

# One request's calls: who makes each, and the answer that means it was done.
_Call = tuple[str, str, bytes, dict[str, str], int]


def _calls(fleet: Fleet, site: Site, kiosk: Device, chance: random.Random) -> list[_Call]:
    kiosk_id = kiosk.config.device_id
    body = TicketBody(Category.UNWELL, Urgency.NORMAL, "en", free_text="Feeling faint")
    location, readers = ticket_readers(site, kiosk_id, body, time.time())
    # No console has published an epoch key here: copies go to long-term keys,
    # the same size to the hub.
    recipients, key_ids, _ = sealing_keys(readers, {}, EpochKeyCache())
    ticket_id = new_ticket_id()
    doc = sealed_ticket_doc(
        site,
        kiosk.keys,
        kiosk_id,
        ticket_id,
        location,
        body,
        (recipients, key_ids),
        lambda: os.urandom(32),
        time.time(),
    )
    staff = {d.config.device_id: d for d in fleet.staff}
    console = staff[chance.choice(sorted(r.id for r in readers))]
    calls: list[_Call] = []
    for device, path, sent, ok in (
        (kiosk, "/v1/tickets", doc, 201),
        (console, f"/v1/tickets/{ticket_id}/delivered", None, 200),
        (console, f"/v1/tickets/{ticket_id}/accept", {"eta_minutes": 3}, 200),
        (console, f"/v1/tickets/{ticket_id}/resolve", None, 200),
    ):
        data, headers = signed_call(device.keys, device.config.device_id, "POST", path, sent)
        calls.append(("POST", path, data, headers, ok))
    return calls


async def _rounds(app: Any, fleet: Fleet, options: argparse.Namespace) -> dict[str, Any]:
    hub: Hub = app.state.hub
    site = await hub.current_site()
    assert site is not None
    streams = [(d, hub.streams.subscribe(StreamContext(d, site))) for d in site.devices]
    chance = random.Random(1)  # noqa: S311  (which kiosk and console: spread, not secret)
    best, failed, written = float("inf"), 0, 0
    split = (0.0, 0.0)  # the best round's user and system CPU

    async def life(calls: list[_Call]) -> int:
        wrong = 0
        for method, path, data, headers, ok in calls:
            status, _ = await call_app(app, method, path, headers, data)
            wrong += status != ok
        return wrong

    for _ in range(options.rounds):
        # A kiosk raises a handful of requests in a run: its own allowance holds.
        kiosks = chance.sample(fleet.kiosks, options.requests)
        lives = [_calls(fleet, site, k, chance) for k in kiosks]
        before, written = os.times(), 0
        for at in range(0, len(lives), options.in_flight):
            group = lives[at : at + options.in_flight]
            failed += sum(await asyncio.gather(*(life(c) for c in group)))
            written += drain(hub, site, streams)
        after = os.times()
        user, system = after.user - before.user, after.system - before.system
        if user + system < best:
            best, split = user + system, (user, system)
    return {
        "ms_per_request": round(best / options.requests * 1000, 3),
        "user_ms_per_request": round(split[0] / options.requests * 1000, 3),
        "system_ms_per_request": round(split[1] / options.requests * 1000, 3),
        "calls_per_request": 4,
        "bytes_written_per_request": round(written / options.requests),
        "wrong_answers": failed,
        "streams": len(streams),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kiosks", type=int, default=1000)
    parser.add_argument("--staff", type=int, default=50)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--in-flight", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    if options.requests * options.rounds > options.kiosks * 4:
        parser.error("more requests than the kiosks' allowance: raise --kiosks")
    with scratch_fleet(options.kiosks, options.staff) as (layout, fleet):
        app = create_hub(layout.hub_settings())
        result = asyncio.run(_rounds(app, fleet, options))
        app.state.hub.store.close_loop_reader()
    result |= {"kiosks": options.kiosks, "staff": options.staff, "requests": options.requests}
    if options.json:
        print(json.dumps(result, indent=2))
    else:
        print(
            f"{result['ms_per_request']} ms of the hub's CPU per request "
            f"({result['calls_per_request']} calls, {result['streams']} streams, "
            f"{result['wrong_answers']} wrong answers)"
        )


if __name__ == "__main__":
    main()
