"""Calls that arrive while one trip to a worker thread is under way go together
in the next: under load, one database round trip and commit serve many requests,
and an idle hub adds no wait at all (the first call goes at once)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Generic, TypeVar

from starlette.concurrency import run_in_threadpool

__all__ = ["Batched"]

T = TypeVar("T")
R = TypeVar("R")


class Batched(Generic[T, R]):
    """`await batched(item)` -> `work`'s answer for that item.

    `work(items)` runs in a worker thread and answers each item in order; if it
    raises, every call of that batch raises the same. One batch at a time.
    """

    def __init__(self, work: Callable[[list[T]], list[R]], *, limit: int = 500) -> None:
        self._work = work
        self._limit = limit
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._drainer: asyncio.Task[None] | None = None  # held: the loop keeps weak refs

    async def __call__(self, item: T) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._drainer is None:
            self._drainer = asyncio.get_running_loop().create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self._waiting:
                batch = self._waiting[: self._limit]
                del self._waiting[: self._limit]
                try:
                    answers = await run_in_threadpool(self._work, [item for item, _ in batch])
                except Exception as exc:  # each caller handles it as its own call would
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                except BaseException:  # cancelled (the hub is stopping): so are they
                    for _, future in [*batch, *self._waiting]:
                        future.cancel()
                    self._waiting.clear()
                    raise
                for (_, future), answer in zip(batch, answers, strict=True):
                    if not future.done():  # its caller may have gone (client hung up)
                        future.set_result(answer)
        finally:
            self._drainer = None
