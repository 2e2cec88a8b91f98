"""How operator commands reach a hub: one narrow protocol, two ways.

`HttpHubAdmin` is the hub's admin API over the site's TLS, every call signed with
the site key (`kiosk admin ...` uses it): the operator machine needs no database
credentials and reads no hub file. `LocalHubAdmin` serves a hub whose database is
on this machine before any hub runs (`kiosk admin init`, the demo, tests).

Whatever either returns is the hub's claim, never the operator's truth: that is
operator_state.py. Enrolments are checked against the operator's own signature
and the fingerprint the device shows; status is information.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import requests

from kiosk.core.errors import HubRefused, HubUnreachable, SiteError
from kiosk.core.site import Site
from kiosk.crypto import SiteKey, manifest_digest, sign_admin_request
from kiosk.hub.counter_store import CounterStore
from kiosk.hub.duty import DutyBook
from kiosk.hub.enrolment_store import Enrolment, EnrolmentStore
from kiosk.hub.events import Broker
from kiosk.hub.fleet_admin_api import live_groups, live_tickets, statistics_answer
from kiosk.hub.presence import Presence
from kiosk.hub.reach import Reach
from kiosk.hub.store import Store
from kiosk.hub.views import Views
from kiosk.operator.operator_state import HubManifest

__all__ = ["HttpHubAdmin", "HubAdmin", "HubBeat", "LocalHubAdmin", "OpenTicket"]


@dataclass(frozen=True)
class HubBeat:
    device_id: str
    last_seen: float
    version: str
    manifest_version: int


@dataclass(frozen=True)
class OpenTicket:
    """Routing metadata of an open request and whom it is sealed to; never content."""

    id: str
    location_id: str
    category: str
    urgency: str
    sealed_to: frozenset[str]


class HubAdmin(Protocol):
    def manifest(self) -> HubManifest | None:
        """The version and digest of the manifest the hub serves, as it says."""
        ...

    def put_manifest(self, signed: dict[str, Any]) -> None:
        """Hand the hub a newly signed manifest; it serves it from its next call on."""
        ...

    def create_enrolment(self, enrolment: Enrolment) -> None: ...

    def enrolments(self) -> list[Enrolment]: ...

    def mark_published(self, device_ids: list[str]) -> None: ...

    def remove_enrolments(self, device_ids: list[str]) -> None: ...

    def beats(self) -> list[HubBeat]: ...

    def open_tickets(self) -> list[OpenTicket]: ...

    def relays(self) -> list[dict[str, Any]]:
        """Each alert relay's health as the hub knows it (content-free)."""
        ...

    def test_alert(self, group: str) -> list[dict[str, Any]]:
        """Per relay of the group: delivered, or the error's class."""
        ...

    def live(self) -> dict[str, Any]:
        """Open requests by place and timing only, each group's consoles, the
        relays (GET /v1/admin/live, kiosk/hub/fleet_admin_api.py)."""
        ...

    def statistics(self) -> dict[str, Any]:
        """The statistics switch and the hub's exact counters (small counts are
        hidden by whoever shows them: kiosk/core/statistics.py)."""
        ...


class LocalHubAdmin:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._enrolments = EnrolmentStore(store.engine)

    def manifest(self) -> HubManifest | None:
        signed = self._store.latest_manifest()
        return None if signed is None else _summary(signed)

    def put_manifest(self, signed: dict[str, Any]) -> None:
        version = int(signed["manifest"]["version"])
        if version <= self._store.latest_manifest_version():
            raise SiteError(f"the hub already holds a manifest numbered {version} or later")
        self._store.add_manifest(version, signed)

    def create_enrolment(self, enrolment: Enrolment) -> None:
        e = enrolment
        self._enrolments.create(
            e.code_hash,
            e.device_id,
            e.role,
            e.expires_at,
            location_id=e.location_id,
            group_id=e.group_id,
            intent_signature=e.intent_signature,
        )

    def enrolments(self) -> list[Enrolment]:
        return self._enrolments.all()

    def mark_published(self, device_ids: list[str]) -> None:
        self._enrolments.mark_published(device_ids)

    def remove_enrolments(self, device_ids: list[str]) -> None:
        self._enrolments.remove(device_ids)

    def beats(self) -> list[HubBeat]:
        return [
            HubBeat(r.device_id, r.last_seen, r.version, r.manifest_version)
            for r in Presence(self._store).rows()
        ]

    def relays(self) -> list[dict[str, Any]]:
        return []  # no hub runs: no relay has been tried

    def test_alert(self, group: str) -> list[dict[str, Any]]:
        raise SiteError("a test alert is sent by the running hub: start it, or give --hub URL")

    def _site(self) -> Site | None:
        signed = self._store.latest_manifest()
        inner = signed.get("manifest") if signed is not None else None
        return Site.from_document(inner) if isinstance(inner, dict) else None

    def live(self) -> dict[str, Any]:
        """As a hub that has just started would say: no console streams yet."""
        site, duty = self._site(), DutyBook(self._store.engine)
        duty.refresh()
        views, now = Views(Reach(duty, Broker()), time.time), time.time()
        nobody: frozenset[str] = frozenset()
        return {
            "now": now,
            "tickets": live_tickets(self._store.open_tickets(), site, views, now),
            "groups": live_groups(site, duty.off_duty, nobody, nobody),
            "relays": [],
        }

    def statistics(self) -> dict[str, Any]:
        counters = CounterStore(self._store.engine, self._store.write_lock).counters()
        return statistics_answer(self._site(), counters)

    def open_tickets(self) -> list[OpenTicket]:
        tickets = self._store.open_tickets()
        copies = self._store.sealed_copies_of([t.id for t in tickets])
        return [
            OpenTicket(
                t.id,
                t.location_id,
                t.category.value,
                t.urgency.value,
                frozenset(copies.get(t.id, {})),
            )
            for t in tickets
        ]


