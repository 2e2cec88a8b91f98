"""Where the machine's CPU went during a bench run: the hubs, the simulated
devices, the bench itself, and everything else.

The bench shares its machine with the hubs it measures. On a shared machine the
same code met the latency targets in a quiet quarter hour and missed them in a
busy one, so each report says how busy the machine was and how much of that was
not the bench's: a run that misses its targets while other work took a core is
told apart from one where the hub fell behind by itself.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CpuShares", "MachineTimes", "process_cpu_seconds"]

_TICK = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of one process, 0 once it has gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICK
    except (OSError, IndexError, ValueError):
        return 0.0


@dataclass(frozen=True, slots=True)
class MachineTimes:
    """The machine's CPU seconds over all cores since boot (/proc/stat's first line)."""

    busy: float  # user, nice, system, interrupts: what ran here
    steal: float  # what a virtual machine's host gave to other guests instead

    @classmethod
    def now(cls) -> MachineTimes:
        try:
            line = Path("/proc/stat").read_text().split("\n", 1)[0]
        except OSError:
            return cls(0.0, 0.0)  # not Linux: the report says 0
        # cpu user nice system idle iowait irq softirq steal guest guest_nice
        ticks = [int(v) for v in line.split()[1:]]
        ticks += [0] * (8 - len(ticks))
        busy = ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6]
        return cls(busy / _TICK, ticks[7] / _TICK)


@dataclass(frozen=True, slots=True)
class CpuShares:
    """Cores kept busy between two moments (1.0 = one core all the time)."""

    machine: float
    steal: float
    bench: float  # hubs, simulated devices and the bench's own process

    @property
    def other(self) -> float:
        """What ran on this machine that the bench did not start (a database
        server included: the bench does not start PostgreSQL)."""
        return max(0.0, self.machine - self.bench)

    @classmethod
    def between(
        cls,
        before: MachineTimes,
        after: MachineTimes,
        bench_seconds: float,
        elapsed: float,
    ) -> CpuShares:
        if elapsed <= 0:
            return cls(0.0, 0.0, 0.0)
        return cls(
            (after.busy - before.busy) / elapsed,
            (after.steal - before.steal) / elapsed,
            bench_seconds / elapsed,
        )
