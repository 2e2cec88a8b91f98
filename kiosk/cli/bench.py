"""`kiosk bench`: simulated kiosks and staff against real hubs (kiosk/bench/)."""

from __future__ import annotations

import argparse

from kiosk.bench.command import add_bench_arguments, bench_main

__all__ = ["register"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    bench = sub.add_parser("bench", help="simulated kiosks and staff against real hubs on loopback")
    add_bench_arguments(bench)
    bench.set_defaults(func=bench_main)
