"""`[[group.alert]]` in the site file: a staff group's alert relays, read and
written back (kiosk/core/alert_relays.py says what a relay is).

    [[group]]
    id = "central-control"
    name = "Control room"

    [[group.alert]]
    name = "pager"
    kind = "webhook"
    url = "https://pager.example.org/hooks/kiosk"
    secret = "pager-hmac"            # a name: the key is on the hub (relay-secrets.toml)

Secrets are never written here: the file is signed into the manifest every
device holds. A key that looks like one (password, token, key) is refused with
a message saying where it goes instead.
"""

from __future__ import annotations

import json
import re
from typing import Any

from kiosk.core.alert_relays import AlertRelay, RelayKind
from kiosk.core.site_parts import StaffGroup
from kiosk.operator import site_file_checks as checks
from kiosk.operator.site_file_checks import Reader
from kiosk.operator.toml_lines import KeyPath

__all__ = ["alert_lines", "read_alerts", "relay_summary"]

_KINDS = tuple(k.value for k in RelayKind)
_KEYS = {
    RelayKind.WEBHOOK: ("name", "kind", "url", "secret"),
    RelayKind.EMAIL: ("name", "kind", "host", "port", "from", "to", "username", "secret"),
    RelayKind.MQTT: ("name", "kind", "host", "port", "topic", "username", "secret"),
}
_DEFAULT_PORT = {RelayKind.EMAIL: 587, RelayKind.MQTT: 8883}
_SECRET_LIKE = ("password", "token", "key", "hmac_key", "passphrase")
_HOST = re.compile(r"^[A-Za-z0-9.-]{1,253}$|^\[[0-9A-Fa-f:]+\]$")
_URL = re.compile(r"^https://[^\s/?#]+(/[^\s]*)?$")
_ADDRESS = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,253}$")
_TOPIC = re.compile(r"^[^#+\s\x00]{1,200}$")
_LONG = 400


def read_alerts(
    r: Reader, doc: dict[str, Any], group: dict[str, Any], gp: KeyPath
) -> tuple[AlertRelay, ...]:
    """The group's [[group.alert]] tables (none: no relay)."""
    relays: list[AlertRelay] = []
    for ai, table in enumerate(
        r.tables(doc, group.get("alert"), (*gp, "alert"), "group.alert", False)
    ):
        ap: KeyPath = (*gp, "alert", ai)
        relay = _read_one(r, doc, table, ap)
        if relay is None:
            continue
        if any(x.name == relay.name for x in relays):
            r.problem((*ap, "name"), f"{relay.name!r} names another relay of this group", doc)
        relays.append(relay)
    return tuple(relays)


def _read_one(
    r: Reader, doc: dict[str, Any], table: dict[str, Any], ap: KeyPath
) -> AlertRelay | None:
    for key in table:
        if key.lower() in _SECRET_LIKE:
            r.problem(
                (*ap, key),
                "secrets are never written in the site file (every device holds it): "
                'write secret = "NAME" and put the value in the hub\'s relay-secrets.toml',
                doc,
            )
    name = r.get(doc, table, ap, "name", checks.ident)
    kind_text = r.get(doc, table, ap, "kind", checks.choice(_KINDS, "a relay kind"))
    if kind_text is None:
        return None
    kind = RelayKind(kind_text)
    r.table(doc, {k: v for k, v in table.items() if k.lower() not in _SECRET_LIKE}, ap, _KEYS[kind])
    secret = r.get(doc, table, ap, "secret", checks.ident, "")
    username = _text(r, doc, table, ap, "username", _LONG, required=False)
    if kind is RelayKind.WEBHOOK:
        url = _pattern(r, doc, table, ap, "url", _URL, "an https:// address")
        if not secret:
            r.problem((*ap, "secret"), "missing; a webhook is signed with the key this names", doc)
        return AlertRelay(name or "", kind, url=url, secret=secret)
    if username and not secret:
        r.problem((*ap, "secret"), "missing; name the password of this username", doc)
    host = _pattern(r, doc, table, ap, "host", _HOST, "a host name or address")
    port = r.get(doc, table, ap, "port", checks.whole(1, 65535, ""), _DEFAULT_PORT[kind]) or 0
    if kind is RelayKind.EMAIL:
        sender = _pattern(r, doc, table, ap, "from", _ADDRESS, "an e-mail address")
        to = r.text_list(doc, table, ap, "to", checks.text)
        for i, address in enumerate(to):
            if not _ADDRESS.match(address):
                r.problem((*ap, "to", i), f"{address!r} is not an e-mail address", doc)
        if "to" in table and not to:
            r.problem((*ap, "to"), "list at least one address", doc)
        return AlertRelay(
            name or "", kind, host=host, port=port, sender=sender, to=to,
            username=username, secret=secret,
        )  # fmt: skip
    topic = _pattern(r, doc, table, ap, "topic", _TOPIC, "an MQTT topic without + or #")
    return AlertRelay(
        name or "", kind, host=host, port=port, topic=topic, username=username, secret=secret
    )


