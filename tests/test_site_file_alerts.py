"""`[[group.alert]]` in the site file: the example with one relay of each kind
validates (`kiosk admin validate`) and is canonical; relays reach the signed
manifest and back; secrets are refused with where they go instead."""

from __future__ import annotations

import subprocess
import sys

import pytest

from kiosk.core.alert_relays import RelayKind
from kiosk.core.site import Site
from kiosk.operator.site_file import SiteFileInvalid, parse_site_text
from kiosk.operator.site_file_canonical import render_site_file
from tests.conftest import REPO

EXAMPLE = REPO / "packaging" / "examples" / "site-with-alerts.toml"


def test_the_example_with_alerts_validates_and_is_canonical() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "kiosk", "admin", "validate", str(EXAMPLE)],
        capture_output=True, text=True, timeout=60, cwd=REPO,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    text = EXAMPLE.read_text()
    site = parse_site_text(text, str(EXAMPLE))
    assert render_site_file(site) == text
    control = next(g for g in site.groups if g.id == "riverside-control")
    assert [r.kind for r in control.alerts] == [RelayKind.WEBHOOK, RelayKind.EMAIL, RelayKind.MQTT]
    assert all(r.secret for r in control.alerts)
    # The relays are signed with the rest; the secrets' names only.
    doc = site.to_document()
    assert Site.from_document(doc).groups == site.groups
    assert "secret" in str(doc)
    assert '-password"' not in text.replace('secret = "smtp-password"', "").replace(
        'secret = "mqtt-password"', ""
    )


def _problems(text: str) -> str:
    with pytest.raises(SiteFileInvalid) as invalid:
        parse_site_text(text, "bad.toml")
    return str(invalid.value)


def _with(alert: str) -> str:
    text = EXAMPLE.read_text()
    start = text.index("[[group.alert]]")
    end = text.index("# Routes:")
    return text[:start] + alert + "\n\n" + text[end:]


def test_a_secret_written_in_the_file_is_refused_with_where_it_goes() -> None:
    problems = _problems(
        _with('[[group.alert]]\nname = "mail"\nkind = "email"\nhost = "smtp.example"\n'
              'from = "a@example.org"\nto = ["b@example.org"]\nusername = "hub"\n'
              'password = "hunter2"')
    )  # fmt: skip
    assert "secrets are never written in the site file" in problems
    assert "relay-secrets.toml" in problems
    assert "hunter2" not in problems
    assert "secret: missing; name the password" in problems


@pytest.mark.parametrize(
    ("alert", "expected"),
    [
        ('name = "p"\nkind = "webhook"\nurl = "http://x.example/"\nsecret = "k"', "https://"),
        ('name = "p"\nkind = "webhook"\nurl = "https://x.example/"', "secret: missing"),
        ('name = "p"\nkind = "pigeon"', "kind"),
        ('name = "p"\nkind = "mqtt"\nhost = "m.example"\ntopic = "a/#"', "without + or #"),
        ('name = "p"\nkind = "email"\nhost = "s.example"\nfrom = "nobody"\nto = []', "e-mail"),
        ('name = "p"\nkind = "mqtt"\nhost = "m.example"\ntopic = "a"\nurl = "x"', "unknown key"),
    ],
)
def test_relay_mistakes_are_named_with_their_line(alert: str, expected: str) -> None:
    problems = _problems(_with("[[group.alert]]\n" + alert))
    assert expected in problems
    assert "bad.toml:" in problems


def test_two_relays_of_one_group_may_not_share_a_name() -> None:
    one = '[[group.alert]]\nname = "p"\nkind = "webhook"\nurl = "https://x.example/"\nsecret = "k"'
    assert "names another relay" in _problems(_with(one + "\n\n" + one))


def test_a_change_to_a_relay_alone_is_a_change_to_apply() -> None:
    from kiosk.operator.site_changes import describe_changes

    with_alerts = parse_site_text(EXAMPLE.read_text(), str(EXAMPLE))
    text = EXAMPLE.read_text().replace("hooks/kiosk", "hooks/kiosk-2")
    moved = parse_site_text(text, str(EXAMPLE))
    [line] = describe_changes(with_alerts, moved)
    assert line.startswith("~ group riverside-control: alerts: 'pager (webhook) https://")
    assert "kiosk-2 secret pager-hmac" in line
