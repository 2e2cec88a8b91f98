"""`kiosk demo` and `kiosk hub`: the commands that run a routing hub."""

from __future__ import annotations

import argparse
import dataclasses

from kiosk.cli.options import add_data
from kiosk.paths import data_home

__all__ = ["register"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = sub.add_parser("demo", help="hub + one kiosk + one staff console on a sample site")
    add_data(demo, data_home() / "demo")
    demo.add_argument("--port", type=int, default=8443)
    demo.add_argument("--fresh", action="store_true", help="start from a new sample site")
    demo.set_defaults(func=_demo)

    hub = sub.add_parser("hub", help="run the routing hub")
    add_data(hub)
    hub.add_argument("--host", default="127.0.0.1")
    hub.add_argument("--port", type=int, default=8443)
    hub.add_argument("--ticket-ttl", type=int, default=None, help="seconds until expiry")
    hub.add_argument(
        "--offline-after", type=float, default=None, help="silent kiosk is offline after (s)"
    )
    hub.add_argument(
        "--dead-peer-after",
        type=float,
        default=None,
        help="a connection whose device stopped answering is reset after (s)",
    )
    hub.add_argument(
        "--body-timeout", type=float, default=None, help="seconds a request body may take"
    )
    hub.set_defaults(func=_hub)


def _demo(args: argparse.Namespace) -> int:
    from kiosk.demo import run_demo

    return run_demo(args.data, port=args.port, fresh=args.fresh)


def _hub(args: argparse.Namespace) -> int:
    from kiosk.hub.server import serve
    from kiosk.operator import SiteLayout

    settings = dataclasses.replace(
        SiteLayout(args.data, args.db).hub_settings(args.port), host=args.host
    )
    if args.ticket_ttl is not None:
        settings = dataclasses.replace(settings, ticket_ttl_seconds=args.ticket_ttl)
    if args.body_timeout is not None:
        settings = dataclasses.replace(settings, body_read_seconds=args.body_timeout)
    if args.dead_peer_after is not None:
        settings = dataclasses.replace(settings, dead_peer_seconds=args.dead_peer_after)
    if args.offline_after is not None:
        settings = dataclasses.replace(
            settings,
            offline_after_seconds=args.offline_after,
            presence_sweep_seconds=min(2.0, args.offline_after / 4),
        )
    serve(settings)
    return 0
