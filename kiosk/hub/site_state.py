"""The hub's view of the site: the newest manifest the operator signed."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from kiosk.core.site import Site
from kiosk.crypto import verify_manifest
from kiosk.hub.store import Store

__all__ = ["SiteState"]

# The site, and the signed manifest as devices get it: encoded once per version
# and kept only so (a national site's parsed document would be megabytes more).
_Loaded = tuple[Site | None, bytes | None]


class SiteState:
    """Caches the verified site; re-reads it when the operator publishes a new version.

    The version is checked on every call (one indexed query), so a revocation
    takes effect on the revoked device's very next request.
    """

    def __init__(self, store: Store, site_public_path: Path) -> None:
        self._store = store
        self._site_public_path = site_public_path
        # One tuple, replaced whole: a reader never pairs a site with another's document.
        self._loaded: _Loaded = (None, None)
        self._lock = threading.Lock()

    def loaded_if(self, version: int) -> Site | None:
        """The cached site if it is `version`; safe on the event loop (no I/O)."""
        site = self._loaded[0]
        return site if site is not None and site.version == version else None

    def current(self) -> _Loaded:
        """Called from worker threads only (it reads the database)."""
        loaded = self._loaded
        version = self._store.latest_manifest_version()
        if loaded[0] is not None and loaded[0].version == version:
            return loaded  # every request comes here: no lock on the common path
        # One loader at a time: the manifest is verified once, not by every waiter.
        with self._lock:
            site = self._loaded[0]
            if site is None or site.version != version:
                signed = self._store.latest_manifest()
                if signed is not None:
                    doc = verify_manifest(signed, self._site_public_path.read_bytes())
                    encoded = json.dumps(signed, separators=(",", ":")).encode()
                    self._loaded = (Site.from_document(doc), encoded)
            return self._loaded
