"""`kiosk bench`: its options on the command line and its report."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from kiosk.bench.options import BenchOptions

__all__ = ["add_bench_arguments", "bench_main"]


def add_bench_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--kiosks", type=int, default=20, help="simulated kiosks (default 20)")
    p.add_argument("--staff", type=int, default=6, help="simulated staff consoles (default 6)")
    p.add_argument("--rate", type=float, default=10.0, help="new tickets per second (default 10)")
    how_many = p.add_mutually_exclusive_group()
    how_many.add_argument("--duration", type=float, default=10.0, help="seconds of load")
    how_many.add_argument("--tickets", type=int, default=None, help="send this many tickets")
    p.add_argument("--data", type=Path, default=None, help="site data directory, kept after")
    p.add_argument("--db", default="", help="database URL (default: SQLite in --data)")
    p.add_argument("--hubs", type=int, default=1, help="hub processes (PostgreSQL for > 1)")
    p.add_argument(
        "--hub-cpu",
        type=float,
        default=None,
        metavar="CORES",
        help="hold each hub to this many CPU cores, as if on a machine of its own "
        "(a Linux cgroup; needs root)",
    )
    p.add_argument("--marker", default=None, help="text put into every ticket (default: random)")
    p.add_argument("--hold", type=float, default=0.5, help="seconds from accept to resolve")
    p.add_argument(
        "--escalate-after", type=float, default=2.0, help="control room alerted after (s)"
    )
    p.add_argument(
        "--escalate-share", type=float, default=0.1, help="tickets left for the control room"
    )
    p.add_argument(
        "--cancel-share", type=float, default=0.1, help="tickets the traveller withdraws"
    )
    p.add_argument(
        "--processes",
        type=int,
        default=2,
        help="processes the simulated devices run in (with more than one, and one more "
        "for the control room's consoles)",
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")


def bench_main(args: argparse.Namespace) -> int:
    from kiosk.bench.run import run_bench

    options = BenchOptions(
        kiosks=args.kiosks,
        staff=args.staff,
        rate=args.rate,
        duration=args.duration,
        tickets=args.tickets,
        data=args.data,
        db_url=args.db,
        hubs=args.hubs,
        hub_cpu=args.hub_cpu,
        hold_seconds=args.hold,
        escalate_after=args.escalate_after,
        escalate_share=args.escalate_share,
        cancel_share=args.cancel_share,
        processes=args.processes,
        **({"marker": args.marker} if args.marker else {}),
    )
    report = run_bench(options, progress=lambda text: print(f"bench: {text}", file=sys.stderr))
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for key, value in report.items():
            if key != "ticket_ids":
                print(f"{key:<26} {value}")
    return 0 if report["lost"] == 0 and report["duplicated"] == 0 else 1
