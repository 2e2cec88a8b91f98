"""Where the shipped data lives: fonts, sounds, pictograms and translation catalogs."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["ASSETS_DIR", "LOCALES_DIR"]

_ROOT = Path(__file__).resolve().parent.parent

ASSETS_DIR = Path(os.environ.get("KIOSK_ASSETS_DIR", _ROOT / "assets"))
LOCALES_DIR = Path(os.environ.get("KIOSK_LOCALES_DIR", _ROOT / "locales"))
