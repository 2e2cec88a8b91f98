"""`kiosk admin enrol`, `publish` and `rotate-keys`: bringing devices and their keys in."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from kiosk.cli.options import add_data, add_hub, site_layout

if TYPE_CHECKING:
    from kiosk.operator import SiteLayout

__all__ = ["register_enrol", "register_publish", "register_rotate_keys"]

_DEFAULT_HUB_URL = "https://127.0.0.1:8443"


def register_enrol(admin: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    enrol = admin.add_parser("enrol", help="issue a one-time enrolment code for a device")
    add_data(enrol)
    add_hub(enrol)
    enrol.add_argument("role", choices=["kiosk", "staff"])
    enrol.add_argument("--location", help="kiosk: location id")
    enrol.add_argument("--group", help="staff: staff group id")
    enrol.add_argument("--id", dest="device_id", help="device id (default: generated)")
    enrol.add_argument(
        "--hours",
        type=float,
        default=None,
        help="code lifetime (default: the site file's retention.enrolment_code_hours, 24)",
    )
    enrol.add_argument("--hub-url", default=_DEFAULT_HUB_URL)
    enrol.add_argument(
        "--wait", type=float, default=0, help="wait this many seconds, then publish the device"
    )
    enrol.add_argument(
        "--here",
        action="store_true",
        help="one-box site: create the device's directory on this machine, no code needed",
    )
    enrol.set_defaults(func=_enrol)


def register_publish(admin: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    publish = admin.add_parser("publish", help="sign a manifest with newly enrolled devices")
    add_data(publish)
    add_hub(publish)
    publish.add_argument(
        "--confirm",
        action="append",
        default=[],
        metavar="DEVICE=FINGERPRINT",
        help="the key fingerprint the device showed after enrolling",
    )
    publish.set_defaults(func=_publish)


def register_rotate_keys(admin: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    rotate = admin.add_parser("rotate-keys", help="give an enrolled device new keys")
    add_data(rotate)
    add_hub(rotate)
    rotate.add_argument("device_id")
    rotate.add_argument("--hub-url", default=_DEFAULT_HUB_URL)
    rotate.add_argument("--hours", type=float, default=None, help="code lifetime")
    rotate.add_argument(
        "--here", action="store_true", help="the device's directory is on this machine"
    )
    rotate.set_defaults(func=_rotate_keys)


def _enrol(args: argparse.Namespace) -> int:
    from kiosk.core.site import DeviceRole
    from kiosk.operator import enrol_local_device
    from kiosk.operator.enrolment import create_enrolment

    layout = site_layout(args)
    role = DeviceRole(args.role)
    if args.here:
        config = enrol_local_device(
            layout,
            role,
            args.hub_url,
            location_id=args.location,
            group_id=args.group,
            device_id=args.device_id,
        )
        print(f"enrolled {config.device_id}; device directory: {config.directory}")
        return 0
    issued = create_enrolment(
        layout,
        role,
        location_id=args.location,
        group_id=args.group,
        device_id=args.device_id,
        hours=args.hours,
    )
    expires = _local_time(issued.expires_at)
    print(f"enrolment code for {issued.device_id} (single use, expires {expires}):")
    print(f"\n    {issued.code}\n")
    print("on the device:")
    print(
        f"    kiosk enrol --hub {args.hub_url} --code {issued.code}"
        f" --site {issued.site_fingerprint} --device DIR"
    )
    if args.wait <= 0:
        print("then here, with the key fingerprint the device shows:")
        print(f"    kiosk admin publish --confirm {issued.device_id}=FINGERPRINT")
        return 0
    return _wait_then_publish(layout, issued.device_id, args.wait)


def _local_time(timestamp: float) -> str:
    import time

    return time.strftime("%Y-%m-%d %H:%M %Z", time.localtime(timestamp))


def _wait_then_publish(layout: SiteLayout, device_id: str, wait: float) -> int:
    """Poll until the device has used its code, then confirm its fingerprint here."""
    import time

    from kiosk.operator.enrolment import publish_enrolled

    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        _site, _added, waiting = publish_enrolled(layout)
        shown = dict(waiting).get(device_id)
        if shown is not None:
            return _confirm_and_publish(layout, device_id, shown)
        time.sleep(1.0)
    print(f"kiosk: {device_id} did not enrol within {wait:g} s", file=sys.stderr)
    return 1


def _confirm_and_publish(layout: SiteLayout, device_id: str, shown: str) -> int:
    from kiosk.operator.enrolment import publish_enrolled

    print(f"{device_id} used its code. Its screen shows its key fingerprint.")
    if not sys.stdin.isatty():
        print(f"if it reads {shown}: kiosk admin publish --confirm {device_id}={shown}")
        return 0
    answer = input(f"does the device show {shown}? [y/N] ").strip().lower()
    if answer != "y":
        print("not published: the keys the hub relayed are not the device's; tell the operator")
        return 1
    _site, added, _waiting = publish_enrolled(layout, {device_id: shown})
    print(f"{device_id} published" if device_id in added else f"{device_id} not published")
    return 0 if device_id in added else 1


def _publish(args: argparse.Namespace) -> int:
    from kiosk.operator.enrolment import publish_enrolled

    layout = site_layout(args)
    confirmed = dict(c.split("=", 1) for c in args.confirm if "=" in c)
    site, added, waiting = publish_enrolled(layout, confirmed)
    print(f"manifest version {site.version}; newly published: {', '.join(added) or 'none'}")
    for device_id, shown in waiting:
        print(
            f"waiting: {device_id} used its code; if its screen shows {shown}, run "
            f"kiosk admin publish --confirm {device_id}={shown}"
        )
    return 0


def _rotate_keys(args: argparse.Namespace) -> int:
    from kiosk.operator.enrolment import create_rotation, rotate_here

    layout = site_layout(args)
    if args.here:
        site, shown = rotate_here(layout, args.device_id)
        print(
            f"new keys for {args.device_id} (fingerprint {shown}); manifest version {site.version}"
        )
        print("restart the device's app so that it uses them")
        return 0
    issued = create_rotation(layout, args.device_id, args.hours)
    expires = _local_time(issued.expires_at)
    print(f"key rotation code for {issued.device_id} (single use, expires {expires}):")
    print(f"\n    {issued.code}\n")
    print("on the device (from then on it is refused until you publish its new keys):")
    print(
        f"    kiosk enrol --rotate --hub {args.hub_url} --code {issued.code}"
        f" --site {issued.site_fingerprint} --device DIR"
    )
    print("then here, with the new key fingerprint the device shows:")
    print(f"    kiosk admin publish --confirm {issued.device_id}=FINGERPRINT")
    return 0
