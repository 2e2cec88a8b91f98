"""The hub's storage operations, on SQLAlchemy 2. Synchronous: the ASGI layer
runs them in a worker thread so the event loop never waits on the disk."""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, cast

from sqlalchemy import Engine, Table, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from kiosk.core.categories import Category, Urgency
from kiosk.core.errors import IllegalTransition
from kiosk.core.ticket import Ticket, TicketEvent, TicketState
from kiosk.hub.counter_store import CountClosed, count_closed
from kiosk.hub.loop_reader import sqlite_loop_reader
from kiosk.hub.models import ManifestRow, ReplyRow, SealedCopyRow, SeenNonceRow, TicketRow
from kiosk.hub.purge import purge_statement, purge_tickets

__all__ = ["CHECKPOINT_GAP", "Store", "TicketConflict"]

_LOG = logging.getLogger("kiosk.hub")
# The longest a closed request's rows stay in SQLite's WAL on a busy hub (seconds).
CHECKPOINT_GAP = 0.2


class TicketConflict(Exception):
    """A ticket id that already exists with different content."""


def _to_ticket(row: Any) -> Ticket:
    """From a ticket row: an ORM TicketRow, or a Core row of its columns."""
    return Ticket(
        id=row.id,
        kiosk_id=row.kiosk_id,
        location_id=row.location_id,
        category=Category(row.category),
        urgency=Urgency(row.urgency),
        created_at=row.created_at,
        state=TicketState(row.state),
        updated_at=row.updated_at,
        accepted_by=row.accepted_by,
        eta_minutes=row.eta_minutes,
        accepted_at=row.accepted_at,
        handed_to=row.handed_to,
    )


_LATEST_VERSION = select(func.max(ManifestRow.version))
# The ticket paths run several times per request, on worker threads that compete
# with the event loop for the GIL: they use Core statements on a connection, which
# cost a third of what an ORM session does (measured: a read 155 vs 394 us, a new
# ticket with its copies 342 vs 936 us, the write lock held that much shorter).
_TICKETS = cast(Table, TicketRow.__table__)
_COPIES = cast(Table, SealedCopyRow.__table__)
_BY_ID = select(_TICKETS).where(_TICKETS.c.id == bindparam("ticket_id"))
_BY_IDS = select(_TICKETS).where(_TICKETS.c.id.in_(bindparam("ticket_ids", expanding=True)))
_OF_KIOSK = select(_TICKETS).where(_TICKETS.c.kiosk_id == bindparam("kiosk_id"))
_INSERT_TICKET = insert(_TICKETS)
_INSERT_COPY = insert(_COPIES)
_COPIES_OF = select(_COPIES.c.ticket_id, _COPIES.c.recipient_id, _COPIES.c.ciphertext).where(
    _COPIES.c.ticket_id.in_(bindparam("ticket_ids", expanding=True))
)
_COPY_FOR = select(_COPIES.c.ciphertext).where(
    (_COPIES.c.ticket_id == bindparam("ticket_id"))
    & (_COPIES.c.recipient_id == bindparam("recipient_id"))
)
# An event's write names the ticket as it was read (compare-and-set, see
# apply_event). Built once with bound values: building and keying an ORM update
# on every call cost more than the write itself (measured: 896 us a delivery
# report, of which 270 us the commit).
_AS_READ = (_TICKETS.c.id == bindparam("ticket_id")) & (_TICKETS.c.state == bindparam("was_state"))
_AS_READ_BY = {
    False: _AS_READ & _TICKETS.c.accepted_by.is_(None),
    True: _AS_READ & (_TICKETS.c.accepted_by == bindparam("was_by")),
}
_UPDATE_AS_READ = {
    accepted: update(_TICKETS)
    .where(condition)
    .values(
        state=bindparam("new_state"),
        updated_at=bindparam("new_updated_at"),
        accepted_by=bindparam("new_accepted_by"),
        eta_minutes=bindparam("new_eta_minutes"),
        accepted_at=bindparam("new_accepted_at"),
        handed_to=bindparam("new_handed_to"),
    )
    .returning(_TICKETS.c.id)
    for accepted, condition in _AS_READ_BY.items()
}
_PURGE_AS_READ = {accepted: purge_statement(c) for accepted, c in _AS_READ_BY.items()}
_IDS_A_QUERY = 500  # old SQLite builds allow 999 bound values a statement


def _in_parts(ids: list[str]) -> Iterator[dict[str, list[str]]]:
    """Bound values for an `IN` of `ids`, a statement's worth at a time."""
    for start in range(0, len(ids), _IDS_A_QUERY):
        yield {"ticket_ids": ids[start : start + _IDS_A_QUERY]}


