"""The poll loop: `AsyncMessages`, what ``client.messages()`` returns.

The async and blocking clients share this code: the blocking one is
generated from the async one by scripts/unasync.py.
"""

from __future__ import annotations

import collections
import math
import random
import weakref
from typing import TYPE_CHECKING, Self

import chatproto as cp

from .._backends._async_interface import AsyncWakeup
from .._errors import TransportError
from .._options import _NOT_LOGGED_ON

if TYPE_CHECKING:
    from .client import AsyncClient


class AsyncMessages:
    """Every message the session's polls deliver, in order, but no `ChatGetTimeout`.

    An iterator (``for``) in the sync client, an async iterator (``async
    for``) in the others.  It polls only when it has nothing left to give,
    one getMessages at a time, on the client's poll connection (posts go on
    other connections and never wait behind it), each poll within the
    client's ``poll_timeout``.  The core follows what the messages say (a
    pool move switches ``session.pool``) before they are given out.

    It ends (the ``for`` loop ends) when:

    - the session is logged off (`log_off`, here or in another task or
      thread: a poll held then is answered and the loop ends);
    - the loop or the client is closed, from another task or thread too:
      a poll held then is interrupted at once, its connection closed.

    It raises:

    - `SessionExpiredError` when a poll is answered 403 (the session was
      taken over or timed out: log on again);
    - the last failure, once ``max_failures`` polls in a row failed with a
      `TransportError` (reset, closed unanswered, timed out, refused) or a
      5xx; after each such failure it waits a jittered backoff first
      (``backoff`` seconds doubled per failure in a row, at most
      ``max_backoff``, each wait a random half to whole of that), so that
      a fleet of bots does not hammer a recovering server in step;
    - any other `ApiError` at once (a 4xx says the request is wrong, and
      it would be as wrong again).

    Breaking out of the loop leaves no poll in flight (the session's poll
    slot is free at once) and the poll connection idle in the client, for
    the next loop, until the client closes.  Leaving a ``with
    client.messages() as messages:`` block (``async with``) closes the loop
    and that connection as well.  Cancelling the loop (async) while a poll
    is held closes that poll's connection and frees the slot.

    Args:
        client: the client to poll with.
        max_failures: failed polls in a row before the loop raises (1: the first).
        backoff: seconds before the poll after a first failure.
        max_backoff: the most seconds between two polls.

    Raises:
        LocalProtocolError: a bad argument.
    """

    def __init__(self, client: AsyncClient, *, max_failures: int, backoff: float, max_backoff: float) -> None:
        if isinstance(max_failures, bool) or not isinstance(max_failures, int) or max_failures < 1:
            raise cp.LocalProtocolError(f"max_failures must be an int of 1 or more, got {max_failures!r}")
        for name, value in (("backoff", backoff), ("max_backoff", max_backoff)):
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < math.inf:
                raise cp.LocalProtocolError(f"{name} must be a number of seconds, 0 or more, got {value!r}")
        if max_backoff < backoff:
            raise cp.LocalProtocolError(f"max_backoff ({max_backoff!r}) must be at least backoff ({backoff!r})")
        self._client = client
        self._max_failures = max_failures
        self._backoff = float(backoff)
        self._max_backoff = float(max_backoff)
        self._batch: collections.deque[cp.Message] = collections.deque()
        #: Polls that failed in a row.
        self._failures = 0
        self._closed = False
        self._polling = False
        # Made in the event loop that waits on it, on the first backoff.
        self._wakeup: AsyncWakeup | None = None
        loops = client._loops
        if loops is None:
            loops = client._loops = weakref.WeakSet()
        loops.add(self)

    def __repr__(self) -> str:
        state = "closed" if self._closed else "polling" if self._polling else "open"
        return f"<{type(self).__name__} {state}, {len(self._batch)} buffered, {self._failures} failures in a row>"

    def __aiter__(self) -> Self:
        return self

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def __anext__(self) -> cp.Message:
        batch = self._batch
        client = self._client
        while not batch:
            if self._closed or client._closed:
                raise StopAsyncIteration
            session = client._session
            if session is None:
                raise cp.LocalProtocolError(_NOT_LOGGED_ON)
            if session.ended:
                raise StopAsyncIteration
            if session.expired:
                raise cp.SessionExpiredError(
                    403, None, "the agent session has expired (a 403 answered an earlier call): log on again"
                )
            response = await self._poll(session)
            if response is not None:
                batch.extend(message for message in response.messages if type(message) is not cp.ChatGetTimeout)
        return batch.popleft()

    async def _poll(self, session: cp.AgentSession) -> cp.GetMessagesResponse | None:
        """One poll's answer, or None after a failure to poll again after (the backoff waited)."""
        client = self._client
        self._polling = True
        try:
            response = await client.send(cp.GetMessagesRequest())
        except (TransportError, cp.ApiError, cp.LocalProtocolError) as exc:
            if self._closed or client._closed or session.ended:
                raise StopAsyncIteration from None  # closed or logged off under the poll
            if isinstance(exc, cp.LocalProtocolError | cp.SessionExpiredError):
                raise
            if isinstance(exc, cp.ApiError) and exc.status < 500:
                raise
            self._failures += 1
            if self._failures >= self._max_failures:
                raise
            await self._wait(self._delay())
            return None
        finally:
            self._polling = False
        self._failures = 0
        return response

    def _delay(self) -> float:
        """The backoff after the failures so far: doubled per failure, capped, then a random half to whole."""
        doubled: float = self._backoff * 2.0 ** min(self._failures - 1, 64)
        return min(self._max_backoff, doubled) * (0.5 + random.random() / 2)

    async def _wait(self, seconds: float) -> None:
        wakeup = self._wakeup
        if wakeup is None:
            wakeup = self._wakeup = self._client._runtime.wakeup()
        # Closed before the wakeup existed: `_stop` found none to set.
        if not (self._closed or self._client._closed):
            await wakeup.wait(seconds)

    def _stop(self) -> None:
        """End the loop: what it waits on next returns at once (safe from another thread)."""
        self._closed = True
        wakeup = self._wakeup
        if wakeup is not None:
            wakeup.set()

    async def aclose(self) -> None:
        """End the loop at once, from its own task or another (another thread for the sync client).

        A poll held then is interrupted (its connection closed, the
        session's poll slot freed); the poll connection is closed too.
        """
        self._stop()
        pool = self._client._poll_pool
        if pool is not None:
            await pool.interrupt()
