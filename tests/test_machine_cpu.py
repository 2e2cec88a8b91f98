"""The bench's account of the machine's CPU (kiosk/bench/machine_cpu.py), read
from the real /proc while a real process spins."""

from __future__ import annotations

import subprocess
import sys
import time

from kiosk.bench.machine_cpu import CpuShares, MachineTimes, process_cpu_seconds
from tests.waiting import wait_until

_SPIN = "import time\nend = time.process_time() + 1.0\nwhile time.process_time() < end: pass"


def test_a_spinning_process_shows_in_its_own_and_the_machines_time() -> None:
    before, started = MachineTimes.now(), time.monotonic()
    spinner = subprocess.Popen([sys.executable, "-c", _SPIN])
    read = [0.0]

    def ended() -> bool:
        read.append(process_cpu_seconds(spinner.pid))  # read while it still exists
        return spinner.poll() is not None

    wait_until(ended, "the spinner's end", 30)
    spent = max(read)
    after, elapsed = MachineTimes.now(), time.monotonic() - started
    assert 0.7 <= spent <= 1.1  # its last 50 ms may go unseen
    shares = CpuShares.between(before, after, spent, elapsed)
    assert shares.machine >= shares.bench - 0.05  # the machine's time holds the spinner's
    assert shares.other == max(0.0, shares.machine - shares.bench)
    assert shares.steal >= 0


def test_a_process_that_has_gone_counts_nothing() -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    assert process_cpu_seconds(gone.pid) == 0.0


def test_other_is_what_the_bench_did_not_use_and_never_negative() -> None:
    before, after = MachineTimes(100.0, 1.0), MachineTimes(130.0, 2.0)
    shares = CpuShares.between(before, after, 18.0, 20.0)
    assert (shares.machine, shares.steal, shares.bench) == (1.5, 0.05, 0.9)
    assert abs(shares.other - 0.6) < 1e-9
    # Process and machine times are counted apart: a bench that seems to have
    # used more than the machine leaves nothing for "other", not less than nothing.
    assert CpuShares.between(before, after, 40.0, 20.0).other == 0.0
    assert CpuShares.between(before, after, 1.0, 0.0) == CpuShares(0.0, 0.0, 0.0)
