"""`python -m kiosk.hub.migrate` (URL on stdin): the hub's schema migration, run in
a child process by `kiosk hub` (database.upgrade_schema_apart)."""

from __future__ import annotations

import sys

from kiosk.hub.database import make_engine, upgrade_schema


def main() -> None:
    engine = make_engine(sys.stdin.read().strip(), pooled=False)
    try:
        upgrade_schema(engine)
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
