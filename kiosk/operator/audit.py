"""`kiosk admin audit DATA_DIR [--db URL]`: is anything of a closed request left?

Looks at the hub's tables (kiosk/operator/audit_rows.py: the SQLite file in the
data directory, or the hubs' PostgreSQL database by URL), and at every file
under the data directory (database, WAL, journal, logs, stray copies) for:

- ticket ids (32 hex digits) that belong to no open ticket: residue of a purge;
- SQLite free pages that are not zeroed (secure_delete should have wiped them);
- a write-ahead log or rollback journal still holding frames after the last purge;
- open tickets older than the expiry limit (the sweeper should have purged them);
- any value the caller names (--find: a marker, a ticket id from a benchmark).

It reads the database through a read-only connection and changes nothing.
What it could verify is in the report (`AuditReport.checked`): a report that
checked no database says so, and is never a pass.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.operator.audit_rows import POSTGRESQL_LIMITS, audit_rows, postgresql_query

__all__ = ["AuditFinding", "AuditReport", "audit_data_dir", "audit_site", "report_lines"]

_TICKET_ID = re.compile(rb"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")


@dataclass(frozen=True)
class AuditFinding:
    kind: str
    where: str
    detail: str


@dataclass
class AuditReport:
    findings: list[AuditFinding] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)  # what was verified, in words
    limits: str = ""  # what could not be verified, and what holds instead

    @property
    def database_checked(self) -> bool:
        return any(c.startswith("rows of") for c in self.checked)


def _sqlite_rows(
    db: Path, ttl_seconds: float, find: list[str]
) -> tuple[set[bytes], list[AuditFinding]]:
    """The open tickets' ids, and what the tables hold that they should not."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        live = {r[0].encode() for r in conn.execute("SELECT id FROM tickets")}
        found = audit_rows(
            lambda sql, params: conn.execute(sql, params).fetchall(),
            "hub.db",
            ttl_seconds=ttl_seconds,
            find=find,
        )
    finally:
        conn.close()
    return live, [AuditFinding(*f) for f in found]


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


def audit_site(
    data_dir: Path, *, ttl_seconds: float, find: list[str] | None = None, database_url: str = ""
) -> AuditReport:
    """Audit the tables (SQLite in `data_dir`, or PostgreSQL at `database_url`)
    and every file under `data_dir`."""
    report = AuditReport()
    hub = data_dir / "hub" if (data_dir / "hub").is_dir() else data_dir
    db = hub / "hub.db"
    live: set[bytes] = set()
    if database_url.startswith("postgresql"):
        query, close = postgresql_query(database_url)
        try:
            found = audit_rows(query, "database", ttl_seconds=ttl_seconds, find=find or [])
            live = {str(r[0]).encode() for r in query("SELECT id FROM tickets", {})}
        finally:
            close()
        report.findings += [AuditFinding(*f) for f in found]
        report.checked.append("rows of the PostgreSQL database")
        report.limits = POSTGRESQL_LIMITS
    elif db.exists():
        live, found_rows = _sqlite_rows(db, ttl_seconds, find or [])
        report.findings += found_rows
        report.checked.append("rows of hub.db")
        report.findings += _file_findings(data_dir, live, find, journals=True)
        report.findings += _free_page_findings(db)
        report.checked.append(f"every byte of every file under {data_dir}")
        return report
    if data_dir.is_dir():
        report.findings += _file_findings(data_dir, live, find, journals=False)
        report.checked.append(f"the files under {data_dir} (logs, stray copies)")
    return report


def report_lines(report: AuditReport, data_dir: Path) -> tuple[list[str], int]:
    """What `kiosk admin audit` prints, and its exit status: 0 clean, 1 something
    found, 2 no database checked (nothing to vouch for)."""
    lines = [f"{f.kind:<11} {f.where}: {f.detail}" for f in report.findings]
    lines += [f"checked: {what}" for what in report.checked]
    if report.limits:
        lines.append(f"not checked: {report.limits}")
    if report.findings:
        return lines, 1
    if not report.database_checked:
        lines.append(
            f"audit of {data_dir}: no hub database found, so nothing of a request was "
            "verified; on a PostgreSQL site pass the hubs' database with --db URL"
        )
        return lines, 2
    if report.limits:
        lines.append(
            "audit: no row of a closed request, no orphan copy or reply, nothing past "
            "expiry; see above for what only crypto-shredding covers"
        )
    else:
        lines.append(f"audit of {data_dir}: nothing of a closed request remains")
    return lines, 0


def audit_data_dir(
    data_dir: Path, *, ttl_seconds: float, find: list[str] | None = None
) -> list[AuditFinding]:
    """The findings of `audit_site` on a SQLite site."""
    return audit_site(data_dir, ttl_seconds=ttl_seconds, find=find).findings


def _file_findings(
    data_dir: Path, live: set[bytes], find: list[str] | None, *, journals: bool
) -> list[AuditFinding]:
    findings: list[AuditFinding] = []
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
        if journals and path.name.endswith(("-wal", "-journal")) and data and not live:
            findings.append(
                AuditFinding(
                    "journal",
                    name,
                    f"{len(data)} bytes of journal with no open ticket: "
                    "stop the hub cleanly so it checkpoints, then audit again",
                )
            )
    return findings


def _free_page_findings(db: Path) -> list[AuditFinding]:
    dirty = _dirty_free_pages(db)
    if not dirty:
        return []
    detail = f"{dirty} free page(s) not wiped: was secure_delete off on a connection?"
    return [AuditFinding("free-pages", "hub.db", detail)]
