"""Options several sub-commands share, what they point at, and a handler's type."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from kiosk.core.errors import KioskError
from kiosk.paths import data_home

if TYPE_CHECKING:
    from kiosk.operator import SiteLayout

__all__ = ["Handler", "add_data", "add_hub", "default_device_dir", "site_layout"]

# Every sub-command's parser carries one as `func`; `kiosk.cli.main` calls it and
# returns its result as the exit code.
Handler: TypeAlias = Callable[[argparse.Namespace], int]


def default_device_dir() -> Path:
    return data_home() / "device"


def add_data(p: argparse.ArgumentParser, default: Path | None = None) -> None:
    p.add_argument(
        "--data",
        type=Path,
        default=default or data_home() / "site",
        help="site data directory (default: %(default)s)",
    )
    p.add_argument(
        "--db",
        default="",
        help="the hubs' database URL when it is PostgreSQL (default: SQLite in --data)",
    )


def add_hub(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--hub",
        default="",
        metavar="URL",
        help="the hub's admin API, e.g. https://hub.example:8443 (default: the URL given to init)",
    )


def site_layout(args: argparse.Namespace) -> SiteLayout:
    """Where an admin command finds the site: --data, --db and the hub's admin API."""
    from kiosk.operator import SiteLayout

    return SiteLayout(args.data, getattr(args, "db", ""), _admin_url(args))


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
