"""What the end-to-end encryption costs per ticket: sealing on the kiosk (for 1,
10 and 50 recipients) and opening on a staff device, for both HPKE suites.

    python benchmarks/crypto_costs.py [--json] [--rounds N]

Times are medians of N rounds on this machine; sizes are exact.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable

from kiosk.core.body import TicketBody, binding_bytes
from kiosk.core.categories import Category, Urgency
from kiosk.core.site import SUITES
from kiosk.crypto import DeviceKeys, open_ticket, seal_ticket


def _median_ms(fn: Callable[[], object], rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def measure(rounds: int) -> list[dict[str, object]]:
    body = TicketBody(
        Category.UNWELL, Urgency.URGENT, "ar", ("sit_down", "with_child"), "x" * 120
    ).to_bytes()
    binding = binding_bytes("a" * 32, "central-p3", Category.UNWELL, Urgency.URGENT)
    staff = [DeviceKeys.generate() for _ in range(50)]
    rows: list[dict[str, object]] = []
    for suite in SUITES:
        for count in (1, 10, 50):
            recipients = {f"staff-{i}": k.hpke_public for i, k in enumerate(staff[:count])}
            sealed = seal_ticket(body, recipients, binding, suite)
            seal_ms = _median_ms(
                lambda r=recipients, s=suite: seal_ticket(body, r, binding, s), rounds
            )
            copy = sealed["staff-0"]
            open_ms = _median_ms(lambda c=copy: open_ticket(c, staff[0], binding), rounds)
            rows.append(
                {
                    "suite": suite,
                    "recipients": count,
                    "body_bytes": len(body),
                    "seal_ms": round(seal_ms, 3),
                    "open_ms": round(open_ms, 3),
                    "bytes_per_copy": len(copy),
                    "bytes_total": sum(len(c) for c in sealed.values()),
                }
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    rows = measure(args.rounds)
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(f"{'suite':<16} {'recip.':>6} {'seal ms':>9} {'open ms':>8} {'B/copy':>7} {'B total':>8}")
    for r in rows:
        print(
            f"{r['suite']!s:<16} {r['recipients']!s:>6} {r['seal_ms']!s:>9} {r['open_ms']!s:>8}"
            f" {r['bytes_per_copy']!s:>7} {r['bytes_total']!s:>8}"
        )


if __name__ == "__main__":
    main()
