"""`kiosk enrol` and `kiosk maintenance-pin`: commands run on a kiosk or staff device."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kiosk.cli.options import default_device_dir

__all__ = ["register_enrol", "register_maintenance_pin"]


def register_maintenance_pin(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    pin = sub.add_parser("maintenance-pin", help="on a kiosk: set the PIN of its technician screen")
    pin.add_argument("--device", type=Path, default=default_device_dir())
    pin.set_defaults(func=_maintenance_pin)


def register_enrol(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    enrol = sub.add_parser("enrol", help="on a device: enrol it with a one-time code")
    enrol.add_argument("--hub", required=True, help="hub URL, e.g. https://hub:8443")
    enrol.add_argument("--code", required=True, help="the one-time code, K7M4-P9XR-2QWE")
    enrol.add_argument("--site", required=True, help="the site key fingerprint")
    enrol.add_argument(
        "--device",
        type=Path,
        default=default_device_dir(),
        help="directory for this device's keys (default: %(default)s)",
    )
    enrol.add_argument(
        "--rotate", action="store_true", help="already enrolled: replace its keys (rotate-keys)"
    )
    enrol.set_defaults(func=_enrol)


def _maintenance_pin(args: argparse.Namespace) -> int:
    import getpass

    from kiosk.client.maintenance_pin import set_pin

    if sys.stdin.isatty():
        first = getpass.getpass("new maintenance PIN (6-10 digits): ")
        if getpass.getpass("again: ") != first:
            print("kiosk: the two PINs differ; nothing changed", file=sys.stderr)
            return 2
    else:
        first = sys.stdin.readline().strip()
    set_pin(args.device, first)
    print(f"maintenance PIN set for {args.device}")
    return 0


def _enrol(args: argparse.Namespace) -> int:
    from kiosk.client.enrolment import enrol_with_code
    from kiosk.crypto import DeviceKeys
    from kiosk.operator.enrolment import device_fingerprint

    config = enrol_with_code(args.hub, args.code, args.site, args.device, rotate=args.rotate)
    keys = DeviceKeys.load(config.directory)
    print(f"enrolled as {config.device_id} ({config.role.value}); keys in {config.directory}")
    shown = device_fingerprint(keys.sign_public, keys.hpke_public)
    print(f"this device's key fingerprint: {shown}")
    print("tell it to the operator, who confirms it with `kiosk admin publish --confirm`")
    return 0
