"""The hub's view of the site: the newest manifest the operator signed."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from kiosk.core.site import Site
from kiosk.crypto import verify_manifest
from kiosk.hub.store import Store

__all__ = ["SiteState"]

_RECHECK_SECONDS = 1.0


class SiteState:
    """Caches the verified site; re-reads it when the operator applies a new version."""

    def __init__(self, store: Store, site_public_path: Path) -> None:
        self._store = store
        self._site_public_path = site_public_path
        self._site: Site | None = None
        self._signed: dict[str, object] | None = None
        self._checked_at = -_RECHECK_SECONDS
        self._lock = threading.Lock()

    def current(self) -> tuple[Site | None, dict[str, object] | None]:
        """Called from worker threads only (it reads the database)."""
        # One reader at a time: a second thread must not see the cache marked
        # fresh while the first is still loading it.
        with self._lock:
            now = time.monotonic()
            if now - self._checked_at >= _RECHECK_SECONDS:
                self._reload()
                self._checked_at = now
            return self._site, self._signed

    def _reload(self) -> None:
        version = self._store.latest_manifest_version()
        if self._site is not None and version == self._site.version:
            return
        signed = self._store.latest_manifest()
        if signed is not None:
            doc = verify_manifest(signed, self._site_public_path.read_bytes())
            self._site, self._signed = Site.from_document(doc), signed
