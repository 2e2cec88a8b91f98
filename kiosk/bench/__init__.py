"""`kiosk bench`: simulated kiosks and staff consoles (the real client code, real
HTTP, TLS and HPKE) against real hub processes that the bench starts on loopback.

Entry points: `kiosk.bench.run.run_bench(BenchOptions(...))`, and the command
line in `kiosk.bench.command` (imported lazily: other commands start faster).
"""
