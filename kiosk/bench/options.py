"""What one bench run does, as typed frozen options with their defaults."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["BenchOptions"]


def _random_marker() -> str:
    return f"bench-marker-{secrets.token_hex(8)}"


@dataclass(frozen=True, slots=True)
class BenchOptions:
    kiosks: int = 20
    staff: int = 6
    rate: float = 10.0  # new tickets per second
    duration: float = 10.0  # seconds of load, unless `tickets` is given
    tickets: int | None = None  # this many tickets at `rate`, instead of `duration`
    data: Path | None = None  # kept after the run; a temporary directory otherwise
    db_url: str = ""  # empty: SQLite in data/hub
    hubs: int = 1
    # Each hub held to this many cores, as on a machine of its own (cpu_quota.py).
    hub_cpu: float | None = None
    marker: str = field(default_factory=_random_marker)
    # How long a simulated staff member takes between accepting and resolving.
    hold_seconds: float = 0.5
    # The control room is alerted when a station's staff have not accepted for this long.
    escalate_after: float = 2.0
    # Share of tickets the station's staff leave for the control room (escalation).
    escalate_share: float = 0.1
    # Share of travellers who withdraw after staff accept ("I no longer need help").
    cancel_share: float = 0.1
    # After the last ticket: how long to wait for every open one to close.
    drain_seconds: float = 30.0
    staff_per_group: int = 5
    # Processes the simulated devices are spread over (see shard.py).
    processes: int = 2

    @property
    def ticket_count(self) -> int:
        if self.tickets is not None:
            return self.tickets
        return max(1, round(self.rate * self.duration))
