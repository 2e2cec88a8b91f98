"""`kiosk bench`: simulated kiosks and staff consoles (the real client code, real
HTTP, TLS and HPKE) against real hub processes that the bench starts on loopback."""

from kiosk.bench.options import BenchOptions
from kiosk.bench.run import run_bench

__all__ = ["BenchOptions", "run_bench"]
