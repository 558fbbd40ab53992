"""What the two async `AgentClient`s share: the pool, the deadline, the exchange.

Concurrent calls each take their own connection from a pool of at most
``max_connections``; a call waits for a free one within its timeout.  The
whole call runs in one cancel scope whose deadline is computed once, so
connecting, writing and reading share the call's ``timeout``.

A cancelled call (a cancel scope, a timeout, a task group failing) closes
the connection it was using in a shielded scope: nothing half-used goes back
to the pool, and no socket is left open.

anyio and trio name the primitives this needs alike (``CancelScope``,
``Semaphore``, ``current_time``, ``WouldBlock``, ``aclose_forcefully``,
``lowlevel.checkpoint_if_cancelled``), so it is written once against the
backend's module; each client says how it connects, writes and reads.
"""

from __future__ import annotations

import math
from abc import abstractmethod
from collections.abc import Mapping
from types import ModuleType
from typing import Any, ClassVar, Protocol, Self, overload

import chatproto as cp

from ._client_common import ClientBase, connect_error, expect_answer, outcome_unknown, result_of
from ._errors import ClientClosedError


class _CancelScope(Protocol):
    """What both backends' cancel scopes are: a context manager that swallows
    the cancellation of its own deadline (so the code after it runs)."""

    def __enter__(self) -> object: ...
    def __exit__(self, *exc_info: object) -> bool: ...


class AsyncConnection:
    """A connection of an async client: its stream, the socket under it, and the core's state."""

    __slots__ = ("proto", "socket", "stream")

    def __init__(self, stream: Any, sock: Any, proto: cp.ClientConnection) -> None:
        self.stream = stream
        self.socket = sock  # the socket under the stream, to see whether an idle server hung up
        self.proto = proto


class _Attempt:
    """How far a call got, for the timeout error: the request once it is being written."""

    __slots__ = ("request",)

    def __init__(self) -> None:
        self.request: cp.Request | None = None


