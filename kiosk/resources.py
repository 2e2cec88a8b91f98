"""Where the shipped data lives: fonts, sounds and translation catalogs.

An installed kiosk finds them inside the package (`kiosk/_data/`, copied there
by the wheel build); a source checkout uses the top-level `assets/` and
`locales/`. KIOSK_ASSETS_DIR and KIOSK_LOCALES_DIR override both.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["ASSETS_DIR", "LOCALES_DIR"]

_PACKAGED = Path(__file__).resolve().parent / "_data"
_CHECKOUT = Path(__file__).resolve().parent.parent
_BASE = _PACKAGED if (_PACKAGED / "assets").is_dir() else _CHECKOUT

ASSETS_DIR = Path(os.environ.get("KIOSK_ASSETS_DIR", _BASE / "assets"))
LOCALES_DIR = Path(os.environ.get("KIOSK_LOCALES_DIR", _BASE / "locales"))
