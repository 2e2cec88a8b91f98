"""The hub's epoch keys: answered from memory for KEPT_SECONDS, never stale
after a put on this hub, and a read that raced a put is not kept."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Engine, event

from kiosk.hub.epoch_keys import KEPT_SECONDS, EpochKeyStore, StoredEpochKey
from kiosk.hub.store import Store


class Ticking:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _key(device: str, epoch: str, not_after: float) -> StoredEpochKey:
    return StoredEpochKey(
        device, epoch, int(not_after) - 3600, int(not_after), b"p" * 32, b"s" * 64
    )


def _reads(engine: Engine) -> list[str]:
    """The reads of every unexpired key this engine runs from now on (a put's
    own SELECTs are of one key or one device's)."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if "epoch_keys.not_after >=" in statement:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    return seen


def test_keys_are_read_once_and_a_put_here_is_served_at_once(engine: Engine) -> None:
    clock, now = Ticking(), time.time()
    keys = EpochKeyStore(Store(engine), clock)
    keys.put(_key("staff-1", "e1", now + 600), now)
    reads = _reads(engine)
    assert [k.epoch_id for k in keys.current(now)] == ["e1"]
    assert [k.epoch_id for k in keys.current(now)] == ["e1"]
    assert [k.epoch_id for k in keys.kept(now) or []] == ["e1"]
    assert len(reads) == 1
    keys.put(_key("staff-2", "e2", now + 600), now)
    assert keys.kept(now) is None  # the put dropped what was kept
    assert sorted(k.epoch_id for k in keys.current(now)) == ["e1", "e2"]
    assert len(reads) == 2


def test_a_kept_key_is_not_served_past_its_window(engine: Engine) -> None:
    clock, now = Ticking(), time.time()
    keys = EpochKeyStore(Store(engine), clock)
    keys.put(_key("staff-1", "short", now + 1), now)
    keys.put(_key("staff-2", "long", now + 600), now)
    assert len(keys.current(now)) == 2
    assert [k.epoch_id for k in keys.kept(now + 5) or []] == ["long"]


def test_another_hubs_key_is_served_within_the_kept_time(engine: Engine) -> None:
    clock, now = Ticking(), time.time()
    here, there = EpochKeyStore(Store(engine), clock), EpochKeyStore(Store(engine), clock)
    assert here.current(now) == []
    there.put(_key("staff-1", "e1", now + 600), now)
    clock.now += KEPT_SECONDS / 2
    assert here.current(now) == []  # kept: at most KEPT_SECONDS late
    clock.now += KEPT_SECONDS
    assert here.kept(now) is None
    assert [k.epoch_id for k in here.current(now)] == ["e1"]


def test_a_read_that_raced_a_put_is_not_kept(engine: Engine) -> None:
    clock, now = Ticking(), time.time()
    keys = EpochKeyStore(Store(engine), clock)
    raced: list[bool] = []

    def put_meanwhile(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        # The read has begun when its SELECT is sent: a console's put lands then.
        if not raced and statement.lstrip().upper().startswith("SELECT"):
            raced.append(True)
            keys.put(_key("staff-1", "e1", now + 600), now)

    event.listen(engine, "before_cursor_execute", put_meanwhile)
    keys.current(now)
    event.remove(engine, "before_cursor_execute", put_meanwhile)
    assert raced
    assert keys.kept(now) is None
    assert [k.epoch_id for k in keys.current(now)] == ["e1"]
