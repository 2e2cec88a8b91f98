"""The statistics counters in the database: added to in the transaction that
purges their requests, read by the admin API, and forgotten by the sweep.

Counters hold no request id and no exact time (kiosk/core/statistics.py says
what each key is); the hub only adds to them when a request closes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any, cast

from sqlalchemy import ColumnElement, Connection, Table, delete, select, true

from kiosk.core.statistics import DAILY_KINDS
from kiosk.core.ticket import Ticket
from kiosk.hub.models import StatisticCounterRow

__all__ = ["CountClosed", "CounterKey", "CounterStore", "count_closed"]

# (kind, period, key): one counter.
CounterKey = tuple[str, str, str]
# What a closed ticket adds to the counters (kiosk/hub/statistics.py builds it
# from the site; the store knows nothing of sites).
CountClosed = Callable[[Ticket], Iterable[CounterKey]]

_COUNTERS = cast(Table, StatisticCounterRow.__table__)
_DAILY = list(DAILY_KINDS)


def count_closed(
    connection: Connection, dialect_insert: Any, count: CountClosed | None, closed: list[Ticket]
) -> None:
    """Add the counts of the `closed` tickets, in the caller's transaction: one
    statement, whatever the number of tickets (sums are made here, so no key
    comes twice in it)."""
    if count is None or not closed:
        return
    sums = Counter(key for ticket in closed for key in count(ticket))
    if not sums:
        return
    statement = dialect_insert(_COUNTERS)
    statement = statement.on_conflict_do_update(
        index_elements=[_COUNTERS.c.kind, _COUNTERS.c.period, _COUNTERS.c.key],
        set_={"count": _COUNTERS.c.count + statement.excluded.count},
    )
    connection.execute(
        statement,
        [{"kind": k, "period": p, "key": key, "count": n} for (k, p, key), n in sums.items()],
    )


class CounterStore:
    def __init__(self, engine: Any, write_lock: Any) -> None:
        """`engine` and `write_lock`: the Store's, so writers still take turns."""
        self._engine = engine
        self._write_lock = write_lock

    def counters(self) -> list[dict[str, Any]]:
        """Every counter, by kind, period and key."""
        query = select(_COUNTERS).order_by(_COUNTERS.c.kind, _COUNTERS.c.period, _COUNTERS.c.key)
        with self._engine.connect() as c:
            return [
                {"kind": r.kind, "period": r.period, "key": r.key, "count": int(r.count)}
                for r in c.execute(query)
            ]

    def forget_before(self, day: str, week: str) -> None:
        """Delete daily counters of days before `day` and weekly ones of weeks
        before `week` (keys sort as their periods: "2026-12-07", "2026-W49")."""
        daily = _COUNTERS.c.kind.in_(_DAILY)
        self._delete_where(
            (daily & (_COUNTERS.c.period < day)) | (~daily & (_COUNTERS.c.period < week))
        )

    def forget_all(self) -> None:
        """Statistics switched off: nothing kept."""
        self._delete_where(true())

    def _delete_where(self, condition: ColumnElement[bool]) -> None:
        # Asked at every expiry sweep: a read first, so a sweep with nothing
        # to delete never takes the writer's turn.
        with self._engine.connect() as c:
            if c.scalar(select(_COUNTERS.c.kind).where(condition).limit(1)) is None:
                return
        with self._write_lock, self._engine.begin() as c:
            c.execute(delete(_COUNTERS).where(condition))
