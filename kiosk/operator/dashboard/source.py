"""Where the dashboard's figures come from: the operator's own site record and
the hub's signed admin API (as every `kiosk admin` command reads it), never the
hub's database.

One lock around the hub: several browser tabs share one admin connection
(a requests session is not meant to be shared between threads), and a page
asked twice at once costs the hub one read after the other, not two at once.

The site is read once per change of operator/manifest.json: every open page
asks for it every few seconds, and a large site's file is megabytes to read,
verify and parse.
"""

from __future__ import annotations

import os
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

# The manifest file's identity (path, inode, mtime, size) and the key it is checked with.
_SiteKey = tuple[str, int, int, int, bytes] | None


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
        self._site_lock = threading.Lock()
        self._site: tuple[_SiteKey, Site] | None = None

    def site(self) -> Site:
        """The operator's last signed site, read again only when its file changed."""
        with self._site_lock:  # one reader at a time: a change is parsed once, not per tab
            key = self._site_key()
            if self._site is None or self._site[0] != key:
                self._site = (key, current_site(self._layout))
            return self._site[1]

    def _site_key(self) -> _SiteKey:
        """Taken before the read: a file replaced during it is read again next time.

        current_site reads operator/manifest.json on every call and checks it with
        the public key derived from operator/site.key, which the layout loads once
        and keeps (OperatorState.site_key); that key, not site.key's file, is what
        the check uses."""
        state = self._layout.state()
        public = state.site_public()
        try:
            s = os.stat(state.last_path)
        except FileNotFoundError:
            return None  # current_site says what is missing, and nothing is kept
        return (str(state.last_path), s.st_ino, s.st_mtime_ns, s.st_size, public)

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
