"""How operator commands reach a hub: one narrow protocol, so the operator's
code never depends on what the hub keeps or how.

`LocalHubAdmin` serves a hub whose data directory (or database) is reachable
from this machine: a one-box site, the demo, tests. Whatever it returns is the
hub's claim, never the operator's truth (operator_state.py holds that).
"""

from __future__ import annotations

from typing import Any, Protocol

from kiosk.core.errors import SiteError
from kiosk.crypto import manifest_digest
from kiosk.hub.store import Store
from kiosk.operator.operator_state import HubManifest

__all__ = ["HubAdmin", "LocalHubAdmin"]


class HubAdmin(Protocol):
    def manifest(self) -> HubManifest | None:
        """The version and digest of the manifest the hub serves, as it says."""
        ...

    def put_manifest(self, signed: dict[str, Any]) -> None:
        """Hand the hub a newly signed manifest; it serves it from its next call on."""
        ...


class LocalHubAdmin:
    def __init__(self, store: Store) -> None:
        self._store = store

    def manifest(self) -> HubManifest | None:
        signed = self._store.latest_manifest()
        if signed is None:
            return None
        inner = signed.get("manifest")
        version = inner.get("version") if isinstance(inner, dict) else None
        return HubManifest(version if isinstance(version, int) else 0, manifest_digest(signed))

    def put_manifest(self, signed: dict[str, Any]) -> None:
        version = int(signed["manifest"]["version"])
        if version <= self._store.latest_manifest_version():
            raise SiteError(f"the hub already holds a manifest numbered {version} or later")
        self._store.add_manifest(version, signed)
