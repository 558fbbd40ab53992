"""The client logic: a call's deadline, its exchange on a pooled connection, and what it returns or raises.

A call runs in one deadline scope computed once from ``timeout``, so
waiting for a free connection, connecting, writing and reading share it.
When the deadline passes, what was waiting gives up, and the call raises
`ConnectTimeout` if nothing of its request was written yet, or
`OutcomeUnknownTimeout` if something was.

An interrupted call (cancelled, a KeyboardInterrupt, any exception) gives
its connection back to the pool in the state the core says it is in, so
the pool closes it before the exception goes on: nothing half-used is
reused, and no socket is left open.

The async and blocking clients share this code: the blocking one is
generated from the async one by scripts/unasync.py.
"""

from __future__ import annotations

import math
from typing import ClassVar, Self, TypeVar

import chatproto as cp

from .._backends._async_interface import AsyncBackend, AsyncRuntime
from .._clock import now_ms
from .._errors import ClientClosedError
from .._options import ClientBase
from .._outcomes import deadline_passed, outcome_unknown, result_of
from .pool import AsyncConnection, AsyncPool

#: The response type of the operation a request belongs to.
R = TypeVar("R", bound=cp.AgentResponse)


class AsyncClient(ClientBase):
    """An `AgentClient` less the I/O library it runs on, which the public faces name."""

    #: The library's clock, deadline scopes, cancellation, slots and lock.
    _runtime: ClassVar[AsyncRuntime]
    #: How connections are opened.
    _backend: ClassVar[AsyncBackend]

    def _open_pool(self) -> None:
        self._pool = AsyncPool(
            self._runtime,
            self._backend,
            self._endpoint,
            ssl_context=self._ssl_context,
            session=self._session,
            limits=self._limits,
            max_connections=self._max_connections,
        )

    def __repr__(self) -> str:
        state = "closed" if self._pool.closed else "open"
        return f"<{type(self).__module__}.{type(self).__name__} {self._endpoint} {state}>"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the idle connections; calls still running close theirs when they end."""
        await self._pool.aclose()

    async def send(self, request: cp.Request[R]) -> R:
        """Send any operation's request and return its typed response (a ``Request[R]`` returns an ``R``).

        Raises:
            ApiError: the server answered with an error.
            ConnectError: nothing was sent (it is safe to send again).
            OutcomeUnknownError: the request was written, then the call
                failed; the server may have acted on it.
            LocalProtocolError: the request is invalid, or the session expired.
            ClientClosedError: the client was closed.
        """
        pool = self._pool
        if pool.closed:
            raise ClientClosedError("the client is closed")
        runtime = self._runtime
        # A call made in a cancelled scope must not write anything: honour the
        # cancellation now, since the I/O below waits only when it must.
        await runtime.checkpoint_if_cancelled()
        conn: AsyncConnection | None = None
        deadline = math.inf if self._timeout is None else runtime.current_time() + self._timeout
        with runtime.move_on_at(deadline):
            conn = await pool.checkout()
            try:
                proto = conn.proto
                # The session's sequence numbers are handed out one call at a time.
                with pool.lock:
                    data = proto.send(request, now_ms=now_ms(self._clock))
                answer = await self._exchange(conn, data)
            finally:
                # An invalid request sent nothing, and leaves the connection as it was.
                await pool.checkin(conn)
            # The core decoded it with the response type of the request's operation.
            response: R = result_of(answer)
            return response
        # Reached only when the deadline ended the call: say whether a request was out by then.
        raise deadline_passed(self._endpoint, None if conn is None else conn.proto.pending_request)

    async def _exchange(self, conn: AsyncConnection, data: bytes) -> cp.ResponseReceived | cp.ErrorReceived:
        """Write the request and read until the core has its answer."""
        stream, proto = conn.stream, conn.proto
        written = False
        try:
            await stream.write(data)
            written = True
            event = proto.next_event()
            while event is cp.NEED_DATA:
                proto.receive_data(await stream.read())
                event = proto.next_event()
            # While a request is out, the core reports a close as PeerClosedEarly.
            assert not isinstance(event, cp.ConnectionClosed)
            return event
        except BaseException as exc:
            if not written:
                proto.send_failed()  # part of the request may be out: never reuse the connection
            if isinstance(exc, OSError | cp.RemoteProtocolError):
                raise outcome_unknown(proto.pending_request, exc) from exc
            raise  # a cancellation, the deadline, a KeyboardInterrupt: left as they are
