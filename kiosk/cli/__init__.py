"""The one `kiosk` command and its sub-commands (the product's command-line contract)."""

from __future__ import annotations

import argparse
import sys

from kiosk import __version__
from kiosk.cli import admin, apps, bench, device, doctor, hub, i18n
from kiosk.cli.options import Handler
from kiosk.core.errors import KioskError

__all__ = ["main"]


def build_parser() -> argparse.ArgumentParser:
    """Every sub-command, each with its handler as `func`, in the order `--help` lists them."""
    parser = argparse.ArgumentParser(prog="kiosk", description=__doc__)
    parser.add_argument("--version", action="version", version=f"kiosk {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    hub.register(sub)  # demo, hub
    apps.register(sub)  # traveller, staff
    admin.register(sub)
    bench.register(sub)
    doctor.register(sub)
    i18n.register(sub)
    device.register_maintenance_pin(sub)
    device.register_enrol(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Handler = args.func
    try:
        return handler(args)
    except KioskError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
