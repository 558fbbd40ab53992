"""The runtime of blocking calls: the clock, per-thread deadline scopes, a real lock, and no slots.

anyio and trio keep a task's deadline in its cancel scopes, and every wait
gives up when it passes.  Blocking code has no such thing, so this module
keeps the innermost deadline of each thread, and the blocking streams ask
`time_left` before every wait.  When a wait runs out, it raises
`DeadlineReached`, which only the scope that set that deadline catches:
the code in between sees it pass like a cancellation (it is a
`BaseException`), closes what it must, and lets it through.
"""

from __future__ import annotations

import math
import threading
import time
from types import TracebackType

#: The clock every blocking deadline is measured on.
monotonic = time.monotonic


class DeadlineReached(BaseException):
    """A blocking wait ran out of its thread's deadline; `ThreadDeadlineScope` catches it."""

    def __init__(self, scope: ThreadDeadlineScope | None) -> None:
        super().__init__("the deadline passed")
        self.scope = scope


class _Innermost(threading.local):
    deadline: float = math.inf
    scope: ThreadDeadlineScope | None = None


_innermost = _Innermost()


class ThreadDeadlineScope:
    """trio's ``move_on_at`` for the calling thread: the waits in its block give up at ``deadline``."""

    __slots__ = ("_deadline", "_outer_deadline", "_outer_scope", "cancelled_caught")

    def __init__(self, deadline: float) -> None:
        self._deadline = deadline
        self._outer_deadline = math.inf
        self._outer_scope: ThreadDeadlineScope | None = None
        self.cancelled_caught = False

    def __enter__(self) -> ThreadDeadlineScope:
        innermost = _innermost
        self._outer_deadline, self._outer_scope = innermost.deadline, innermost.scope
        # A scope inside one that ends sooner ends with it.
        if self._deadline < innermost.deadline:
            innermost.deadline, innermost.scope = self._deadline, self
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None, /
    ) -> bool:
        _innermost.deadline, _innermost.scope = self._outer_deadline, self._outer_scope
        if isinstance(exc, DeadlineReached) and exc.scope is self:
            self.cancelled_caught = True
            return True
        return False


def time_left() -> float | None:
    """Seconds until this thread's innermost deadline, None when it has none.

    Raises:
        DeadlineReached: the deadline has passed.
    """
    deadline = _innermost.deadline
    if deadline == math.inf:
        return None
    left = deadline - monotonic()
    if left <= 0:
        raise DeadlineReached(_innermost.scope)
    return left


def deadline_reached() -> DeadlineReached:
    """What a wait that ran out of this thread's innermost deadline raises."""
    return DeadlineReached(_innermost.scope)


def has_passed() -> bool:
    """Whether this thread's innermost deadline has passed."""
    return monotonic() >= _innermost.deadline


class _Unlimited:
    """A blocking call never waits for a connection: it opens one when none is idle
    (``max_connections`` bounds only how many stay idle)."""

    __slots__ = ()

    def try_acquire(self) -> bool:
        return True

    def acquire(self) -> None:
        """Never reached: `try_acquire` always succeeds."""

    def release(self) -> None:
        """Nothing was taken."""


_UNLIMITED = _Unlimited()


class ThreadRuntime:
    """The runtime of `transports.sync`: calls run in the caller's thread, and threads may share a client."""

    __slots__ = ()

    def current_time(self) -> float:
        return monotonic()

    def move_on_at(self, deadline: float) -> ThreadDeadlineScope:
        return ThreadDeadlineScope(deadline)

    def checkpoint_if_cancelled(self) -> None:
        """Nothing to do: a thread is interrupted only by a signal, which raises by itself."""

    def slots(self, total: int) -> _Unlimited:
        return _UNLIMITED

    def lock(self) -> threading.Lock:
        return threading.Lock()