class Store:
    def __init__(self, engine: Engine, *, loop_reader: bool = False) -> None:
        """`loop_reader`: the hub's store, whose event loop asks `manifest_version_now`."""
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._sqlite = engine.dialect.name == "sqlite"
        # SQLite has one writer at a time; writers that collide wait in its busy
        # handler, which sleeps up to 100 ms a turn. Taking turns in a lock here
        # hands the database over at once. (PostgreSQL locks rows itself.)
        self.write_lock: contextlib.AbstractContextManager[Any] = (
            threading.Lock() if self._sqlite else contextlib.nullcontext()
        )
        # A purge whose WAL could not be truncated yet (readers held it).
        self.checkpoint_pending = False
        self._truncated_at = -CHECKPOINT_GAP  # none yet: the first purge truncates at once
        self._loop_reader = sqlite_loop_reader(engine) if loop_reader else None
        # INSERT with ON CONFLICT, which each dialect builds for itself.
        self.dialect_insert = sqlite_insert if self._sqlite else postgresql_insert
        self._insert_new_nonces = (
            self.dialect_insert(SeenNonceRow)
            .on_conflict_do_nothing()
            .returning(SeenNonceRow.device_id, SeenNonceRow.nonce)
        )

    def close_loop_reader(self) -> None:
        if self._loop_reader is not None:
            self._loop_reader.close()
            self._loop_reader = None

    # -- manifests --------------------------------------------------------
    def latest_manifest(self) -> dict[str, Any] | None:
        with self._sessions() as s:
            row = s.scalars(select(ManifestRow).order_by(ManifestRow.version.desc())).first()
            return json.loads(row.signed_document) if row else None

    def latest_manifest_version(self) -> int:
        # Asked on every request (a revocation counts from the next one): a
        # plain connection, not an ORM session, keeps it cheap.
        with self.engine.connect() as conn:
            return int(conn.scalar(_LATEST_VERSION) or 0)

    def manifest_version_now(self) -> int | None:
        """The newest manifest version without leaving the event loop, or None
        when it must be asked from a worker thread (PostgreSQL; SQLite busy).

        Every request asks (a revocation counts from the next one). On SQLite it
        is an index lookup in the page cache, microseconds, and a reader in WAL
        mode never waits for a writer, so the loop may ask itself: a trip to a
        worker thread costs far more, in waiting for the GIL, than the query.
        """
        if self._loop_reader is None:
            return None
        try:
            # fetchall, not fetchone: the statement runs to its end, so no read
            # snapshot stays open to hold back a purge's WAL truncation.
            rows = self._loop_reader.execute("SELECT max(version) FROM manifests").fetchall()
        except sqlite3.OperationalError:  # busy (a checkpoint's moment): ask in a thread
            return None
        return int(rows[0][0] or 0)

    def add_manifest(self, version: int, signed: Mapping[str, Any]) -> None:
        with self.write_lock, self._sessions.begin() as s:
            s.add(
                ManifestRow(
                    version=version,
                    signed_document=json.dumps(signed, sort_keys=True),
                    created_at=time.time(),
                )
            )

    # -- tickets ----------------------------------------------------------
    def insert_ticket(self, ticket: Ticket, sealed: Mapping[str, bytes]) -> bool:
        """Store a new ticket; False if this exact ticket was already stored (a retry)."""
        try:
            with self.write_lock, self.engine.begin() as c:
                c.execute(
                    _INSERT_TICKET,
                    {
                        "id": ticket.id,
                        "kiosk_id": ticket.kiosk_id,
                        "location_id": ticket.location_id,
                        "category": ticket.category.value,
                        "urgency": ticket.urgency.value,
                        "state": ticket.state.value,
                        "created_at": ticket.created_at,
                        "updated_at": ticket.created_at,
                    },
                )
                c.execute(
                    _INSERT_COPY,
                    [
                        {"ticket_id": ticket.id, "recipient_id": rid, "ciphertext": ct}
                        for rid, ct in sealed.items()
                    ],
                )
            return True
        except IntegrityError:
            if self.stored_as(ticket) is None:
                raise TicketConflict(ticket.id) from None
            return False

    def stored_as(self, ticket: Ticket) -> Ticket | None:
        """The stored ticket with this id, None if there is none; TicketConflict
        if it is another kiosk's or another request (an id is not to be reused)."""
        existing = self.get_ticket(ticket.id)
        if existing is not None and (
            existing.kiosk_id,
            existing.location_id,
            existing.category,
            existing.urgency,
        ) != (ticket.kiosk_id, ticket.location_id, ticket.category, ticket.urgency):
            raise TicketConflict(ticket.id)
        return existing

    def get_ticket(self, ticket_id: str) -> Ticket | None:
        with self.engine.connect() as c:
            row = c.execute(_BY_ID, {"ticket_id": ticket_id}).first()
            return _to_ticket(row) if row else None

    def get_tickets(self, ticket_ids: list[str]) -> dict[str, Ticket]:
        """The open tickets of these ids (by id); ids not found are left out."""
        found: dict[str, Ticket] = {}
        with self.engine.connect() as c:
            for part in _in_parts(ticket_ids):
                found |= {r.id: _to_ticket(r) for r in c.execute(_BY_IDS, part)}
        return found

    def open_tickets(self, location_ids: Iterable[str] | None = None) -> list[Ticket]:
        query = select(_TICKETS).order_by(_TICKETS.c.created_at)
        if location_ids is not None:
            query = query.where(_TICKETS.c.location_id.in_(list(location_ids)))
        with self.engine.connect() as c:
            return [_to_ticket(r) for r in c.execute(query)]

    def open_tickets_of_kiosk(self, kiosk_id: str) -> list[Ticket]:
        with self.engine.connect() as c:
            rows = c.execute(_OF_KIOSK, {"kiosk_id": kiosk_id})
            return [_to_ticket(r) for r in rows]

    def sealed_copies(self, ticket_id: str) -> dict[str, bytes]:
        return self.sealed_copies_of([ticket_id]).get(ticket_id, {})

    def sealed_copies_of(self, ticket_ids: list[str]) -> dict[str, dict[str, bytes]]:
        """Each ticket's sealed copies by recipient; tickets without any are left out."""
        found: dict[str, dict[str, bytes]] = {}
        with self.engine.connect() as c:
            for part in _in_parts(ticket_ids):
                for r in c.execute(_COPIES_OF, part):
                    found.setdefault(r.ticket_id, {})[r.recipient_id] = r.ciphertext
        return found

    def remember_nonces(self, used: list[tuple[str, str, float]]) -> list[bool]:
        """For each (device, nonce, expires_at): False if that device already used
        that nonce (a replay), on any hub, before a restart, or earlier in `used`.
        One statement and one commit for all of them: on PostgreSQL every call
        comes here, on SQLite every call that changes anything."""
        if not used:
            return []
        fresh: dict[tuple[str, str], float] = {}
        for device_id, nonce, expires_at in used:
            fresh.setdefault((device_id, nonce), expires_at)
        rows = [{"device_id": d, "nonce": n, "expires_at": e} for (d, n), e in fresh.items()]
        with self.write_lock, self.engine.connect() as c:
            if self._sqlite:
                # No fsync of its own: a nonce is committed before its call takes
                # effect, and that effect's commit (synchronous=FULL) syncs the WAL
                # up to and with it. A hub killed at any moment keeps it (0.2 vs
                # 0.6 ms a commit, measured); only a power cut can lose nonces of
                # calls that changed nothing.
                c.exec_driver_sql("PRAGMA synchronous=NORMAL")
            try:
                stored = {(d, n) for d, n in c.execute(self._insert_new_nonces, rows)}
                c.commit()
            finally:
                if self._sqlite:  # back to FULL before the pool hands it to anyone
                    c.rollback()
                    c.exec_driver_sql("PRAGMA synchronous=FULL")
                    c.commit()
        answers = []
        for device_id, nonce, _ in used:
            answers.append((device_id, nonce) in stored)
            stored.discard((device_id, nonce))  # a second use in the same batch is a replay
        return answers

    def forget_nonces(self, now: float) -> None:
        with self.write_lock, self._sessions.begin() as s:
            s.execute(delete(SeenNonceRow).where(SeenNonceRow.expires_at < now))

    def sealed_copy(self, ticket_id: str, recipient_id: str) -> bytes | None:
        with self.engine.connect() as c:
            return c.scalar(_COPY_FOR, {"ticket_id": ticket_id, "recipient_id": recipient_id})

    def apply_event(
        self,
        ticket_id: str,
        event: TicketEvent,
        *,
        actor: str | None = None,
        eta_minutes: int | None = None,
        group: str | None = None,
        seen: Ticket | None = None,
        at: float | None = None,
        count: CountClosed | None = None,
    ) -> Ticket | None:
        """Apply `event` (at time `at`, now if None); the ticket after it, or None
        if it does not exist.

        `seen`: the ticket as the caller has just read it, to save reading it
        again on the first attempt (the write still checks it is unchanged).

        Raises IllegalTransition (e.g. a second accept) and changes nothing then.
        Closing events purge the ticket, and add its `count` to the statistics
        counters, in the same transaction.

        Compare-and-set: the write names the state it was computed from, so of
        two staff accepting at once exactly one wins and the other is re-read
        and refused. (SQLite ignores row locks, so a lock alone would not do.)
        """
        for _attempt in range(5):
            before, seen = seen or self.get_ticket(ticket_id), None
            if before is None:
                return None
            after = before.apply(
                event,
                at=time.time() if at is None else at,
                actor=actor,
                eta_minutes=eta_minutes,
                group=group,
            )
            if (after.state, after.accepted_by, after.eta_minutes, after.handed_to) == (
                before.state,
                before.accepted_by,
                before.eta_minutes,
                before.handed_to,
            ):
                return before  # e.g. a second console's delivery report: nothing to write
            accepted = before.accepted_by is not None
            as_read = {
                "ticket_id": ticket_id,
                "was_state": before.state.value,
                **({"was_by": before.accepted_by} if accepted else {}),
            }
            with self.write_lock, self.engine.begin() as c:
                if after.is_open:
                    changed = c.execute(
                        _UPDATE_AS_READ[accepted],
                        {
                            **as_read,
                            "new_state": after.state.value,
                            "new_updated_at": after.updated_at,
                            "new_accepted_by": after.accepted_by,
                            "new_eta_minutes": after.eta_minutes,
                            "new_accepted_at": after.accepted_at,
                            "new_handed_to": after.handed_to,
                        },
                    ).all()
                    written = bool(changed)
                else:
                    written = bool(purge_tickets(c, _PURGE_AS_READ[accepted], as_read))
                    count_closed(c, self.dialect_insert, count, [after] if written else [])
            if written:
                if not after.is_open:
                    self.after_purge()
                return after
        raise IllegalTransition("the request changed too often to apply this; try again")

    def expire_older_than(
        self, cutoff: float, count: CountClosed | None = None, at: float | None = None
    ) -> list[Ticket]:
        """Expire (at `at`, now if None) and purge every open ticket created before
        `cutoff`, adding their `count` to the statistics counters."""
        at = time.time() if at is None else at
        with self.write_lock, self.engine.begin() as c:
            deleted = purge_tickets(c, TicketRow.created_at < cutoff)
            expired = [_to_ticket(r).apply(TicketEvent.EXPIRE, at=at) for r in deleted]
            count_closed(c, self.dialect_insert, count, expired)
        self.after_purge()  # every sweep: also finishes a checkpoint readers deferred
        return expired

    def after_purge(self) -> bool:
        """Make the deletion final in the files, not only in the database's view:
        at once, or, if the WAL was truncated less than CHECKPOINT_GAP ago, by
        `finish_purges` within that time, once for every request closed since.

        A truncation holds the writer's turn for a few milliseconds; at fifty
        requests a second one after each close took about a fifth of the
        writer's time, and new requests queued behind it.
        """
        if not self._sqlite:
            return True  # PostgreSQL: crypto-shredding covers dead tuples and WAL (docs/privacy.md)
        if time.monotonic() - self._truncated_at < CHECKPOINT_GAP:
            self.checkpoint_pending = True
            return False
        return self.truncate_wal()

    def truncate_wal(self) -> bool:
        """Truncate the WAL now, so no copy of a deleted row stays in it.

        Truncating needs every reader off old snapshots. Under load some reader
        nearly always is, and waiting in SQLite's busy handler would stall every
        writer behind it; so try a few times without it, and otherwise leave it
        to `finish_purges`, which the hub calls every CHECKPOINT_GAP.
        """
        if not self._sqlite:
            return True
        for attempt in range(5):
            with self.write_lock, self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA busy_timeout=0")
                try:
                    busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()
                finally:
                    conn.exec_driver_sql("PRAGMA busy_timeout=5000")
                if busy is not None and busy[0] == 0:
                    # Still in the writer's turn: a purge after this one marks
                    # itself pending after this, never before.
                    self.checkpoint_pending = False
                    self._truncated_at = time.monotonic()
                    return True
            time.sleep(0.002 * (attempt + 1))
        self.checkpoint_pending = True
        return False

    def finish_purges(self) -> None:
        if self.checkpoint_pending and not self.truncate_wal():
            _LOG.info("event=checkpoint.deferred")

    def count_rows(self) -> dict[str, int]:
        """Row counts per table, for tests and `kiosk admin audit`."""
        tables = {"tickets": TicketRow, "sealed_copies": SealedCopyRow, "replies": ReplyRow}
        with self._sessions() as s:
            return {
                name: int(s.scalar(select(func.count()).select_from(table)) or 0)
                for name, table in tables.items()
            }
