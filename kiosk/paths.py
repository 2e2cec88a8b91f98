"""Where state lives, following the platform's conventions.

- KIOSK_DATA_DIR, if set;
- systemd's STATE_DIRECTORY (the units set StateDirectory=kiosk: /var/lib/kiosk);
- /var/lib/kiosk when it exists and we may write there (a system install);
- otherwise the user's data directory ($XDG_DATA_HOME/kiosk, ~/.local/share/kiosk).

Inside it: `site/` on the operator's or hub's machine, `device/` on a kiosk or
staff device, `demo/` for `kiosk demo`. Nothing of a traveller is ever stored.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["data_home"]

SYSTEM_STATE = Path("/var/lib/kiosk")


def data_home() -> Path:
    for variable in ("KIOSK_DATA_DIR", "STATE_DIRECTORY"):
        value = os.environ.get(variable, "").split(":")[0]
        if value:
            return Path(value)
    if SYSTEM_STATE.is_dir() and os.access(SYSTEM_STATE, os.W_OK):
        return SYSTEM_STATE
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "kiosk"
