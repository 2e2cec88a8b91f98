"""`kiosk admin audit DATA_DIR`: is anything of a closed request still on disk?

Looks at every file under the hub's data directory (database, WAL, journal,
logs, stray copies) for:

- ticket ids (32 hex digits) that belong to no open ticket: residue of a purge;
- SQLite free pages that are not zeroed (secure_delete should have wiped them);
- a write-ahead log or rollback journal still holding frames after the last purge;
- open tickets older than the expiry limit (the sweeper should have purged them);
- any value the caller names (--find: a marker, a ticket id from a benchmark).

It reads the database through a read-only connection and changes nothing.
"""

from __future__ import annotations

import re
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["AuditFinding", "audit_data_dir"]

_TICKET_ID = re.compile(rb"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")


@dataclass(frozen=True)
class AuditFinding:
    kind: str
    where: str
    detail: str


def _live_tickets(db: Path) -> tuple[set[bytes], list[tuple[str, float]]]:
    if not db.exists():
        return set(), []
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT id, created_at FROM tickets").fetchall()
    return {r[0].encode() for r in rows}, [(r[0], float(r[1])) for r in rows]


def _dirty_free_pages(db: Path) -> int:
    """Free-list pages with any non-zero byte after their header fields."""
    data = db.read_bytes()
    if len(data) < 100 or not data.startswith(b"SQLite format 3\x00"):
        return 0
    page_size = int.from_bytes(data[16:18], "big") or 65536
    trunk = int.from_bytes(data[32:36], "big")
    dirty = 0
    seen = 0
    while trunk and seen < 100_000:
        start = (trunk - 1) * page_size
        page = data[start : start + page_size]
        leaves = int.from_bytes(page[4:8], "big")
        for i in range(leaves):
            leaf = int.from_bytes(page[8 + 4 * i : 12 + 4 * i], "big")
            content = data[(leaf - 1) * page_size : leaf * page_size]
            dirty += any(content)
        seen += 1
        trunk = int.from_bytes(page[0:4], "big")
    return dirty


def audit_data_dir(
    data_dir: Path, *, ttl_seconds: float, find: list[str] | None = None
) -> list[AuditFinding]:
    hub = data_dir / "hub" if (data_dir / "hub").is_dir() else data_dir
    db = hub / "hub.db"
    findings: list[AuditFinding] = []
    live, open_tickets = _live_tickets(db)
    now = time.time()
    for _ticket_id, created_at in open_tickets:
        if now - created_at > ttl_seconds:
            findings.append(
                AuditFinding(
                    "overdue",
                    "hub.db",
                    f"an open ticket is {int((now - created_at) // 60)} min old, past the "
                    f"{int(ttl_seconds // 60)} min limit: is the hub running its expiry sweep?",
                )
            )
    needles = [n.encode() for n in (find or []) if n]
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        name = str(path.relative_to(data_dir))
        data = path.read_bytes()
        leftover = {m.group(0) for m in _TICKET_ID.finditer(data)} - live
        if leftover:
            findings.append(
                AuditFinding(
                    "residue",
                    name,
                    f"{len(leftover)} ticket id(s) of no open ticket, "
                    f"e.g. {sorted(leftover)[0].decode()}",
                )
            )
        for needle in needles:
            if needle in data:
                findings.append(AuditFinding("found", name, f"contains {needle.decode()!r}"))
        if path.name.endswith(("-wal", "-journal")) and data and not open_tickets:
            findings.append(
                AuditFinding(
                    "journal",
                    name,
                    f"{len(data)} bytes of journal with no open ticket: "
                    "stop the hub cleanly so it checkpoints, then audit again",
                )
            )
    if db.exists():
        dirty = _dirty_free_pages(db)
        if dirty:
            findings.append(
                AuditFinding(
                    "free-pages",
                    "hub.db",
                    f"{dirty} free page(s) not wiped: was secure_delete off on a connection?",
                )
            )
    return findings
