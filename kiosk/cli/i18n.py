"""`kiosk i18n report` and `kiosk i18n review`: language tools."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["register"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    i18n = sub.add_parser("i18n", help="language tools").add_subparsers(
        dest="i18n_command", required=True
    )
    report = i18n.add_parser(
        "report", help="completeness, font coverage and review sign-off of every language"
    )
    report.add_argument("--json", action="store_true")
    report.set_defaults(func=_report)
    review = i18n.add_parser("review", help="write an HTML review page for native speakers")
    review.add_argument("language", help="a language code, or all")
    review.add_argument("-o", "--out", type=Path, required=True, help="directory to write to")
    review.add_argument(
        "--screenshots", type=Path, action="append", default=[], help="e.g. a KIOSK_SCREENSHOTS dir"
    )
    review.set_defaults(func=_review)


def _report(args: argparse.Namespace) -> int:
    import json

    from kiosk.i18n.report import build_report, report_has_gaps

    reports = build_report()
    if args.json:
        print(json.dumps([r.to_json() for r in reports], ensure_ascii=False, indent=2))
    else:
        for r in reports:
            missing = sorted({c for chars in r.missing_glyphs.values() for c in chars})
            status = "complete" if r.complete else "GAPS"
            print(
                f"{r.code:<8} {r.translated:>3}/{r.messages:<3} {r.translated_share:>6.1%}  "
                f"placeholders:{len(r.placeholder_mismatches)} plurals:{len(r.plural_errors)} "
                f"missing glyphs:{''.join(missing) or '-'}  {status}  "
                f"review:{r.review.signed_off}/{r.review.must_review} {r.review.status}  "
                f"speech:{f'{r.speech.engine}/{r.speech.quality}' if r.speech else 'none'}"
            )
    return 1 if report_has_gaps(reports) else 0  # sign-offs are information, not gaps


def _review(args: argparse.Namespace) -> int:
    from kiosk.i18n.review_kit import write_review_kit

    try:
        written = write_review_kit(args.language, args.out, args.screenshots)
    except ValueError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(path)
    return 0
