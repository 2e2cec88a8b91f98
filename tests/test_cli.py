"""The operator's commands, run as an operator would: clear output, no tracebacks."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from kiosk.operator import SiteLayout
from tests.conftest import free_port, start_hub


def kiosk(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def test_version() -> None:
    result = kiosk("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("kiosk ")


def test_init_enrol_with_a_code_publish_and_revoke(tmp_path: Path) -> None:
    data = tmp_path / "site"
    port = free_port()
    url = f"https://127.0.0.1:{port}"
    init = kiosk("admin", "init", "--data", str(data), "--hub-url", url)
    assert init.returncode == 0, init.stderr
    fingerprint = re.search(r"fingerprint: ([0-9A-F-]{39})", init.stdout)
    assert fingerprint
    assert "unencrypted" in init.stderr  # the warning without a passphrase

    # Every admin command after init reaches the hub through its admin API.
    hub = start_hub(SiteLayout(data), port)
    issued = kiosk(
        "admin",
        "enrol",
        "staff",
        "--group",
        "central-staff",
        "--id",
        "staff-cli",
        "--data",
        str(data),
        "--hub-url",
        url,
    )
    assert issued.returncode == 0, issued.stderr
    code = re.search(r"\b([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})\b", issued.stdout)
    assert code
    try:
        device = tmp_path / "device"
        enrolled = kiosk(
            "enrol",
            "--hub",
            url,
            "--code",
            code.group(1),
            "--site",
            fingerprint.group(1),
            "--device",
            str(device),
        )
        assert enrolled.returncode == 0, enrolled.stderr
        assert "staff-cli" in enrolled.stdout
        shown = re.search(r"key fingerprint: ([0-9A-F-]{39})", enrolled.stdout)
        assert shown
        again = kiosk(
            "enrol",
            "--hub",
            url,
            "--code",
            code.group(1),
            "--site",
            fingerprint.group(1),
            "--device",
            str(tmp_path / "d2"),
        )
        assert again.returncode == 2
        assert "already used" in again.stderr
        assert "Traceback" not in again.stderr
        waiting = kiosk("admin", "publish", "--data", str(data))
        assert f"waiting: staff-cli used its code; if its screen shows {shown.group(1)}" in (
            waiting.stdout
        )
        published = kiosk(
            "admin", "publish", "--data", str(data), "--confirm", f"staff-cli={shown.group(1)}"
        )
        assert "newly published: staff-cli" in published.stdout
        revoked = kiosk("admin", "revoke", "staff-cli", "--data", str(data))
        assert revoked.returncode == 0
        assert "revoked staff-cli" in revoked.stdout
    finally:
        hub.stop()


def test_mistakes_get_a_clear_message_not_a_traceback(tmp_path: Path) -> None:
    data = tmp_path / "site"
    assert kiosk("admin", "init", "--data", str(data)).returncode == 0
    cases = [
        (("admin", "init", "--data", str(data)), "already holds a site"),
        (
            ("admin", "enrol", "kiosk", "--location", "nowhere", "--data", str(data)),
            "unknown location 'nowhere' (known: central-p3, central-hall, north-p1)",
        ),
        (
            ("admin", "enrol", "staff", "--group", "nobody", "--data", str(data)),
            "unknown staff group",
        ),
        (("admin", "revoke", "ghost", "--data", str(data)), "no enrolled device 'ghost'"),
        (
            (
                "enrol",
                "--hub",
                "https://127.0.0.1:1",
                "--code",
                "short",
                "--site",
                "x",
                "--device",
                str(tmp_path / "d"),
            ),
            "12 letters and digits",
        ),
    ]
    for args, message in cases:
        result = kiosk(*args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert message in result.stderr
        assert "Traceback" not in result.stderr
