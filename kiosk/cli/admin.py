"""`kiosk admin`: the operator's tasks, each sub-command with its own handler."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kiosk.cli.admin_dashboard import register_dashboard
from kiosk.cli.admin_enrolment import register_enrol, register_publish, register_rotate_keys
from kiosk.cli.admin_relays import register_test_alert
from kiosk.cli.admin_site_file import read_site_file_or_report
from kiosk.cli.admin_site_file import register as register_site_file_commands
from kiosk.cli.options import add_data, add_hub, site_layout

__all__ = ["register"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    admin = sub.add_parser("admin", help="operator tasks").add_subparsers(
        dest="admin_command", required=True
    )
    _register_init(admin)
    register_enrol(admin)
    register_publish(admin)
    _register_audit(admin)
    _register_status(admin)
    register_dashboard(admin)
    register_rotate_keys(admin)
    _register_refresh(admin)
    _register_revoke(admin)
    register_site_file_commands(admin)
    register_test_alert(admin)


def _register_init(admin: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    init = admin.add_parser("init", help="create the site key, a private CA and the hub's TLS")
    add_data(init)
    init.add_argument("--site-name", default="Central Station (demo)")
    init.add_argument("--emergency-number", default="112")
    init.add_argument("--hub-host", action="append", default=None)
    init.add_argument(
        "--hub-url",
        default="https://127.0.0.1:8443",
        help="where admin commands reach the hub from this machine (default: %(default)s)",
    )
    init.add_argument(
        "--site-file",
        type=Path,
        help="start from this site file (default: a sample site; see docs/site-file.md)",
    )
    init.set_defaults(func=_init)


def _register_audit(admin: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    audit = admin.add_parser("audit", help="look for anything of closed requests left on disk")
    audit.add_argument("data", type=Path, help="the hub's data directory (or the site's)")
    audit.add_argument("--ttl", type=float, default=4 * 3600, help="expiry limit, seconds")
    audit.add_argument("--find", action="append", default=[], help="also look for this text")
    audit.add_argument(
        "--db", default="", help="the hubs' PostgreSQL URL: audit its tables (SQLite: in DATA)"
    )
    audit.set_defaults(func=_audit)


def _register_status(admin: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    status = admin.add_parser("status", help="every device's heartbeat; open requests per station")
    add_data(status)
    add_hub(status)
    status.add_argument("--json", action="store_true", help="for monitoring")
    status.add_argument(
        "--offline-after", type=float, default=None, help="silent this long is offline (s)"
    )
    status.set_defaults(func=_status)


def _register_refresh(admin: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    refresh = admin.add_parser(
        "refresh", help="re-sign the manifest before it expires (kiosk-refresh.timer runs it)"
    )
    add_data(refresh)
    add_hub(refresh)
    refresh.add_argument(
        "--force", action="store_true", help="now, even if less than half of its validity passed"
    )
    refresh.set_defaults(func=_refresh)


def _register_revoke(admin: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    revoke = admin.add_parser("revoke", help="revoke a device: refused from its next call on")
    add_data(revoke)
    add_hub(revoke)
    revoke.add_argument("device_id")
    revoke.set_defaults(func=_revoke)


def _init(args: argparse.Namespace) -> int:
    from kiosk.operator import init_site, sample_site, site_passphrase
    from kiosk.operator.site_admin import site_fingerprint

    layout = site_layout(args)
    site = (
        read_site_file_or_report(args.site_file)
        if args.site_file
        else sample_site(args.site_name, args.emergency_number)
    )
    if site is None:
        return 1
    init_site(layout, site, args.hub_host or ["127.0.0.1", "localhost"])
    (layout.operator / "hub-url").write_text(args.hub_url + "\n", encoding="utf-8")
    print(f"site created in {layout.root}")
    print(f"  site key fingerprint: {site_fingerprint(layout)}")
    print(f"  keep {layout.operator / 'site.key'} secret: it decides who can read tickets")
    if site_passphrase() is None:
        print(
            "  warning: the site and CA keys are stored unencrypted (mode 0600);"
            " set KIOSK_SITE_PASSPHRASE before init to encrypt them",
            file=sys.stderr,
        )
    return 0


def _audit(args: argparse.Namespace) -> int:
    from kiosk.operator.audit import audit_site, report_lines

    report = audit_site(args.data, ttl_seconds=args.ttl, find=args.find, database_url=args.db)
    lines, code = report_lines(report, args.data)
    print("\n".join(lines))
    return code


def _status(args: argparse.Namespace) -> int:
    import json

    from kiosk.operator.status import fleet_status, format_status

    fleet = fleet_status(
        site_layout(args),
        **({} if args.offline_after is None else {"offline_after": args.offline_after}),
    )
    print(json.dumps(fleet, indent=2, ensure_ascii=False) if args.json else format_status(fleet))
    expired = fleet["manifest_expired"] or any(d["manifest_expired"] for d in fleet["devices"])
    # A monitor's check fails while any device is down or holds an expired manifest.
    failing = any(r["state"] == "failing" for r in fleet["relays"])  # an alert relay
    return 1 if fleet["offline"] or expired or failing else 0


def _refresh(args: argparse.Namespace) -> int:
    import time

    from kiosk.operator.site_admin import refresh

    renewed = refresh(site_layout(args), force=args.force)
    if renewed is None:
        print("the manifest is valid for more than half of its time; nothing to do")
    else:
        until = time.strftime("%Y-%m-%d %H:%M %Z", time.localtime(renewed.valid_until))
        print(f"manifest version {renewed.version}, valid until {until}")
    return 0


def _revoke(args: argparse.Namespace) -> int:
    from kiosk.operator.enrolment import revoke_device

    site = revoke_device(site_layout(args), args.device_id)
    print(f"revoked {args.device_id}; manifest version {site.version}")
    return 0
