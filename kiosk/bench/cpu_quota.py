"""Holds a bench hub to a share of the CPU, as if it ran on a machine of its own.

On one machine the simulated fleet, PostgreSQL and the hubs share the same cores, so
a second hub only takes CPU from the fleet. A deployment gives each hub a machine (or
a container with a CPU limit) of its own; a Linux cgroup with a CPU quota is that
limit here. cgroup v2 (`cpu.max`) and v1 (`cpu.cfs_quota_us`) are both met; either
needs the right to create a cgroup at the hierarchy's root (root).
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

from kiosk.core.errors import KioskError

__all__ = ["CpuQuota"]

# A short period: a hub that used its share waits at most this long to run again
# (the default 100 ms would add that to a request now and then).
_PERIOD_US = 20_000
_MIN_QUOTA_US = 1_000  # the kernel's floor
_V2_ROOT = Path("/sys/fs/cgroup")
_V1_ROOT = Path("/sys/fs/cgroup/cpu")


def _v2_cpu_for_children(root: Path) -> bool:
    """Children get `cpu.max` only if the root hands the controller down."""
    subtree = root / "cgroup.subtree_control"
    if "cpu" in subtree.read_text().split():
        return True
    with contextlib.suppress(OSError):  # refused where the root holds processes
        subtree.write_text("+cpu")
    return "cpu" in subtree.read_text().split()


def _writable_root() -> tuple[Path, int]:
    """The cgroup hierarchy with a CPU controller we may write to, and its version."""
    controllers = _V2_ROOT / "cgroup.controllers"
    if controllers.exists():
        if (
            "cpu" in controllers.read_text().split()
            and os.access(_V2_ROOT, os.W_OK)
            and _v2_cpu_for_children(_V2_ROOT)
        ):
            return _V2_ROOT, 2
    elif (_V1_ROOT / "cpu.cfs_quota_us").exists() and os.access(_V1_ROOT, os.W_OK):
        return _V1_ROOT, 1
    raise KioskError(
        "--hub-cpu needs a cgroup CPU controller this user may write to (Linux, as root)"
    )


class CpuQuota:
    """A cgroup that lets its processes use at most `cores` of the CPU together."""

    @staticmethod
    def check(cores: float) -> tuple[Path, int]:
        """Refuses what cannot be set, before anything is built or started; the
        hierarchy to use and its version."""
        smallest = _MIN_QUOTA_US / _PERIOD_US
        if not smallest <= cores <= (os.cpu_count() or 1):
            raise KioskError(
                f"a CPU share of {cores} cores is not possible on this machine "
                f"({smallest} to {os.cpu_count() or 1})"
            )
        return _writable_root()

    def __init__(self, name: str, cores: float) -> None:
        root, self.version = self.check(cores)
        self.path = root / f"{name}-{os.getpid()}"
        quota = round(cores * _PERIOD_US)
        try:
            self.path.mkdir()  # an existing one is another run's: never ours to remove
        except OSError as e:
            raise KioskError(f"could not create the cgroup {self.path}: {e}") from e
        try:
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
        """Removes the cgroup; a process still in it (a hub that would not stop) is
        killed first, as the kernel refuses to remove a cgroup with members."""
        for attempt in range(50):
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                if attempt == 10:
                    for pid in self.pids():
                        with contextlib.suppress(OSError):
                            os.kill(pid, signal.SIGKILL)
                time.sleep(0.1)  # a process that just exited may still be counted
        raise KioskError(f"could not remove the cgroup {self.path}: remove it by hand")
