"""`kiosk admin validate`, `diff`, `apply` and `export`: the site file
(kiosk/operator/site_file.py).

Exit codes: 0 done (validate: valid; diff: nothing to change or shown),
1 the file has problems (listed on stderr, one per line), 2 refused."""

from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.cli.options import Handler, add_data, add_hub, site_layout

if TYPE_CHECKING:
    from collections.abc import Callable

    from kiosk.core.site import Site
    from kiosk.operator.site_file import SiteFileInvalid

__all__ = ["read_site_file_or_report", "register"]


def register(admin: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    validate = admin.add_parser("validate", help="check a site file; every problem with its line")
    validate.add_argument("site_file", type=Path, metavar="SITE.toml")
    validate.set_defaults(data=Path("."), db="", func=_validate)
    for name, text, handler in (
        ("diff", "show what applying a site file would change on the hub", _diff),
        ("apply", "check a site file, then publish it as the next signed manifest", _apply),
    ):
        cmd = admin.add_parser(name, help=text)
        cmd.add_argument("site_file", type=Path, metavar="SITE.toml")
        add_data(cmd)
        add_hub(cmd)
        cmd.add_argument(
            "--reassign",
            metavar="GROUP",
            help="move the staff devices of removed groups, and so their open requests, here",
        )
        cmd.set_defaults(func=handler)
    export = admin.add_parser("export", help="write the hub's configuration as a site file")
    add_data(export)
    export.add_argument("-o", "--output", type=Path, help="write here (default: print it)")
    export.set_defaults(func=_export)


def read_site_file_or_report(path: Path) -> Site | None:
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


def _listing_problems(*, changes: bool) -> Callable[[Handler], Handler]:
    """A handler that lists a site file's problems on stderr and exits 1 for them."""

    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def run(args: argparse.Namespace) -> int:
            from kiosk.operator.site_file import SiteFileInvalid

            try:
                return handler(args)
            except SiteFileInvalid as invalid:
                _report_invalid(invalid, changes=changes)
                return 1

        return run

    return wrap


@_listing_problems(changes=False)
def _validate(args: argparse.Namespace) -> int:
    from kiosk.operator.site_file import read_site_file

    site = read_site_file(args.site_file)
    print(
        f"{args.site_file}: valid: {len(site.stations)} station(s), "
        f"{len(site.locations)} kiosk(s), {len(site.groups)} staff group(s), "
        f"{len(site.routes)} route(s)"
    )
    return 0


@_listing_problems(changes=True)
def _export(args: argparse.Namespace) -> int:
    from kiosk.operator.site_changes import export_site_file

    text = export_site_file(site_layout(args))
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {args.output}")
    return 0


@_listing_problems(changes=True)
def _diff(args: argparse.Namespace) -> int:
    from kiosk.operator.site_changes import plan_site_file

    plan = plan_site_file(site_layout(args), args.site_file, args.reassign)
    for line in plan.changes:
        print(line)
    if not plan.changes:
        print(f"no changes: the hub already has manifest version {plan.current.version}")
    return 0


@_listing_problems(changes=True)
def _apply(args: argparse.Namespace) -> int:
    from kiosk.operator.site_changes import apply_site_file

    plan = apply_site_file(site_layout(args), args.site_file, args.reassign)
    for line in plan.changes:
        print(line)
    if plan.changed:
        print(f"applied {args.site_file}: manifest version {plan.target.version}")
    else:
        print(f"no changes: manifest version {plan.current.version} stays")
    return 0
