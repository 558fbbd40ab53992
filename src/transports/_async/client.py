"""The client logic: a call's deadline, its exchange on a pooled connection, and what it returns or raises.

A call runs in one deadline scope computed once from ``timeout``, so
waiting for a free connection, connecting, writing and reading share it.
When the deadline passes, what was waiting gives up, and the call raises
`ConnectTimeout` if nothing of its request was written yet, or
`OutcomeUnknownTimeout` if something was.

An interrupted call (cancelled, a KeyboardInterrupt, any exception) gives
its connection back to the pool in the state the core says it is in, so
the pool closes it before the exception goes on: nothing half-used is
reused, and no socket is left open.  That holds for an exception raised
while the core frames the request too: the core then says the connection
failed.

A server closes the keep-alive connections it has kept idle for a while,
and one may do so just as the client reuses one: the request goes out, and
the connection closes (or resets) before a byte of the answer.  The pool
makes that rare (it drops connections idle for ``keepalive_expiry``, and
those the server has visibly closed), and when it happens the call:

- sends the request once more, on a new connection, when it was not
  written whole (the server cannot have acted on a request it never got
  whole), or when its operation is safe to repeat (`resend_after_close`:
  the GET operation); RFC 9112 section 9.3.1 allows no more;
- raises `OutcomeUnknownError` saying so otherwise, every POST operation
  (postMessage included) once written: the server may have read it and
  closed before answering, and nothing documents that it drops a repeated
  ``sequenceNumber``, so a second copy could post the message twice.

A request the caller numbered itself is never sent again (its number is
used); the retry shares the call's deadline.

Three pools share that one call: the client's keep-alive pool for every
operation; the poll's own pool of one connection, whose deadline is
``poll_timeout``, so that posts never wait behind a held getMessages; and,
for `log_on`, a pool on the B2C site for serviceSettings and agentTokens,
closed once the session is open.

The async and blocking clients share this code: the blocking one is
generated from the async one by scripts/unasync.py.
"""

from __future__ import annotations

import math
import threading
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeVar

import chatproto as cp

from .._backends._async_interface import AsyncBackend, AsyncRuntime
from .._clock import now_ms
from .._errors import ClientClosedError
from .._options import _NOT_LOGGED_ON, ClientBase
from .._outcomes import (
    AnyAnswer,
    AnyRequest,
    closed_unanswered,
    deadline_passed,
    outcome_unknown,
    resend_after_close,
    result_of,
)
from .._url import Endpoint
from .pool import AsyncConnection, AsyncPollPool, AsyncPool, ProtoT

if TYPE_CHECKING:
    from .messages import AsyncMessages

#: The response type of the operation a request belongs to.
R = TypeVar("R", bound=cp.AgentResponse)
#: The response type of a site call.
S = TypeVar("S", bound=cp.SiteResponse)


