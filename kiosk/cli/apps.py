"""`kiosk traveller` and `kiosk staff`: the two touch-screen apps."""

from __future__ import annotations

import argparse
from pathlib import Path

from kiosk.cli.options import default_device_dir

__all__ = ["register"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    for name, text in (("traveller", "run the kiosk app"), ("staff", "run the staff console")):
        app = sub.add_parser(name, help=text)
        app.add_argument(
            "--device",
            type=Path,
            default=default_device_dir(),
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
        app.set_defaults(func=_run_app)


def _run_app(args: argparse.Namespace) -> int:
    from kiosk.apps import run_app

    return run_app(
        args.command,
        args.device,
        size=args.size,
        language=args.language,
        fullscreen=args.fullscreen,
        rotation=args.rotation,
    )
