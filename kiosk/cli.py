"""The one `kiosk` command and its sub-commands (the product's command-line contract)."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk import __version__
from kiosk.core.errors import KioskError
from kiosk.paths import data_home

if TYPE_CHECKING:
    from kiosk.core.site import Site
    from kiosk.operator import SiteLayout
    from kiosk.operator.site_file import SiteFileInvalid

__all__ = ["main"]


def _default_data_dir() -> Path:
    return data_home() / "site"


def _add_data(p: argparse.ArgumentParser, default: Path | None = None) -> None:
    p.add_argument(
        "--data",
        type=Path,
        default=default or _default_data_dir(),
        help="site data directory (default: %(default)s)",
    )
    p.add_argument(
        "--db",
        default="",
        help="the hubs' database URL when it is PostgreSQL (default: SQLite in --data)",
    )


def _add_hub(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--hub",
        default="",
        metavar="URL",
        help="the hub's admin API, e.g. https://hub.example:8443 (default: the URL given to init)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk", description=__doc__)
    parser.add_argument("--version", action="version", version=f"kiosk {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="hub + one kiosk + one staff console on a sample site")
    _add_data(demo, data_home() / "demo")
    demo.add_argument("--port", type=int, default=8443)
    demo.add_argument("--fresh", action="store_true", help="start from a new sample site")

    hub = sub.add_parser("hub", help="run the routing hub")
    _add_data(hub)
    hub.add_argument("--host", default="127.0.0.1")
    hub.add_argument("--port", type=int, default=8443)
    hub.add_argument("--ticket-ttl", type=int, default=None, help="seconds until expiry")
    hub.add_argument(
        "--offline-after", type=float, default=None, help="silent kiosk is offline after (s)"
    )
    hub.add_argument(
        "--body-timeout", type=float, default=None, help="seconds a request body may take"
    )

    for name, text in (("traveller", "run the kiosk app"), ("staff", "run the staff console")):
        app = sub.add_parser(name, help=text)
        app.add_argument(
            "--device",
            type=Path,
            default=data_home() / "device",
            help="enrolled device directory (default: %(default)s)",
        )
        app.add_argument("--size", default=None, help="window size WxH, e.g. 1080x1920")
        app.add_argument("--language", default=None, help="start language (staff: console)")
        app.add_argument("--fullscreen", action="store_true", help="fill the screen (kiosks)")
        app.add_argument(
            "--rotation",
            type=int,
            choices=(0, 90, 180, 270),
            default=0,
            help="rotate picture and touch, e.g. 90 for a portrait kiosk on a landscape panel",
        )

    admin = sub.add_parser("admin", help="operator tasks").add_subparsers(
        dest="admin_command", required=True
    )
    init = admin.add_parser("init", help="create the site key, a private CA and the hub's TLS")
    _add_data(init)
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
    enrol = admin.add_parser("enrol", help="issue a one-time enrolment code for a device")
    _add_data(enrol)
    _add_hub(enrol)
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
    enrol.add_argument("--hub-url", default="https://127.0.0.1:8443")
    enrol.add_argument(
        "--wait", type=float, default=0, help="wait this many seconds, then publish the device"
    )
    enrol.add_argument(
        "--here",
        action="store_true",
        help="one-box site: create the device's directory on this machine, no code needed",
    )
    publish = admin.add_parser("publish", help="sign a manifest with newly enrolled devices")
    _add_data(publish)
    _add_hub(publish)
    publish.add_argument(
        "--confirm",
        action="append",
        default=[],
        metavar="DEVICE=FINGERPRINT",
        help="the key fingerprint the device showed after enrolling",
    )
    audit = admin.add_parser("audit", help="look for anything of closed requests left on disk")
    audit.add_argument("data", type=Path, help="the hub's data directory (or the site's)")
    audit.add_argument("--ttl", type=float, default=4 * 3600, help="expiry limit, seconds")
    audit.add_argument("--find", action="append", default=[], help="also look for this text")
    audit.add_argument(
        "--db", default="", help="the hubs' PostgreSQL URL: audit its tables (SQLite: in DATA)"
    )
    status = admin.add_parser("status", help="every device's heartbeat; open requests per station")
    _add_data(status)
    _add_hub(status)
    status.add_argument("--json", action="store_true", help="for monitoring")
    status.add_argument(
        "--offline-after", type=float, default=None, help="silent this long is offline (s)"
    )
    rotate = admin.add_parser("rotate-keys", help="give an enrolled device new keys")
    _add_data(rotate)
    _add_hub(rotate)
    rotate.add_argument("device_id")
    rotate.add_argument("--hub-url", default="https://127.0.0.1:8443")
    rotate.add_argument("--hours", type=float, default=None, help="code lifetime")
    rotate.add_argument(
        "--here", action="store_true", help="the device's directory is on this machine"
    )
    refresh = admin.add_parser(
        "refresh", help="re-sign the manifest before it expires (kiosk-refresh.timer runs it)"
    )
    _add_data(refresh)
    _add_hub(refresh)
    refresh.add_argument(
        "--force", action="store_true", help="now, even if less than half of its validity passed"
    )
    revoke = admin.add_parser("revoke", help="revoke a device: refused from its next call on")
    _add_data(revoke)
    _add_hub(revoke)
    revoke.add_argument("device_id")
    _add_site_file_commands(admin)

    from kiosk.bench.command import add_bench_arguments

    add_bench_arguments(
        sub.add_parser("bench", help="simulated kiosks and staff against real hubs on loopback")
    )

    doctor = sub.add_parser("doctor", help="check this machine and say what to fix")
    doctor.add_argument("--device", type=Path, help="this device's directory (kiosk or staff)")
    doctor.add_argument("--data", type=Path, help="the hub's site data directory")
    doctor.add_argument("--ui", action="store_true", help="also check display and touch")
    doctor.add_argument(
        "--self-test", action="store_true", help="checks that need no hub, display or enrolment"
    )
    doctor.add_argument("--json", action="store_true")

    i18n = sub.add_parser("i18n", help="language tools").add_subparsers(
        dest="i18n_command", required=True
    )
    report = i18n.add_parser(
        "report", help="completeness, font coverage and review sign-off of every language"
    )
    report.add_argument("--json", action="store_true")
    review = i18n.add_parser("review", help="write an HTML review page for native speakers")
    review.add_argument("language", help="a language code, or all")
    review.add_argument("-o", "--out", type=Path, required=True, help="directory to write to")
    review.add_argument(
        "--screenshots", type=Path, action="append", default=[], help="e.g. a KIOSK_SCREENSHOTS dir"
    )

    pin = sub.add_parser("maintenance-pin", help="on a kiosk: set the PIN of its technician screen")
    pin.add_argument("--device", type=Path, default=data_home() / "device")

    device_enrol = sub.add_parser("enrol", help="on a device: enrol it with a one-time code")
    device_enrol.add_argument("--hub", required=True, help="hub URL, e.g. https://hub:8443")
    device_enrol.add_argument("--code", required=True, help="the one-time code, K7M4-P9XR-2QWE")
    device_enrol.add_argument("--site", required=True, help="the site key fingerprint")
    device_enrol.add_argument(
        "--device",
        type=Path,
        default=data_home() / "device",
        help="directory for this device's keys (default: %(default)s)",
    )
    device_enrol.add_argument(
        "--rotate", action="store_true", help="already enrolled: replace its keys (rotate-keys)"
    )
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
            SiteLayout(args.data, args.db).hub_settings(args.port), host=args.host
        )
        if args.ticket_ttl is not None:
            settings = dataclasses.replace(settings, ticket_ttl_seconds=args.ticket_ttl)
        if args.body_timeout is not None:
            settings = dataclasses.replace(settings, body_read_seconds=args.body_timeout)
        if args.offline_after is not None:
            settings = dataclasses.replace(
                settings,
                offline_after_seconds=args.offline_after,
                presence_sweep_seconds=min(2.0, args.offline_after / 4),
            )
        serve(settings)
        return 0
    if args.command in ("traveller", "staff"):
        from kiosk.apps import run_app

        return run_app(
            args.command,
            args.device,
            size=args.size,
            language=args.language,
            fullscreen=args.fullscreen,
            rotation=args.rotation,
        )
    if args.command == "demo":
        from kiosk.demo import run_demo

        return run_demo(args.data, port=args.port, fresh=args.fresh)
    if args.command == "admin":
        return _admin(args)
    if args.command == "bench":
        from kiosk.bench.command import bench_main

        return bench_main(args)
    if args.command == "maintenance-pin":
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
    if args.command == "doctor":
        return _doctor(args)
    if args.command == "i18n" and args.i18n_command == "review":
        return _i18n_review(args)
    if args.command == "i18n":
        return _i18n_report(as_json=args.json)
    if args.command == "enrol":
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
    return 2


def _doctor(args: argparse.Namespace) -> int:
    import json

    from kiosk.doctor import run_checks, self_test

    findings = (
        self_test()
        if args.self_test
        else run_checks(device_dir=args.device, data_dir=args.data, ui=args.ui)
    )
    if args.json:
        print(json.dumps([f.__dict__ for f in findings], ensure_ascii=False, indent=2))
    else:
        for f in findings:
            print(f"{f.status.upper():<5} {f.check:<10} {f.message}")
    return 1 if any(f.status == "fail" for f in findings) else 0


def _i18n_report(*, as_json: bool) -> int:
    import json

    from kiosk.i18n.report import build_report, report_has_gaps

    reports = build_report()
    if as_json:
        print(json.dumps([r.to_json() for r in reports], ensure_ascii=False, indent=2))
    else:
        for r in reports:
            missing = sorted({c for chars in r.missing_glyphs.values() for c in chars})
            status = "complete" if r.complete else "GAPS"
            print(
                f"{r.code:<8} {r.translated:>3}/{r.messages:<3} {r.translated_share:>6.1%}  "
                f"placeholders:{len(r.placeholder_mismatches)} plurals:{len(r.plural_errors)} "
                f"missing glyphs:{''.join(missing) or '-'}  {status}  "
                f"review:{r.review.signed_off}/{r.review.must_review} {r.review.status}"
            )
    return 1 if report_has_gaps(reports) else 0  # sign-offs are information, not gaps


def _i18n_review(args: argparse.Namespace) -> int:
    from kiosk.i18n.review_kit import write_review_kit

    try:
        written = write_review_kit(args.language, args.out, args.screenshots)
    except ValueError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(path)
    return 0


def _admin_rotate(args: argparse.Namespace, layout: SiteLayout) -> int:
    import time

    from kiosk.operator.enrolment import create_rotation, rotate_here

    if args.here:
        site, shown = rotate_here(layout, args.device_id)
        print(
            f"new keys for {args.device_id} (fingerprint {shown}); manifest version {site.version}"
        )
        print("restart the device's app so that it uses them")
        return 0
    issued = create_rotation(layout, args.device_id, args.hours)
    expires = time.strftime("%Y-%m-%d %H:%M %Z", time.localtime(issued.expires_at))
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


def _admin_enrol(args: argparse.Namespace, layout: SiteLayout) -> int:
    import time

    from kiosk.core.site import DeviceRole
    from kiosk.operator import enrol_local_device
    from kiosk.operator.enrolment import create_enrolment, publish_enrolled

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
    expires = time.strftime("%Y-%m-%d %H:%M %Z", time.localtime(issued.expires_at))
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
    deadline = time.monotonic() + args.wait
    while time.monotonic() < deadline:
        _site, _added, waiting = publish_enrolled(layout)
        shown = dict(waiting).get(issued.device_id)
        if shown is not None:
            return _confirm_and_publish(layout, issued.device_id, shown)
        time.sleep(1.0)
    print(f"kiosk: {issued.device_id} did not enrol within {args.wait:g} s", file=sys.stderr)
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


def _admin_url(args: argparse.Namespace) -> str:
    """The hub's admin API for commands that reach the hub; "" for those that do not
    (init writes the first manifest before any hub runs)."""
    if not hasattr(args, "hub"):
        return ""
    if args.hub:
        return str(args.hub)
    try:
        recorded = Path(args.data) / "operator" / "hub-url"
        return recorded.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise KioskError(
            f"{args.data} has no hub URL: give --hub https://HOST:8443 (the hub's admin API)"
        ) from None


def _admin(args: argparse.Namespace) -> int:
    from kiosk.operator import SiteLayout, init_site, sample_site, site_passphrase
    from kiosk.operator.enrolment import publish_enrolled, revoke_device
    from kiosk.operator.site_admin import refresh, site_fingerprint

    layout = SiteLayout(args.data, getattr(args, "db", ""), _admin_url(args))
    if args.admin_command in _SITE_FILE_COMMANDS:
        return _admin_site_file(args, layout)
    if args.admin_command == "init":
        site = (
            _read_site_file_or_report(args.site_file)
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
    if args.admin_command == "enrol":
        return _admin_enrol(args, layout)
    if args.admin_command == "publish":
        confirmed = dict(c.split("=", 1) for c in args.confirm if "=" in c)
        site, added, waiting = publish_enrolled(layout, confirmed)
        print(f"manifest version {site.version}; newly published: {', '.join(added) or 'none'}")
        for device_id, shown in waiting:
            print(
                f"waiting: {device_id} used its code; if its screen shows {shown}, run "
                f"kiosk admin publish --confirm {device_id}={shown}"
            )
        return 0
    if args.admin_command == "audit":
        from kiosk.operator.audit import audit_site, report_lines

        report = audit_site(args.data, ttl_seconds=args.ttl, find=args.find, database_url=args.db)
        lines, code = report_lines(report, args.data)
        print("\n".join(lines))
        return code
    if args.admin_command == "rotate-keys":
        return _admin_rotate(args, layout)
    if args.admin_command == "status":
        import json

        from kiosk.operator.status import fleet_status, format_status

        fleet = fleet_status(
            layout, **({} if args.offline_after is None else {"offline_after": args.offline_after})
        )
        print(
            json.dumps(fleet, indent=2, ensure_ascii=False) if args.json else format_status(fleet)
        )
        expired = fleet["manifest_expired"] or any(d["manifest_expired"] for d in fleet["devices"])
        # A monitor's check fails while any device is down or holds an expired manifest.
        return 1 if fleet["offline"] or expired else 0
    if args.admin_command == "refresh":
        import time

        renewed = refresh(layout, force=args.force)
        if renewed is None:
            print("the manifest is valid for more than half of its time; nothing to do")
        else:
            until = time.strftime("%Y-%m-%d %H:%M %Z", time.localtime(renewed.valid_until))
            print(f"manifest version {renewed.version}, valid until {until}")
        return 0
    if args.admin_command == "revoke":
        site = revoke_device(layout, args.device_id)
        print(f"revoked {args.device_id}; manifest version {site.version}")
        return 0
    return 2


# -- the site file: validate, diff, apply, export (kiosk/operator/site_file.py) ---------
_SITE_FILE_COMMANDS = ("validate", "diff", "apply", "export")


def _add_site_file_commands(admin: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    validate = admin.add_parser("validate", help="check a site file; every problem with its line")
    validate.add_argument("site_file", type=Path, metavar="SITE.toml")
    validate.set_defaults(data=Path("."), db="")
    for name, text in (
        ("diff", "show what applying a site file would change on the hub"),
        ("apply", "check a site file, then publish it as the next signed manifest"),
    ):
        cmd = admin.add_parser(name, help=text)
        cmd.add_argument("site_file", type=Path, metavar="SITE.toml")
        _add_data(cmd)
        _add_hub(cmd)
        cmd.add_argument(
            "--reassign",
            metavar="GROUP",
            help="move the staff devices of removed groups, and so their open requests, here",
        )
    export = admin.add_parser("export", help="write the hub's configuration as a site file")
    _add_data(export)
    export.add_argument("-o", "--output", type=Path, help="write here (default: print it)")


def _read_site_file_or_report(path: Path) -> Site | None:
    """The site a file describes, or None after listing its problems on stderr."""
    from kiosk.operator.site_file import SiteFileInvalid, read_site_file

    try:
        return read_site_file(path)
    except SiteFileInvalid as invalid:
        _report_invalid(invalid)
        return None


def _report_invalid(invalid: SiteFileInvalid, changes: bool = True) -> None:
    for line in str(invalid).splitlines():
        print(line, file=sys.stderr)
    count = len(invalid.problems)
    problems = f"{count} problem{'s' if count != 1 else ''} in {invalid.filename}"
    print(f"kiosk: {problems}{'; nothing was changed' if changes else ''}", file=sys.stderr)


def _admin_site_file(args: argparse.Namespace, layout: SiteLayout) -> int:
    """Exit codes: 0 done (validate: valid; diff: nothing to change or shown),
    1 the file has problems (listed on stderr, one per line), 2 refused."""
    from kiosk.operator.site_changes import apply_site_file, export_site_file, plan_site_file
    from kiosk.operator.site_file import SiteFileInvalid, read_site_file

    try:
        if args.admin_command == "validate":
            site = read_site_file(args.site_file)
            print(
                f"{args.site_file}: valid: {len(site.stations)} station(s), "
                f"{len(site.locations)} kiosk(s), {len(site.groups)} staff group(s), "
                f"{len(site.routes)} route(s)"
            )
            return 0
        if args.admin_command == "export":
            text = export_site_file(layout)
            if args.output is None:
                sys.stdout.write(text)
            else:
                args.output.write_text(text, encoding="utf-8")
                print(f"wrote {args.output}")
            return 0
        if args.admin_command == "diff":
            plan = plan_site_file(layout, args.site_file, args.reassign)
            for line in plan.changes:
                print(line)
            if not plan.changes:
                print(f"no changes: the hub already has manifest version {plan.current.version}")
            return 0
        plan = apply_site_file(layout, args.site_file, args.reassign)
        for line in plan.changes:
            print(line)
        if plan.changed:
            print(f"applied {args.site_file}: manifest version {plan.target.version}")
        else:
            print(f"no changes: manifest version {plan.current.version} stays")
        return 0
    except SiteFileInvalid as invalid:
        _report_invalid(invalid, changes=args.admin_command != "validate")
        return 1


if __name__ == "__main__":
    sys.exit(main())
