"""Connection slots for the async runtimes: a semaphore made on first use, with a wait-free fast path."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol


class _Semaphore(Protocol):
    """What anyio's and trio's semaphores both offer."""

    def acquire_nowait(self) -> None: ...
    async def acquire(self) -> None: ...
    def release(self) -> None: ...


class LazySlots:
    """``total`` permits in a semaphore of the running library, made inside the event loop that uses it."""

    __slots__ = ("_make", "_semaphore", "_total", "_would_block")

    def __init__(self, total: int, make: Callable[[int], _Semaphore], would_block: type[Exception]) -> None:
        self._total = total
        self._make = make
        self._would_block = would_block
        self._semaphore: _Semaphore | None = None

    def try_acquire(self) -> bool:
        semaphore = self._semaphore
        if semaphore is None:
            semaphore = self._semaphore = self._make(self._total)
        try:
            semaphore.acquire_nowait()  # no checkpoint (an event-loop turn) when a permit is free
        except self._would_block:
            return False
        return True

    async def acquire(self) -> None:
        assert self._semaphore is not None, "try_acquire comes first"
        await self._semaphore.acquire()

    def release(self) -> None:
        assert self._semaphore is not None, "a permit was taken first"
        self._semaphore.release()