def _text(
    r: Reader, doc: dict[str, Any], table: dict[str, Any], ap: KeyPath, key: str, most: int,
    *, required: bool = True,
) -> str:  # fmt: skip
    value = table.get(key)
    if value is None:
        if required:
            r.problem((*ap, key), "missing; this key is required", doc)
        return ""
    if not isinstance(value, str) or not value.strip() or len(value) > most:
        r.problem((*ap, key), f"must be text in quotes of at most {most} characters", doc)
        return ""
    return value


def _pattern(
    r: Reader, doc: dict[str, Any], table: dict[str, Any], ap: KeyPath, key: str,
    pattern: re.Pattern[str], what: str,
) -> str:  # fmt: skip
    value = _text(r, doc, table, ap, key, _LONG)
    if value and not pattern.match(value):
        r.problem((*ap, key), f"{value!r} is not {what}", doc)
        return ""
    return value


def alert_lines(group: StaffGroup) -> list[str]:
    """The group's [[group.alert]] tables, as the canonical site file writes them."""
    out: list[str] = []
    for i, relay in enumerate(group.alerts):
        if i == 0:
            out += [
                "",
                "# Alert relays: where this group is alerted besides its consoles. Only the",
                "# place, urgency, age, step and an opaque reference leave the hub; secrets",
                "# are named here and kept in the hub's relay-secrets.toml.",
            ]
        else:
            out += [""]
        out += ["[[group.alert]]", f"name = {_toml(relay.name)}", f"kind = {_toml(relay.kind)}"]
        fields: list[tuple[str, object]] = [
            ("url", relay.url), ("host", relay.host), ("port", relay.port),
            ("from", relay.sender), ("to", list(relay.to)), ("topic", relay.topic),
            ("username", relay.username), ("secret", relay.secret),
        ]  # fmt: skip
        out += [f"{key} = {_toml(value)}" for key, value in fields if value]
    return out


def relay_summary(relays: tuple[AlertRelay, ...]) -> str:
    """One line naming each relay and where it sends (`kiosk admin diff`)."""
    parts = []
    for r in relays:
        where = r.url or f"{r.host}:{r.port}" + (f" {r.topic}" if r.topic else "")
        to = f" to {', '.join(r.to)} from {r.sender}" if r.to else ""
        user = f" as {r.username}" if r.username else ""
        secret = f" secret {r.secret}" if r.secret else ""
        parts.append(f"{r.name} ({r.kind}) {where}{to}{user}{secret}")
    return "; ".join(parts) or "none"


def _toml(value: object) -> str:
    """A TOML value: JSON's strings, numbers and lists are TOML's too."""
    return json.dumps(str(value) if isinstance(value, str) else value, ensure_ascii=False)
