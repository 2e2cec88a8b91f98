"""`kiosk admin dashboard`: the operator's web view, on this machine's loopback."""

from __future__ import annotations

import argparse
import sys

from kiosk.cli.options import add_data, add_hub, site_layout

__all__ = ["register_dashboard"]

DEFAULT_PORT = 8765


def register_dashboard(admin: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    dashboard = admin.add_parser(
        "dashboard",
        help="a read-only web view of the fleet and the statistics (127.0.0.1 only)",
    )
    add_data(dashboard)
    add_hub(dashboard)
    dashboard.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help="port on 127.0.0.1 (0: any free one; default: %(default)s)",
    )
    dashboard.add_argument(
        "--offline-after", type=float, default=None, help="silent this long is offline (s)"
    )
    dashboard.set_defaults(func=_dashboard)


def _dashboard(args: argparse.Namespace) -> int:
    from kiosk.operator.dashboard import DashboardServer, HubSource

    layout = site_layout(args)
    source = (
        HubSource(layout)
        if args.offline_after is None
        else HubSource(layout, offline_after=args.offline_after)
    )
    source.site()  # no site here: say so now, not in the browser
    try:
        server = DashboardServer(source, args.port)
    except OSError as exc:
        print(f"cannot listen on 127.0.0.1:{args.port}: {exc.strerror}", file=sys.stderr)
        return 1
    print("The operator dashboard (read-only) is at this address; it opens once:", flush=True)
    print(f"    {server.url}", flush=True)
    print("Stop it with Ctrl+C.", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
