"""`kiosk doctor`: check this machine and say what to fix."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["register"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    doctor = sub.add_parser("doctor", help="check this machine and say what to fix")
    doctor.add_argument("--device", type=Path, help="this device's directory (kiosk or staff)")
    doctor.add_argument("--data", type=Path, help="the hub's site data directory")
    doctor.add_argument("--ui", action="store_true", help="also check display and touch")
    doctor.add_argument(
        "--self-test", action="store_true", help="checks that need no hub, display or enrolment"
    )
    doctor.add_argument("--json", action="store_true")
    doctor.set_defaults(func=_doctor)


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
