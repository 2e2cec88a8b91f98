"""The operator's own truth, kept on the operator machine: the last manifest it signed.

Nothing the hub holds is trusted here. A hostile hub administrator could put an
older signed manifest (one that still lists a revoked reader) back in its
database, or swap its copy of the site's public key: if the operator built the
next version on what the hub says, it would sign the revoked reader back in.
So the operator builds every new version on its own last one, derives the site
public key from `site.key` itself, and refuses to go on when the hub holds a
manifest it did not sign last.

    operator/manifest.json      the last signed manifest, as devices get it
    operator/manifests.jsonl    one line per version signed: version, digest,
                                valid_until (no device keys; `kiosk admin status`
                                reads it to say which devices hold an expired one)
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from kiosk.core.errors import SiteError
from kiosk.core.site import Site
from kiosk.crypto import SiteKey, manifest_digest, sign_manifest, verify_manifest

__all__ = ["HubManifest", "OperatorState", "SignedVersion", "check_hub_base"]


@dataclass(frozen=True)
class SignedVersion:
    version: int
    digest: str
    valid_until: int


@dataclass(frozen=True)
class HubManifest:
    """What the hub says it serves: a claim, compared with the operator's own record."""

    version: int
    digest: str


@dataclass(frozen=True)
class OperatorState:
    directory: Path  # the operator's directory: site.key, manifest.json, ...
    passphrase: bytes | None = None

    @property
    def last_path(self) -> Path:
        """The file last_signed reads: the last manifest signed here, replaced whole."""
        return self.directory / "manifest.json"

    @property
    def _history_path(self) -> Path:
        return self.directory / "manifests.jsonl"

    def site_key(self) -> SiteKey:
        return self._site_key

    @cached_property
    def _site_key(self) -> SiteKey:
        # Loaded once: a passphrase-encrypted key costs a key derivation per load.
        return SiteKey.load(self.directory / "site.key", self.passphrase)

    def site_public(self) -> bytes:
        """From the private key itself, never from a copy the hub could swap."""
        return self.site_key().public

    def last_signed(self) -> dict[str, Any]:
        try:
            signed: dict[str, Any] = json.loads(self.last_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise SiteError(
                f"{self.last_path} is missing: this machine has signed no manifest of this "
                "site (run `kiosk admin init`, or use the operator machine that did)"
            ) from None
        except ValueError:
            raise SiteError(f"{self.last_path} is damaged: restore it from a backup") from None
        return signed

    def last_site(self) -> Site:
        """The last manifest signed here, checked against this site key."""
        return Site.from_document(verify_manifest(self.last_signed(), self.site_public()))

    def sign_next(
        self, site: Site, now: float | None = None, *, first: bool = False
    ) -> tuple[Site, dict[str, Any]]:
        """`site` signed as the version after the last one signed here, valid for the
        site's `manifest_valid_hours`; recorded before it is handed to any hub, so the
        next version builds on it whether or not this delivery arrives. `first`: the
        site's first manifest (init); otherwise a missing record is an error, never
        a silent new start at version 1."""
        now = time.time() if now is None else now
        version = 1 if first else self.last_site().version + 1
        valid_until = int(now) + site.limits.manifest_valid_hours * 3600
        site = dataclasses.replace(site, version=version, valid_until=valid_until)
        signed = sign_manifest(self.site_key(), site.to_document())
        self._record(signed, SignedVersion(version, manifest_digest(signed), valid_until))
        return site, signed

    def history(self) -> list[SignedVersion]:
        try:
            lines = self._history_path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        return [SignedVersion(**json.loads(line)) for line in lines if line.strip()]

    def _record(self, signed: dict[str, Any], entry: SignedVersion) -> None:
        temporary = self.last_path.with_suffix(".tmp")
        temporary.write_text(json.dumps(signed, sort_keys=True), encoding="utf-8")
        os.replace(temporary, self.last_path)  # all or nothing, even on power loss
        with self._history_path.open("a", encoding="utf-8") as history:
            history.write(json.dumps(dataclasses.asdict(entry)) + "\n")


def check_hub_base(state: OperatorState, hub: HubManifest | None) -> None:
    """Refuse, in one line, a hub that holds a manifest the operator did not sign
    last: it was altered there, or signed on another machine. A hub that lags
    behind (a lost delivery, a restored backup, an old document put back in a
    newer row) is fine: the next version is built on the operator's own last one
    and supersedes whatever the hub holds."""
    last = state.last_signed()
    version = int(last["manifest"]["version"])
    if hub is None or hub.version < version:
        return
    if hub.version == version and hub.digest == manifest_digest(last):
        return
    raise SiteError(
        f"the hub holds manifest version {hub.version}, which is not the last one signed "
        f"on this machine (version {version}): it was altered on the hub or signed "
        "elsewhere; nothing was published"
    )
