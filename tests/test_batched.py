"""Calls that arrive while a batch is in a worker thread go together in the next."""

from __future__ import annotations

import asyncio
import threading

import pytest

from kiosk.hub.batched import Batched


def test_calls_arriving_during_a_batch_share_the_next_and_get_their_own_answers() -> None:
    batches: list[list[int]] = []
    first_started = threading.Event()
    release_first = threading.Event()

    def work(items: list[int]) -> list[int]:
        batches.append(list(items))
        if len(batches) == 1:
            first_started.set()
            release_first.wait(5)
        return [n * 10 for n in items]

    async def scenario() -> list[int]:
        batched: Batched[int, int] = Batched(work)
        first = asyncio.ensure_future(batched(1))
        assert await asyncio.to_thread(first_started.wait, 5)
        later = [asyncio.ensure_future(batched(n)) for n in (2, 3, 4)]
        # Released after the three calls' first steps, which queue them (the loop
        # runs ready callbacks in the order they were scheduled).
        asyncio.get_running_loop().call_soon(release_first.set)
        return list(await asyncio.gather(first, *later))

    assert asyncio.run(scenario()) == [10, 20, 30, 40]
    assert batches == [[1], [2, 3, 4]]


def test_a_failed_batch_fails_each_of_its_calls_and_the_next_batch_runs() -> None:
    def work(items: list[int]) -> list[int]:
        if 0 in items:
            raise ConnectionError("database restarting")
        return items

    async def scenario() -> None:
        batched: Batched[int, int] = Batched(work)
        with pytest.raises(ConnectionError):
            await batched(0)
        assert await batched(5) == 5

    asyncio.run(scenario())


def test_a_batch_is_at_most_its_limit() -> None:
    batches: list[list[int]] = []

    def work(items: list[int]) -> list[int]:
        batches.append(list(items))
        return items

    async def scenario() -> list[int]:
        batched: Batched[int, int] = Batched(work, limit=2)
        return list(await asyncio.gather(*(batched(n) for n in range(5))))

    assert asyncio.run(scenario()) == [0, 1, 2, 3, 4]
    assert batches == [[0, 1], [2, 3], [4]]


def test_a_caller_that_goes_away_does_not_stop_the_others_of_its_batch() -> None:
    started = threading.Event()
    release = threading.Event()

    def work(items: list[int]) -> list[int]:
        started.set()
        release.wait(5)
        return items

    async def scenario() -> tuple[bool, int]:
        batched: Batched[int, int] = Batched(work)
        gone = asyncio.ensure_future(batched(1))
        stays = asyncio.ensure_future(batched(2))
        assert await asyncio.to_thread(started.wait, 5)
        gone.cancel()  # its client hung up while the batch was in the thread
        release.set()
        answer = await stays
        await asyncio.gather(gone, return_exceptions=True)
        return gone.cancelled(), answer

    assert asyncio.run(scenario()) == (True, 2)
