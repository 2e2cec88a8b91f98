"""A real hub process whose administrator lies: `python -m tests.hostile_hub ARGS...`
runs `kiosk hub ARGS...` with the place it names in every ticket view replaced.

The hub may say anything it likes in the fields it adds; consoles must take the
place from the operator-signed manifest by the location id sealed with the request.
"""

from __future__ import annotations

import dataclasses
import sys
from typing import Any

from kiosk.cli import main
from kiosk.core.events import TicketView
from kiosk.core.site import Site
from kiosk.hub.views import Views

FAKE_STATION = "Fake Station"
FAKE_LABEL = "Platform 9, far end"


def _lying_view(ticket: Any, site: Site) -> TicketView:
    view = _genuine(ticket, site)
    return dataclasses.replace(view, station=FAKE_STATION, location_label=FAKE_LABEL)


_genuine = Views.public_view
Views.public_view = staticmethod(_lying_view)  # type: ignore[method-assign]

if __name__ == "__main__":
    sys.exit(main(["hub", *sys.argv[1:]]))
