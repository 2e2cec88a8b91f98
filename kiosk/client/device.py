"""A device's own configuration, written at enrolment into its directory."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from kiosk.core.errors import SiteError
from kiosk.core.site import DeviceRole

__all__ = ["DeviceConfig", "require_https"]


def require_https(url: str) -> str:
    """`url` if it is an https:// address with a host; else SiteError. Every call
    is signed, but over plain HTTP anyone on the way reads what a device sends
    and learns who asks for what, when; there is no reason to allow it."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() != "https" or not parts.hostname:
        shown = f"{parts.scheme}://" if parts.scheme else url[:40]
        raise SiteError(
            f"the hub address must start with https:// and name a host (not {shown!r}), "
            "e.g. https://hub.example:8443"
        )
    return url


@dataclass(frozen=True, slots=True)
class DeviceConfig:
    directory: Path
    device_id: str
    role: DeviceRole
    hub_url: str
    site_public: bytes  # pinned at enrolment: only manifests it signed are trusted
    location_id: str | None = None
    group_id: str | None = None

    def __post_init__(self) -> None:
        require_https(self.hub_url)  # a device.json edited to http:// is refused too

    @property
    def ca_file(self) -> Path:
        return self.directory / "ca.pem"

    def save(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        doc = {
            "device_id": self.device_id,
            "role": self.role.value,
            "hub_url": self.hub_url,
            "site_public": base64.b64encode(self.site_public).decode(),
            "location": self.location_id,
            "group": self.group_id,
        }
        (self.directory / "device.json").write_text(json.dumps(doc, indent=2) + "\n")

    @classmethod
    def load(cls, directory: Path) -> DeviceConfig:
        doc = json.loads((directory / "device.json").read_text())
        return cls(
            directory=directory,
            device_id=doc["device_id"],
            role=DeviceRole(doc["role"]),
            hub_url=doc["hub_url"],
            site_public=base64.b64decode(doc["site_public"]),
            location_id=doc.get("location"),
            group_id=doc.get("group"),
        )
