"""Typed, frozen settings of the staff console."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["StaffSettings"]


@dataclass(frozen=True, slots=True)
class StaffSettings:
    device_dir: Path
    # The console's own language, independent of any traveller's.
    language: str = "en"
    # UL 1069: an unanswered call repeats its tone at least every 10 s.
    alert_repeat_seconds: float = 10.0
    volume: float = 1.0
    default_eta_minutes: int = 5
    # How long one in-memory epoch key receives requests (kiosk/staff/key_ring.py).
    epoch_seconds: float = 8 * 3600.0
