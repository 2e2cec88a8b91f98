"""Alert relays: where a staff group is alerted besides its consoles (a pager
gateway's webhook, a mailbox, an MQTT topic), and what such an alert may say.

A relay is part of the operator's signed site (`[[group.alert]]` in the site
file), so a hub cannot redirect alerts; its secret (an HMAC key, a password)
is not: the site names it, and the hub reads it from its own side
(kiosk/hub/relay_secrets.py).

An alert leaves the sealed channel, so it carries only what is safe outside
it (`RelayMessage`): the place's label, the urgency, the request's age, the
escalation step, an opaque reference and, for a step reached early, which
steps were skipped. Never the category, the details or any reply.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from kiosk.core.errors import SiteError

__all__ = [
    "AlertRelay",
    "RelayKind",
    "RelayMessage",
    "relays_from_document",
    "relays_to_document",
]


class RelayKind(StrEnum):
    WEBHOOK = "webhook"  # HTTPS POST of JSON, signed with HMAC-SHA256
    EMAIL = "email"  # SMTP with STARTTLS (required)
    MQTT = "mqtt"  # publish, QoS 1, over TLS


@dataclass(frozen=True, slots=True)
class AlertRelay:
    """One relay of a group. Which fields count depends on `kind`:

    webhook: url (https://), secret (the HMAC key's name)
    email:   host, port (587), sender, to, username and secret (the password's name)
    mqtt:    host, port (8883), topic, username and secret (the password's name)
    """

    name: str
    kind: RelayKind
    url: str = ""
    host: str = ""
    port: int = 0
    sender: str = ""
    to: tuple[str, ...] = ()
    topic: str = ""
    username: str = ""
    secret: str = ""  # a name, never the secret itself


@dataclass(frozen=True, slots=True)
class RelayMessage:
    """What one alert says: `kind` is "alert", "answered" (accepted or closed:
    stand down) or "test" (kiosk admin test-alert)."""

    kind: str
    reference: str  # opaque: a keyed hash, not the ticket id
    place: str = ""
    station: str = ""
    urgency: str = ""
    age_seconds: int = 0
    step: int = 0  # 1-based; 0 for "answered" and "test"
    steps: int = 0
    group: str = ""
    skipped: tuple[str, ...] = ()  # groups of earlier steps nobody could be reached in

    def as_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"type": self.kind, "reference": self.reference}
        if self.kind != "answered":
            doc |= {
                "place": self.place,
                "station": self.station,
                "urgency": self.urgency,
                "age_seconds": self.age_seconds,
                "step": self.step,
                "steps": self.steps,
                "group": self.group,
            }
        if self.skipped:
            doc["skipped"] = {"reason": "unreached", "groups": list(self.skipped)}
        return doc

    def subject(self) -> str:
        """One line, for an e-mail subject or a pager's screen."""
        if self.kind == "answered":
            return f"Help request {self.reference}: answered"
        if self.kind == "test":
            return f"Test alert for {self.group} (no request)"
        urgent = "URGENT " if self.urgency == "urgent" else ""
        return f"{urgent}Help request at {self.station}, {self.place} ({self.reference})"

    def text(self) -> str:
        """The body of an e-mail: the same fields, one a line."""
        lines = [self.subject(), ""]
        if self.kind != "answered":
            lines += [
                f"Place: {self.station}, {self.place}",
                f"Urgency: {self.urgency}",
                f"Waiting: {self.age_seconds} s",
                f"Escalation step: {self.step} of {self.steps} ({self.group})",
            ]
        if self.skipped:
            lines.append("Skipped, nobody reachable: " + ", ".join(self.skipped))
        lines += ["", "Open the staff console to see the request and accept it."]
        return "\n".join(lines)


_FIELDS = ("url", "host", "port", "sender", "to", "topic", "username", "secret")


def relays_to_document(relays: Iterable[AlertRelay]) -> list[dict[str, Any]]:
    """Only the fields a relay has (empty ones left out)."""
    out = []
    for relay in relays:
        doc: dict[str, Any] = {"name": relay.name, "kind": relay.kind.value}
        for field in _FIELDS:
            value = getattr(relay, field)
            if value:
                doc[field] = list(value) if isinstance(value, tuple) else value
        out.append(doc)
    return out


def relays_from_document(doc: object) -> tuple[AlertRelay, ...]:
    """A group's relays in its manifest form (absent from older manifests)."""
    if doc is None:
        return ()
    if not isinstance(doc, list) or not all(isinstance(x, Mapping) for x in doc):
        raise SiteError("alerts must be a list of objects")
    try:
        return tuple(
            AlertRelay(
                name=str(x["name"]),
                kind=RelayKind(x["kind"]),
                url=str(x.get("url", "")),
                host=str(x.get("host", "")),
                port=int(x.get("port", 0)),
                sender=str(x.get("sender", "")),
                to=tuple(str(t) for t in x.get("to", [])),
                topic=str(x.get("topic", "")),
                username=str(x.get("username", "")),
                secret=str(x.get("secret", "")),
            )
            for x in doc
        )
    except (KeyError, TypeError, ValueError):
        raise SiteError(
            "an alert relay needs a name and a kind of webhook, email or mqtt"
        ) from None
