"""Holds a bench hub to a share of the CPU, as if it ran on a machine of its own.

On one machine the simulated fleet, PostgreSQL and the hubs share the same cores, so
a second hub only takes CPU from the fleet. A deployment gives each hub a machine (or
a container with a CPU limit) of its own; a Linux cgroup with a CPU quota is that
limit here. cgroup v2 (`cpu.max`) and v1 (`cpu.cfs_quota_us`) are both met; either
needs the right to create a cgroup at the hierarchy's root (root).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from kiosk.core.errors import KioskError

__all__ = ["CpuQuota"]

# A short period: a hub that used its share waits at most this long to run again
# (the default 100 ms would add that to a request now and then).
_PERIOD_US = 20_000
_V2_ROOT = Path("/sys/fs/cgroup")
_V1_ROOT = Path("/sys/fs/cgroup/cpu")


def _writable_root() -> tuple[Path, int]:
    """The cgroup hierarchy with a CPU controller we may write to, and its version."""
    controllers = _V2_ROOT / "cgroup.controllers"
    if controllers.exists() and "cpu" in controllers.read_text().split():
        if os.access(_V2_ROOT, os.W_OK):
            return _V2_ROOT, 2
    elif (_V1_ROOT / "cpu.cfs_quota_us").exists() and os.access(_V1_ROOT, os.W_OK):
        return _V1_ROOT, 1
    raise KioskError(
        "--hub-cpu needs a cgroup CPU controller this user may write to (Linux, as root)"
    )


class CpuQuota:
    """A cgroup that lets its processes use at most `cores` of the CPU together."""

    def __init__(self, name: str, cores: float) -> None:
        if not 0.01 <= cores <= (os.cpu_count() or 1):
            raise KioskError(f"a CPU share of {cores} cores is not possible on this machine")
        root, self.version = _writable_root()
        self.path = root / f"{name}-{os.getpid()}"
        quota = max(1000, round(cores * _PERIOD_US))
        try:
            self.path.mkdir()
            if self.version == 2:
                (self.path / "cpu.max").write_text(f"{quota} {_PERIOD_US}")
            else:
                (self.path / "cpu.cfs_period_us").write_text(str(_PERIOD_US))
                (self.path / "cpu.cfs_quota_us").write_text(str(quota))
        except OSError as e:
            self.remove()
            raise KioskError(f"could not set a CPU quota in {self.path}: {e}") from e

    def add(self, pid: int) -> None:
        """Moves the process, with all its threads, into the quota; its children follow."""
        (self.path / "cgroup.procs").write_text(str(pid))

    def pids(self) -> list[int]:
        try:
            return [int(p) for p in (self.path / "cgroup.procs").read_text().split()]
        except OSError:
            return []

    def remove(self) -> None:
        """Removes the cgroup once its processes have gone (the kernel refuses before)."""
        for _ in range(50):
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.1)  # a process that just exited may still be counted
