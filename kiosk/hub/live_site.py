"""The site as the event loop sees it: the cached manifest, and what a newer
one changes for the streams that are open."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool

from kiosk.core.events import ManifestChanged
from kiosk.core.site import Site
from kiosk.hub.events import Broker
from kiosk.hub.site_state import SiteState
from kiosk.hub.store import Store

__all__ = ["LiveSite"]


class LiveSite:
    def __init__(self, state: SiteState, store: Store, broker: Broker) -> None:
        self.state = state
        self._store = store
        self._broker = broker
        self._version = 0
        self.latest: Site | None = None  # the newest manifest noticed

    async def current(self) -> Site | None:
        site = self.on_loop()
        if site is None:
            site, _ = await run_in_threadpool(self.state.current)
        return self.notice(site)

    async def signed(self) -> tuple[Site | None, bytes | None]:
        """The site and the signed manifest as devices get it (worker thread)."""
        return await run_in_threadpool(self.state.current)

    def on_loop(self) -> Site | None:
        """The current site if the loop can know it without waiting (SQLite, and
        the newest version already loaded); None sends the caller to a thread."""
        version = self._store.manifest_version_now()
        return None if version is None else self.state.loaded_if(version)

    def notice(self, site: Site | None) -> Site | None:
        """On the event loop: what a newly loaded manifest changes for open streams."""
        if site is not None and site.version > self._version:
            # A new manifest: streams of devices it no longer lists, or lists with
            # another record (keys, group, role, place), end now; the others
            # filter by the new site from here on. (Only forward: a call that
            # read the manifest just before it changed may arrive after.)
            self._broker.follow_manifest(site)
            if self._version:  # kiosks keep the manifest: tell them it changed
                self._broker.publish(ManifestChanged())
            self._version = site.version
            self.latest = site
        return site
