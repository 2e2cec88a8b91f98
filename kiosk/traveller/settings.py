"""Typed, frozen settings of the kiosk app."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kiosk.i18n import SUPPORTED_LOCALES

__all__ = ["TravellerSettings"]


@dataclass(frozen=True, slots=True)
class TravellerSettings:
    device_dir: Path
    languages: tuple[str, ...] = SUPPORTED_LOCALES
    # Before sending: after this long untouched, ask "Do you need more time?"...
    inactivity_seconds: float = 90.0
    # ...and go back to the start only if nobody answers within this (WCAG 2.2.1: >= 20 s).
    warning_seconds: float = 30.0
    # An accepted request untouched this long: the same question, then the kiosk
    # starts anew for the next traveller (the request stays open for staff).
    handover_seconds: float = 120.0
    # Take these times and done_seconds from the site file ([limits], [retention]);
    # False: keep these (tests, a technician's bench).
    site_limits: bool = True
    # The thank-you screen stays this long, then everything is forgotten.
    done_seconds: float = 8.0
    # Seconds between the attract screen's language changes.
    attract_seconds: float = 3.0
    # Sending is retried (same ticket id, so never twice) while the traveller is
    # there (the inactivity limit ends a session whose traveller left), at most this.
    send_patience_seconds: float = 1800.0
    # The physical panel: touch targets are sized in millimetres on it. The
    # default is a 21.5" 1080x1920 panel: sqrt(1080² + 1920²) / 21.5 ≈ 102 dpi.
    screen_dpi: float = 102.0
    # Touch targets are at least this many millimetres (and never below 44 px).
    min_target_mm: float = 20.0
    # "Larger text" scales every text by this (WCAG 1.4.4: up to 200 %).
    large_text_scale: float = 2.0
    # "Low reach": in portrait, every control sits in this lower part of the
    # screen (1200 px of 1920 on the default panel).
    reach_fraction: float = 0.625