class AsyncClient(ClientBase):
    """An `AgentClient` less the I/O library it runs on, which the public faces name."""

    #: The library's clock, deadline scopes, cancellation, slots and lock.
    _runtime: ClassVar[AsyncRuntime]
    #: How connections are opened.
    _backend: ClassVar[AsyncBackend]
    #: Every operation's connections; None until there is a session (`log_on`).
    _pool: AsyncPool[cp.ClientConnection] | None = None
    #: The poll's own connection (`get_messages`, `messages`).
    _poll_pool: AsyncPollPool | None = None
    #: Set by `aclose`: what the client has is closed, and what it will have too.
    _closed = False
    #: The poll loops (`messages`) made on this client, which closing it ends.
    _loops: weakref.WeakSet[AsyncMessages] | None = None

    def _open_pool(self) -> None:
        endpoint, new_proto = self._endpoint, self._new_agent_proto
        pool: AsyncPool[cp.ClientConnection] = self._new_pool(endpoint, new_proto, self._max_connections)
        self._pool = pool
        # The poll's pool shares the lock: both number the one session's requests.
        self._poll_pool = self._new_pool(endpoint, new_proto, 1, kind=AsyncPollPool, lock=pool.lock)

    def _new_pool(
        self,
        endpoint: Endpoint,
        new_proto: Callable[[], ProtoT],
        max_connections: int,
        *,
        kind: type[Any] = AsyncPool,
        lock: threading.Lock | None = None,
    ) -> Any:
        return kind(
            self._runtime,
            self._backend,
            endpoint,
            ssl_context=self._ssl_context,
            new_proto=new_proto,
            max_connections=max_connections,
            keepalive_expiry=self._keepalive_expiry,
            lock=lock,
        )

    def _new_agent_proto(self) -> cp.ClientConnection:
        session = self._session
        assert session is not None, "a pool exists only for a session"
        return cp.ClientConnection(session, limits=self._limits)

    def __repr__(self) -> str:
        pool = self._pool
        state = "closed" if self._closed or (pool is not None and pool.closed) else "open"
        if pool is None and not self._closed:
            state = "not logged on"
        return f"<{type(self).__module__}.{type(self).__name__} {self._endpoint} {state}>"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the idle connections, and end a poll in flight (`messages` then ends).

        Other calls still running close their connections when they end.  It
        may be called from another task (or, for the sync client, another
        thread) while `messages` waits on a held poll: that poll's
        connection is closed under it, and the loop ends at once.
        """
        self._closed = True
        for loop in list(self._loops or ()):
            loop._stop()
        for pool in (self._poll_pool, self._pool):
            if pool is not None:
                await pool.aclose()

    async def send(self, request: cp.Request[R]) -> R:
        """Send any operation's request and return its typed response (a ``Request[R]`` returns an ``R``).

        A getMessages goes on the poll's own connection with the deadline
        ``poll_timeout``; every other request on the client's pool, with the
        deadline ``timeout``.

        Raises:
            ApiError: the server answered with an error (`SessionExpiredError`
                for a 403, `ConflictError` for ``CONFLICT``).
            ConnectError: nothing was sent (it is safe to send again).
            OutcomeUnknownError: the request was written, then the call
                failed; the server may have acted on it.
            LocalProtocolError: the request is invalid, the session expired
                or was logged off, or there is no session yet (`log_on`).
            ClientClosedError: the client was closed.
        """
        if type(request) is cp.GetMessagesRequest:
            pool: AsyncPool[cp.ClientConnection] | None = self._poll_pool
            timeout: float | None = self._poll_timeout
        else:
            pool = self._pool
            timeout = self._timeout
        if pool is None:
            raise cp.LocalProtocolError(_NOT_LOGGED_ON)
        response: R = await self._call(pool, request, timeout, self._frame, may_resend=request.sequence_number is None)
        return response

    def _frame(self, proto: cp.ClientConnection, request: cp.Request) -> bytes:
        return proto.send(request, now_ms=now_ms(self._clock))

    async def _site_call(self, pool: AsyncPool[cp.SiteConnection], request: cp.SiteRequest[S]) -> S:
        """A site call's typed answer, sent as `send` sends (`ApiError` for a 401 login)."""
        response: S = await self._call(pool, request, self._timeout, _frame_site_call, may_resend=True)
        return response

    async def _call(
        self,
        pool: AsyncPool[Any],
        request: AnyRequest,
        timeout: float | None,
        frame: Callable[[Any, Any], bytes],
        *,
        may_resend: bool,
    ) -> Any:
        """``request``'s typed answer over a connection of ``pool``, within ``timeout``.

        ``frame`` gives the bytes of the request from the connection's core
        state; ``may_resend`` whether the request may go out once more when a
        reused connection was closed unanswered (one the caller numbered has
        used its number).
        """
        if pool.closed:
            raise ClientClosedError("the client is closed")
        runtime = self._runtime
        # A call made in a cancelled scope must not write anything: honour the
        # cancellation now, since the I/O below waits only when it must.
        await runtime.checkpoint_if_cancelled()
        conn: AsyncConnection[Any] | None = None
        deadline = math.inf if timeout is None else runtime.current_time() + timeout
        with runtime.move_on_at(deadline):
            fresh = False
            while True:
                conn = await pool.checkout(fresh=fresh)
                try:
                    proto = conn.proto
                    # The session's sequence numbers are handed out one call at a time.
                    with pool.lock:
                        data = frame(proto, request)
                    answer = await self._exchange(conn, data, may_resend=may_resend)
                finally:
                    # An invalid request sent nothing and leaves the connection
                    # reusable; an interrupted send leaves it failed (the core
                    # says so), and it is closed.
                    try:
                        await pool.checkin(conn)
                    except BaseException:
                        # An exception that landed as checkin began, before it
                        # could close the connection (dropping twice does nothing).
                        await pool.drop(conn)
                        raise
                if answer is not None:
                    # The core decoded it with the response type of the request's operation.
                    return result_of(answer)
                # The server closed the reused connection without a byte of
                # answer, and the request cannot have been acted on (or is
                # safe to repeat): once more, on a new connection, and no more.
                # Until it is written, the call is as one that sent nothing.
                conn = None
                may_resend = False
                fresh = True
        # Reached only when the deadline ended the call: say whether a request was out by then.
        raise deadline_passed(pool.endpoint, None if conn is None else conn.proto.pending_request)

    async def _exchange(self, conn: AsyncConnection[Any], data: bytes, *, may_resend: bool) -> AnyAnswer | None:
        """Write the request and read until the core has its answer.

        None when the connection was reused and the server closed or reset it
        before a byte of the answer (the stale keep-alive race), ``may_resend``
        holds, and either the request was not written whole (the server cannot
        have acted on a request it never got whole) or it is safe to repeat
        (`resend_after_close`).  Any other failure raises.
        """
        stream, proto = conn.stream, conn.proto
        written = answered = False
        try:
            await stream.write(data)
            written = True
            # Nothing is buffered before the first read (the core had nothing to parse), so read first.
            received = await stream.read()
            answered = bool(received)
            proto.receive_data(received)
            event = proto.next_event()
            while event is cp.NEED_DATA:
                proto.receive_data(await stream.read())
                event = proto.next_event()
            # While a request is out, the core reports a close as PeerClosedEarly.
            assert not isinstance(event, cp.ConnectionClosed)
            answer: AnyAnswer = event
            return answer
        except BaseException as exc:
            if not written:
                proto.send_failed()  # part of the request may be out: never reuse the connection
            if isinstance(exc, OSError | cp.RemoteProtocolError):
                request = proto.pending_request
                stale = conn.reused and not answered and closed_unanswered(exc)
                if stale and may_resend and (not written or resend_after_close(request)):
                    return None
                raise outcome_unknown(request, exc, stale=stale) from exc
            raise  # a cancellation, the deadline, a KeyboardInterrupt: left as they are


def _frame_site_call(proto: cp.SiteConnection, request: cp.SiteRequest) -> bytes:
    return proto.send(request)
