"""The runtime of blocking calls: the clock, per-thread deadline scopes, and unlimited slots.

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
import weakref
from types import TracebackType

#: The clock every blocking deadline is measured on.
monotonic = time.monotonic


class DeadlineReached(BaseException):
    """A blocking wait ran out of its thread's deadline; `ThreadDeadlineScope` catches it."""

    def __init__(self, scope: ThreadDeadlineScope | None) -> None:
        super().__init__("the deadline passed")
        self.scope = scope


class _InForce(threading.local):
    """The scopes of the thread whose deadlines are in force in turn, innermost last.

    Weakly held: a scope whose exit an exception skipped (one landing as
    ``__exit__`` starts, or as ``__enter__`` ends: a KeyboardInterrupt, or
    what a signal handler raises) dies with the ``with`` statement that let
    go of it, and drops out here, instead of keeping its deadline in force
    over every later call of the thread, and failing them all once it passed.
    """

    def __init__(self) -> None:
        self.stack: list[weakref.ref[ThreadDeadlineScope]] = []


_in_force = _InForce()


def _scope_in_force() -> ThreadDeadlineScope | None:
    """The scope whose deadline the thread's waits keep: the one that ends
    soonest of those entered, None outside any."""
    stack = _in_force.stack
    while stack:
        scope = stack[-1]()
        if scope is not None:
            return scope
        stack.pop()  # its with statement is over, though its exit never ran
    return None


class ThreadDeadlineScope:
    """trio's ``move_on_at`` for the calling thread: the waits in its block give up at ``deadline``."""

    __slots__ = ("__weakref__", "_in_force", "cancelled_caught", "deadline")

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.cancelled_caught = False
        self._in_force = False

    def __enter__(self) -> ThreadDeadlineScope:
        outer = _scope_in_force()
        # Inside a scope that ends sooner, the outer deadline stays in force.
        if outer is None or self.deadline < outer.deadline:
            self._in_force = True
            _in_force.stack.append(weakref.ref(self))
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None, /
    ) -> bool:
        if self._in_force:
            stack = _in_force.stack
            # From the top: what is above this scope is stale, and goes with it.
            for index in range(len(stack) - 1, -1, -1):
                if stack[index]() is self:
                    del stack[index:]
                    break
        if type(exc) is DeadlineReached and exc.scope is self:
            self.cancelled_caught = True
            return True
        return False


def time_left() -> float | None:
    """Seconds until this thread's deadline, None when it has none.

    Raises:
        DeadlineReached: the deadline has passed.
    """
    scope = _scope_in_force()
    if scope is None or scope.deadline == math.inf:
        return None
    left = scope.deadline - monotonic()
    if left <= 0:
        raise DeadlineReached(scope)
    return left


def deadline_reached() -> DeadlineReached:
    """What a wait that ran out of this thread's deadline raises."""
    return DeadlineReached(_scope_in_force())


def has_passed() -> bool:
    """Whether this thread's deadline has passed."""
    scope = _scope_in_force()
    return scope is not None and monotonic() >= scope.deadline


class NoFreeSlot(Exception):
    """Never raised: `Unlimited` always has a free slot."""


class Unlimited:
    """A blocking call never waits for a connection: it opens one when none is idle
    (``max_connections`` bounds only how many stay idle)."""

    __slots__ = ()

    def acquire_nowait(self) -> None:
        """There is always one."""

    def acquire(self) -> None:
        """Never needed: `acquire_nowait` always succeeds."""

    def release(self) -> None:
        """Nothing was counted."""


_UNLIMITED = Unlimited()


class Wakeup:
    """A wait another thread can end: a `threading.Event`."""

    __slots__ = ("_event",)

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    def wait(self, seconds: float) -> None:
        self._event.wait(seconds)


class ThreadRuntime:
    """The runtime of `transports.sync`: calls run in the caller's thread, and threads may share a client."""

    __slots__ = ()

    # The clock and the scope themselves, not methods wrapping them: every
    # call of the client uses both.
    current_time = staticmethod(monotonic)
    move_on_at = ThreadDeadlineScope
    would_block = NoFreeSlot

    def checkpoint_if_cancelled(self) -> None:
        """Nothing to do: a thread is interrupted only by a signal, which raises by itself."""

    def slots(self, total: int) -> Unlimited:
        return _UNLIMITED

    def wakeup(self) -> Wakeup:
        return Wakeup()
