"""The one `kiosk` command and its sub-commands (the product's command-line contract)."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path

from kiosk import __version__
from kiosk.core.errors import KioskError

__all__ = ["main"]


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "kiosk"


def _add_data(p: argparse.ArgumentParser, default: Path | None = None) -> None:
    p.add_argument(
        "--data",
        type=Path,
        default=default or _default_data_dir(),
        help="site data directory (default: %(default)s)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk", description=__doc__)
    parser.add_argument("--version", action="version", version=f"kiosk {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="hub + one kiosk + one staff console on a sample site")
    _add_data(demo, _default_data_dir() / "demo")
    demo.add_argument("--port", type=int, default=8443)
    demo.add_argument("--fresh", action="store_true", help="start from a new sample site")

    hub = sub.add_parser("hub", help="run the routing hub")
    _add_data(hub)
    hub.add_argument("--host", default="127.0.0.1")
    hub.add_argument("--port", type=int, default=8443)
    hub.add_argument("--ticket-ttl", type=int, default=None, help="seconds until expiry")

    for name, text in (("traveller", "run the kiosk app"), ("staff", "run the staff console")):
        app = sub.add_parser(name, help=text)
        app.add_argument("--device", type=Path, required=True, help="enrolled device directory")
        app.add_argument("--size", default=None, help="window size WxH, e.g. 1080x1920")
        app.add_argument("--language", default=None, help="start language (staff: console)")

    admin = sub.add_parser("admin", help="operator tasks").add_subparsers(
        dest="admin_command", required=True
    )
    init = admin.add_parser("init", help="create the site key, a private CA and the hub's TLS")
    _add_data(init)
    init.add_argument("--site-name", default="Central Station (demo)")
    init.add_argument("--emergency-number", default="112")
    init.add_argument("--hub-host", action="append", default=None)
    enrol = admin.add_parser("enrol", help="enrol a kiosk or staff device")
    _add_data(enrol)
    enrol.add_argument("role", choices=["kiosk", "staff"])
    enrol.add_argument("--location", help="kiosk: location id")
    enrol.add_argument("--group", help="staff: staff group id")
    enrol.add_argument("--id", dest="device_id", help="device id (default: generated)")
    enrol.add_argument("--hub-url", default="https://127.0.0.1:8443")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except KioskError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _run(args: argparse.Namespace) -> int:
    if args.command == "hub":
        from kiosk.hub.server import serve
        from kiosk.operator import SiteLayout

        settings = dataclasses.replace(
            SiteLayout(args.data).hub_settings(args.port), host=args.host
        )
        if args.ticket_ttl is not None:
            settings = dataclasses.replace(settings, ticket_ttl_seconds=args.ticket_ttl)
        serve(settings)
        return 0
    if args.command in ("traveller", "staff"):
        from kiosk.apps import run_app

        return run_app(args.command, args.device, size=args.size, language=args.language)
    if args.command == "demo":
        from kiosk.demo import run_demo

        return run_demo(args.data, port=args.port, fresh=args.fresh)
    if args.command == "admin":
        return _admin(args)
    return 2


def _admin(args: argparse.Namespace) -> int:
    from kiosk.core.site import DeviceRole
    from kiosk.operator import SiteLayout, enrol_device, init_site, sample_site

    layout = SiteLayout(args.data)
    if args.admin_command == "init":
        site = sample_site(args.site_name, args.emergency_number)
        init_site(layout, site, args.hub_host or ["127.0.0.1", "localhost"])
        print(f"site created in {layout.root}")
        print(f"  keep {layout.operator / 'site.key'} secret: it decides who can read tickets")
        return 0
    if args.admin_command == "enrol":
        config = enrol_device(
            layout,
            DeviceRole(args.role),
            args.hub_url,
            location_id=args.location,
            group_id=args.group,
            device_id=args.device_id,
        )
        print(f"enrolled {config.device_id}; device directory: {config.directory}")
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