class AsyncClientBase(ClientBase):
    """The async `AgentClient`s, less how each backend connects, reads and writes.

    Use it as an async context manager, or call `aclose`.
    """

    #: The backend's module, whose primitives are named alike in both.
    _backend: ClassVar[ModuleType]
    #: What a broken connection raises, besides the core's RemoteProtocolError.
    _network_errors: ClassVar[tuple[type[BaseException], ...]]

    def _open_pool(self) -> None:
        self._idle: list[AsyncConnection] = []
        # Made on first use, inside the event loop it will belong to.
        self._slots: Any = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the idle connections; calls still running close theirs when they end."""
        self._closed = True
        idle, self._idle = self._idle, []
        for conn in idle:
            await self._discard(conn)

    async def post_message(
        self,
        body: str,
        *,
        destination_id: int,
        destination_type: cp.DestinationType = cp.DestinationType.ENGAGEMENT,
        message_id: str | None = None,
        rich_text: bool | None = None,
        visibility: cp.Visibility | None = None,
        message_data_map: Mapping[str, str] | None = None,
        time_created: int | None = None,
        sequence_number: int | None = None,
    ) -> cp.PostMessageResponse:
        """Post a message; see `send` for what is raised.

        Everything after ``body`` is keyword-only, and a task group's
        ``start_soon`` passes only positional arguments: start concurrent posts
        with ``functools.partial``, as in
        ``tg.start_soon(functools.partial(client.post_message, text, destination_id=eid))``.
        """
        request = self._post_message_request(
            body,
            destination_id=destination_id,
            destination_type=destination_type,
            message_id=message_id,
            rich_text=rich_text,
            visibility=visibility,
            message_data_map=message_data_map,
            time_created=time_created,
            sequence_number=sequence_number,
        )
        return await self.send(request)

    @overload
    async def send(self, request: cp.PostMessageRequest) -> cp.PostMessageResponse: ...
    @overload
    async def send(self, request: cp.Request) -> cp.Response: ...
    async def send(self, request: cp.Request) -> Any:
        """Send any operation's request and return its typed response.

        Raises:
            ApiError: the server answered with an error.
            ConnectError: nothing was sent (it is safe to send again).
            OutcomeUnknownError: the request was written, then the call
                failed; the server may have acted on it.
            LocalProtocolError: the request is invalid, or the session expired.
            ClientClosedError: the client was closed.
        """
        if self._closed:
            raise ClientClosedError("the client is closed")
        # A call made in a cancelled scope must not write anything: honour the
        # cancellation now, since the socket calls below wait only when they must.
        await self._backend.lowlevel.checkpoint_if_cancelled()
        attempt = _Attempt()
        deadline = math.inf if self._timeout is None else self._backend.current_time() + self._timeout
        with self._cancel_scope(deadline):
            return await self._send(request, attempt)
        # Reached only when the deadline cancelled the call.
        if attempt.request is None:
            raise connect_error(self._endpoint, None, timed_out=True)
        raise outcome_unknown(attempt.request, None, timed_out=True)

    async def _send(self, request: cp.Request, attempt: _Attempt) -> Any:
        slots = self._slots
        if slots is None:
            slots = self._slots = self._backend.Semaphore(self._max_connections)
        try:
            slots.acquire_nowait()  # no checkpoint when a slot is free
        except self._backend.WouldBlock:
            await slots.acquire()
        try:
            conn = await self._checkout()
            try:
                data = conn.proto.send(request, now_ms=self._now_ms())
            except BaseException:
                await self._checkin(conn)  # nothing was sent; the connection is as it was
                raise
            attempt.request = conn.proto.pending_request
            answer = await self._exchange(conn, data)
            await self._checkin(conn)
        finally:
            slots.release()
        return result_of(answer)

    async def _checkout(self) -> AsyncConnection:
        """An idle connection the server has not closed, or a new one."""
        while self._idle:
            conn = self._idle.pop()
            # An idle connection has nothing to read unless the server closed
            # it or sent bytes no request asked for: either way it is done.
            if not self._idle_readable(conn):
                return conn
            await self._discard(conn)
        return await self._connect()

    async def _checkin(self, conn: AsyncConnection) -> None:
        if conn.proto.can_reuse and not self._closed:
            self._idle.append(conn)
        else:
            await self._discard(conn)

    def _cancel_scope(self, deadline: float) -> _CancelScope:
        scope: _CancelScope = self._backend.CancelScope(deadline=deadline)
        return scope

    @abstractmethod
    async def _connect(self) -> AsyncConnection:
        """A new connection; `ConnectError` if none can be had."""

    @abstractmethod
    def _idle_readable(self, conn: AsyncConnection) -> bool:
        """Whether an idle connection's socket has something to read (so the server hung up)."""

    @abstractmethod
    async def _write(self, conn: AsyncConnection, data: bytes) -> None:
        """Write all of ``data``."""

    @abstractmethod
    async def _read(self, conn: AsyncConnection) -> bytes:
        """The next bytes, ``b""`` at the end of the stream."""

    async def _exchange(self, conn: AsyncConnection, data: bytes) -> cp.ResponseReceived | cp.ErrorReceived:
        """Write the request and read until the core has its answer; on any failure, close the connection."""
        proto = conn.proto
        written = False
        try:
            await self._write(conn, data)
            written = True
            event = proto.next_event()
            while event is cp.NEED_DATA:
                proto.receive_data(await self._read(conn))
                event = proto.next_event()
            return expect_answer(event)
        except BaseException as exc:
            if not written:
                proto.send_failed()
            await self._discard(conn)
            if isinstance(exc, (*self._network_errors, cp.RemoteProtocolError)):
                raise outcome_unknown(proto.pending_request, exc, timed_out=False) from exc
            raise  # cancellation and the like, with the connection closed

    async def _discard(self, conn: AsyncConnection) -> None:
        """Close a connection at once, even inside a cancelled scope."""
        await self._close(conn.stream)

    async def _close(self, stream: Any) -> None:
        with self._backend.CancelScope(shield=True):
            await self._backend.aclose_forcefully(stream)
