"""Where the dashboard's figures come from: the operator's own site record and
the hub's signed admin API (as every `kiosk admin` command reads it), never the
hub's database.

One lock around the hub: several browser tabs share one admin connection
(a requests session is not meant to be shared between threads), and a page
asked twice at once costs the hub one read after the other, not two at once.
"""

from __future__ import annotations

import threading
import time
from datetime import tzinfo
from typing import Any, Protocol

from kiosk.core.site import Site
from kiosk.hub.settings import DEFAULT_OFFLINE_AFTER_SECONDS
from kiosk.operator.dashboard.live import LiveView, assemble_live
from kiosk.operator.site_admin import SiteLayout, current_site
from kiosk.operator.status import device_states

__all__ = ["HubSource", "Source"]


class Source(Protocol):
    def site(self) -> Site: ...

    def live(self) -> LiveView:
        """Raises KioskError when the hub cannot be read."""
        ...

    def statistics(self) -> dict[str, Any]:
        """The hub's exact counters (GET /v1/admin/statistics); raises KioskError."""
        ...

    def zone(self) -> tzinfo:
        """The time zone the hub counts days and weeks in."""
        ...


class HubSource:
    def __init__(
        self, layout: SiteLayout, offline_after: float = DEFAULT_OFFLINE_AFTER_SECONDS
    ) -> None:
        self._layout = layout
        self._offline_after = offline_after
        self._lock = threading.Lock()

    def site(self) -> Site:
        return current_site(self._layout)

    def live(self) -> LiveView:
        with self._lock:
            site = self.site()
            now = time.time()
            devices = device_states(self._layout, site, offline_after=self._offline_after, now=now)
            live = self._layout.hub_admin.live()
            return assemble_live(site, devices, live, now, self._offline_after)

    def statistics(self) -> dict[str, Any]:
        with self._lock:
            return self._layout.hub_admin.statistics()

    def zone(self) -> tzinfo:
        return self.site().statistics.zone()  # the site file's, as the hub counts in
