"""`AgentClient` for trio, natively.

Concurrent calls each take their own connection from a pool of at most
``max_connections``; a call waits for a free one within its timeout.  The
whole call runs in one cancel scope whose deadline is computed once, so
connecting, writing and reading share the call's ``timeout``.

A cancelled call (a cancel scope, a timeout, a task group failing) closes
the connection it was using in a shielded scope: nothing half-used goes back
to the pool, and no socket is left open.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, overload

import trio

import chatproto as cp

from ._client_common import READ_SIZE, ClientBase, connect_error, expect_answer, outcome_unknown, result_of
from ._errors import ClientClosedError

__all__ = ["AgentClient"]

# What a broken connection raises, besides the core's RemoteProtocolError.
_NETWORK_ERRORS = (OSError, trio.BrokenResourceError, trio.ClosedResourceError)


class _Connection:
    __slots__ = ("proto", "socket", "stream")

    def __init__(self, stream: trio.abc.Stream, sock: trio.socket.SocketType, proto: cp.ClientConnection) -> None:
        self.stream = stream
        self.socket = sock  # the socket under the stream, to see whether an idle server hung up
        self.proto = proto


class _Attempt:
    """How far a call got, for the timeout error: the request once it is being written."""

    __slots__ = ("request",)

    def __init__(self) -> None:
        self.request: cp.Request | None = None


class AgentClient(ClientBase):
    """A trio client for the chat agent API; see `ClientBase` for the arguments.

    Use it as an async context manager, or call `aclose`.
    """

    def _open_pool(self) -> None:
        self._idle: list[_Connection] = []
        # Made on first use, inside the event loop it will belong to.
        self._slots: trio.Semaphore | None = None

    async def __aenter__(self) -> AgentClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the idle connections; calls still running close theirs when they end."""
        self._closed = True
        idle, self._idle = self._idle, []
        for conn in idle:
            await _discard(conn)

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
        """Post a message; see `send` for what is raised."""
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
        await trio.lowlevel.checkpoint_if_cancelled()
        request = self._stamp(request)
        attempt = _Attempt()
        deadline = math.inf if self._timeout is None else trio.current_time() + self._timeout
        with trio.CancelScope(deadline=deadline):
            return await self._send(request, attempt)
        # Reached only when the deadline cancelled the call.
        if attempt.request is None:
            raise connect_error(self._endpoint, None, timed_out=True)
        raise outcome_unknown(attempt.request, None, timed_out=True)

    async def _send(self, request: cp.Request, attempt: _Attempt) -> Any:
        slots = self._slots
        if slots is None:
            slots = self._slots = trio.Semaphore(self._max_connections)
        try:
            slots.acquire_nowait()  # no checkpoint when a slot is free
        except trio.WouldBlock:
            await slots.acquire()
        try:
            conn = await self._checkout()
            try:
                data = conn.proto.send(request)
            except BaseException:
                await self._checkin(conn)  # nothing was sent; the connection is as it was
                raise
            attempt.request = conn.proto.pending_request
            answer = await self._exchange(conn, data)
            await self._checkin(conn)
        finally:
            slots.release()
        return result_of(answer)

    async def _checkout(self) -> _Connection:
        """An idle connection the server has not closed, or a new one."""
        while self._idle:
            conn = self._idle.pop()
            # An idle connection has nothing to read unless the server closed
            # it or sent bytes no request asked for: either way it is done.
            if not conn.socket.is_readable():
                return conn
            await _discard(conn)
        return await self._connect()

    async def _checkin(self, conn: _Connection) -> None:
        if conn.proto.can_reuse and not self._closed:
            self._idle.append(conn)
        else:
            await _discard(conn)

    async def _connect(self) -> _Connection:
        endpoint = self._endpoint
        stream: trio.abc.Stream | None = None
        try:
            stream = tcp = await trio.open_tcp_stream(endpoint.host, endpoint.port)
            if self._ssl_context is not None:
                # https_compatible: HTTP does not need the TLS close handshake.
                stream = trio.SSLStream(tcp, self._ssl_context, server_hostname=endpoint.host, https_compatible=True)
                await stream.do_handshake()
        except BaseException as exc:
            if stream is not None:
                with trio.CancelScope(shield=True):
                    await trio.aclose_forcefully(stream)
            if isinstance(exc, _NETWORK_ERRORS):
                raise connect_error(endpoint, exc, timed_out=False) from exc
            raise
        return _Connection(stream, tcp.socket, self._new_connection())

    async def _exchange(self, conn: _Connection, data: bytes) -> cp.ResponseReceived | cp.ErrorReceived:
        """Write the request and read until the core has its answer; on any failure, close the connection."""
        stream, proto = conn.stream, conn.proto
        written = False
        try:
            await stream.send_all(data)
            written = True
            event = proto.next_event()
            while event is cp.NEED_DATA:
                proto.receive_data(await stream.receive_some(READ_SIZE))
                event = proto.next_event()
            return expect_answer(event)
        except BaseException as exc:
            if not written:
                proto.send_failed()
            await _discard(conn)
            if isinstance(exc, (*_NETWORK_ERRORS, cp.RemoteProtocolError)):
                raise outcome_unknown(proto.pending_request, exc, timed_out=False) from exc
            raise  # cancellation and the like, with the connection closed


async def _discard(conn: _Connection) -> None:
    """Close a connection at once, even inside a cancelled scope."""
    with trio.CancelScope(shield=True):
        await trio.aclose_forcefully(conn.stream)
