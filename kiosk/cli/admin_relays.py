"""`kiosk admin test-alert GROUP`: a test alert through each relay of a group,
sent by the running hub (its admin API, signed with the site key)."""

from __future__ import annotations

import argparse

from kiosk.cli.options import add_data, add_hub, site_layout

__all__ = ["register_test_alert"]


def register_test_alert(admin: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    test = admin.add_parser(
        "test-alert", help="send a test alert through each relay of a staff group"
    )
    test.add_argument("group", help="the staff group's id in the site file")
    add_data(test)
    add_hub(test)
    test.add_argument("--json", action="store_true", help="for scripts")
    test.set_defaults(func=_test_alert)


def _test_alert(args: argparse.Namespace) -> int:
    import json

    from kiosk.operator.relay_status import test_alert_lines

    results = site_layout(args).hub_admin.test_alert(args.group)
    if args.json:
        print(json.dumps({"group": args.group, "relays": results}, indent=2))
    else:
        print("\n".join(test_alert_lines(args.group, results)))
    # A group with no relay, or any relay that did not deliver, fails the check.
    return 0 if results and all(r["delivered"] for r in results) else 1