def _summary(signed: dict[str, Any]) -> HubManifest:
    inner = signed.get("manifest")
    version = inner.get("version") if isinstance(inner, dict) else None
    return HubManifest(version if isinstance(version, int) else 0, manifest_digest(signed))


class HttpHubAdmin:
    """The hub's /v1/admin API, over TLS that trusts only the site's own CA."""

    def __init__(self, url: str, ca_pem: Path, site_key: SiteKey, timeout: float = 30.0) -> None:
        if not url.startswith("https://"):
            raise SiteError(f"hub URL {url!r}: the admin API is reached over https:// only")
        self._url = url.rstrip("/")
        self._ca = str(ca_pem)
        self._key = site_key
        self._timeout = timeout
        self._session = requests.Session()
        self._session.trust_env = False  # no proxy from the environment sees admin calls

    def _call(self, method: str, path: str, doc: Any = None) -> Any:
        body = b"" if doc is None else json.dumps(doc, sort_keys=True).encode()
        headers = sign_admin_request(self._key, method, path, body)
        if doc is not None:
            headers["Content-Type"] = "application/json"
        try:
            response = self._session.request(
                method,
                self._url + path,
                data=body,
                headers=headers,
                verify=self._ca,
                timeout=self._timeout,
            )
        except requests.RequestException as exc:
            raise HubUnreachable(
                f"cannot reach the hub at {self._url} ({type(exc).__name__}); is it running?"
            ) from None
        if response.status_code >= 400:
            try:
                error = response.json()
                code, message = str(error.get("error")), str(error.get("message"))
            except ValueError:
                code, message = "http_error", response.reason
            raise HubRefused(response.status_code, code, f"the hub refused: {message}")
        return response.json() if response.content else None

    def manifest(self) -> HubManifest | None:
        try:
            doc = self._call("GET", "/v1/admin/manifest")
        except HubRefused as refused:
            if refused.code == "no_manifest":
                return None  # a new hub: the operator's first manifest goes next
            raise
        return HubManifest(int(doc["version"]), str(doc["digest"]))

    def put_manifest(self, signed: dict[str, Any]) -> None:
        self._call("PUT", "/v1/admin/manifest", signed)

    def create_enrolment(self, enrolment: Enrolment) -> None:
        e = enrolment
        self._call(
            "POST",
            "/v1/admin/enrolments",
            {
                "code_hash": e.code_hash,
                "device_id": e.device_id,
                "role": e.role,
                "expires_at": e.expires_at,
                "location_id": e.location_id,
                "group_id": e.group_id,
                "intent_signature": _b64(e.intent_signature),
            },
        )

    def enrolments(self) -> list[Enrolment]:
        doc = self._call("GET", "/v1/admin/enrolments")
        return [
            Enrolment(
                device_id=str(x["device_id"]),
                role=str(x["role"]),
                location_id=x.get("location_id"),
                group_id=x.get("group_id"),
                expires_at=float(x["expires_at"]),
                used=bool(x["used"]),
                sign_public=_unb64(x.get("sign_public")),
                hpke_public=_unb64(x.get("hpke_public")),
                code_hash=str(x["code_hash"]),
                intent_signature=_unb64(x.get("intent_signature")),
            )
            for x in doc["enrolments"]
        ]

    def mark_published(self, device_ids: list[str]) -> None:
        self._call("POST", "/v1/admin/enrolments/published", {"device_ids": device_ids})

    def remove_enrolments(self, device_ids: list[str]) -> None:
        self._call("POST", "/v1/admin/enrolments/removed", {"device_ids": device_ids})

    def beats(self) -> list[HubBeat]:
        doc = self._call("GET", "/v1/admin/presence")
        return [
            HubBeat(
                str(b["device_id"]),
                float(b["last_seen"]),
                str(b["version"]),
                int(b["manifest_version"]),
            )
            for b in doc["beats"]
        ]

    def relays(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/v1/admin/relays")["relays"])

    def test_alert(self, group: str) -> list[dict[str, Any]]:
        return list(self._call("POST", "/v1/admin/relays/test", {"group": group})["relays"])

    def live(self) -> dict[str, Any]:
        return dict(self._call("GET", "/v1/admin/live"))

    def statistics(self) -> dict[str, Any]:
        return dict(self._call("GET", "/v1/admin/statistics"))

    def open_tickets(self) -> list[OpenTicket]:
        doc = self._call("GET", "/v1/admin/open-tickets")
        return [
            OpenTicket(
                str(t["id"]),
                str(t["location_id"]),
                str(t["category"]),
                str(t["urgency"]),
                frozenset(str(x) for x in t["sealed_to"]),
            )
            for t in doc["tickets"]
        ]


def _b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode()


def _unb64(text: object) -> bytes | None:
    return base64.b64decode(str(text), validate=True) if text else None
