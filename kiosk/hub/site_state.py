"""The hub's view of the site: the newest manifest the operator signed."""

from __future__ import annotations

import threading
from pathlib import Path

from kiosk.core.site import Site
from kiosk.crypto import verify_manifest
from kiosk.hub.store import Store

__all__ = ["SiteState"]


class SiteState:
    """Caches the verified site; re-reads it when the operator publishes a new version.

    The version is checked on every call (one indexed query), so a revocation
    takes effect on the revoked device's very next request.
    """

    def __init__(self, store: Store, site_public_path: Path) -> None:
        self._store = store
        self._site_public_path = site_public_path
        self._site: Site | None = None
        self._signed: dict[str, object] | None = None
        self._lock = threading.Lock()

    def current(self) -> tuple[Site | None, dict[str, object] | None]:
        """Called from worker threads only (it reads the database)."""
        # One reader at a time: a second thread must not see a half-loaded site.
        with self._lock:
            self._reload()
            return self._site, self._signed

    def _reload(self) -> None:
        version = self._store.latest_manifest_version()
        if self._site is not None and version == self._site.version:
            return
        signed = self._store.latest_manifest()
        if signed is not None:
            doc = verify_manifest(signed, self._site_public_path.read_bytes())
            self._site, self._signed = Site.from_document(doc), signed
