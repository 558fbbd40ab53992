"""`AgentClient` over blocking sockets and the standard `ssl` module.

Each socket call is tried first; when it would block, the wait goes through
``poll`` with the time left before the call's deadline, so ``timeout`` bounds
the whole call however slowly the server drips its bytes (the sockets stay
non-blocking, so no per-operation ``settimeout`` is needed).  Only the name
lookup of a new connection is not bounded by it: ``getaddrinfo`` cannot be
interrupted.

An interrupted call (KeyboardInterrupt, or any exception) closes the socket
it was using before the exception goes on: nothing half-used is pooled.

The client may be shared by threads: each call takes its own connection,
and the session's sequence numbers are handed out under a lock.
"""

from __future__ import annotations

import select
import socket
import ssl
import threading
import time
from collections.abc import Mapping
from typing import Any, overload

import chatproto as cp

from ._client_common import (
    HAS_POLL,
    READ_SIZE,
    ClientBase,
    connect_error,
    expect_answer,
    outcome_unknown,
    result_of,
    wait_socket,
)
from ._errors import ClientClosedError

__all__ = ["AgentClient"]

_WOULD_BLOCK = (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError)


class _Connection:
    __slots__ = ("proto", "readable", "sock")

    def __init__(self, sock: socket.socket, proto: cp.ClientConnection) -> None:
        self.sock = sock
        self.proto = proto
        # Registered once: every exchange waits for its answer on it.
        self.readable = select.poll() if HAS_POLL else None
        if self.readable is not None:
            self.readable.register(sock, select.POLLIN)


class AgentClient(ClientBase):
    """A blocking client for the chat agent API; see `ClientBase` for the arguments.

    Use it as a context manager, or call `close`.
    """

    def _open_pool(self) -> None:
        self._idle: list[_Connection] = []
        self._lock = threading.Lock()

    def __enter__(self) -> AgentClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the idle connections; calls still running close theirs when they end."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.sock.close()

    def post_message(
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
        return self.send(request)

    @overload
    def send(self, request: cp.PostMessageRequest) -> cp.PostMessageResponse: ...
    @overload
    def send(self, request: cp.Request) -> cp.Response: ...
    def send(self, request: cp.Request) -> Any:
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
        deadline = None if self._timeout is None else time.monotonic() + self._timeout
        conn = self._checkout(deadline)
        try:
            with self._lock:
                data = conn.proto.send(request, now_ms=self._now_ms())
        except BaseException:
            self._checkin(conn)  # nothing was sent; the connection is as it was
            raise
        answer = self._exchange(conn, data, deadline)
        self._checkin(conn)
        return result_of(answer)

    def _checkout(self, deadline: float | None) -> _Connection:
        """An idle connection the server has not closed, or a new one."""
        while True:
            with self._lock:
                if not self._idle:
                    break
                conn = self._idle.pop()
            try:
                alive = _still_open(conn)
            except BaseException:
                conn.sock.close()
                raise
            if alive:
                return conn
            conn.sock.close()
        return _Connection(self._connect(deadline), self._new_connection())

    def _checkin(self, conn: _Connection) -> None:
        if conn.proto.can_reuse:
            with self._lock:
                if not self._closed and len(self._idle) < self._max_connections:
                    self._idle.append(conn)
                    return
        conn.sock.close()

    def _connect(self, deadline: float | None) -> socket.socket:
        endpoint = self._endpoint
        sock: socket.socket | None = None
        try:
            sock = socket.create_connection((endpoint.host, endpoint.port), timeout=_time_left(deadline))
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self._ssl_context is not None:
                sock.settimeout(_time_left(deadline))
                # On failure the SSLSocket closes the descriptor it took over.
                sock = self._ssl_context.wrap_socket(sock, server_hostname=endpoint.host)
            sock.setblocking(False)
            return sock
        except BaseException as exc:
            if sock is not None:
                sock.close()
            if isinstance(exc, OSError):  # ssl.SSLError and TimeoutError included
                raise connect_error(endpoint, exc, timed_out=isinstance(exc, TimeoutError)) from exc
            raise

    def _exchange(
        self, conn: _Connection, data: bytes, deadline: float | None
    ) -> cp.ResponseReceived | cp.ErrorReceived:
        """Write the request and read until the core has its answer; on any failure, close the connection."""
        sock, proto = conn.sock, conn.proto
        written = False
        try:
            _send_all(sock, data, deadline)
            written = True
            event = proto.next_event()
            while event is cp.NEED_DATA:
                _wait_for_answer(conn, deadline)
                proto.receive_data(_receive(sock, deadline))
                event = proto.next_event()
            return expect_answer(event)
        except BaseException as exc:
            if not written:
                proto.send_failed()
            sock.close()
            if isinstance(exc, OSError | cp.RemoteProtocolError):
                timed_out = isinstance(exc, TimeoutError)
                raise outcome_unknown(proto.pending_request, exc, timed_out=timed_out) from exc
            raise  # KeyboardInterrupt and the like, with the connection closed


def _still_open(conn: _Connection) -> bool:
    """Whether an idle connection may carry a request: the server has sent nothing since."""
    if conn.readable is not None and not conn.readable.poll(0):
        return True  # nothing to read: the usual case, without a failed recv
    try:
        data = conn.sock.recv(READ_SIZE)
    except _WOULD_BLOCK:
        return True
    except OSError:
        return False
    # End of stream or unsolicited bytes: the core says what they mean, and
    # either way the connection is no longer reusable.
    try:
        conn.proto.receive_data(data)
        conn.proto.next_event()
    except cp.RemoteProtocolError:
        return False
    return conn.proto.can_reuse


def _time_left(deadline: float | None) -> float | None:
    if deadline is None:
        return None
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("the call's timeout ran out")
    return left


def _wait(sock: socket.socket, *, write: bool, deadline: float | None) -> None:
    if not wait_socket(sock, write=write, timeout=_time_left(deadline)):
        raise TimeoutError("the call's timeout ran out")


def _wait_for_answer(conn: _Connection, deadline: float | None) -> None:
    """Wait until the socket has something to read, unless TLS already holds some.

    The answer is seldom there the moment the request is out, so waiting
    first saves a failed ``recv`` and its exception on every exchange.
    """
    sock = conn.sock
    if isinstance(sock, ssl.SSLSocket) and sock.pending():
        return
    if conn.readable is None:  # Windows has no poll
        _wait(sock, write=False, deadline=deadline)
        return
    left = _time_left(deadline)
    if not conn.readable.poll(None if left is None else left * 1000):
        raise TimeoutError("the call's timeout ran out")


def _send_all(sock: socket.socket, data: bytes, deadline: float | None) -> None:
    view = memoryview(data)
    while view:
        try:
            sent = sock.send(view)
        except (BlockingIOError, ssl.SSLWantWriteError):
            _wait(sock, write=True, deadline=deadline)
        except ssl.SSLWantReadError:  # a TLS renegotiation wants the peer first
            _wait(sock, write=False, deadline=deadline)
        else:
            view = view[sent:]


def _receive(sock: socket.socket, deadline: float | None) -> bytes:
    """The next bytes from ``sock``, ``b""`` at the end of the stream."""
    while True:
        try:
            return sock.recv(READ_SIZE)
        except (BlockingIOError, ssl.SSLWantReadError):
            _wait(sock, write=False, deadline=deadline)
        except ssl.SSLWantWriteError:
            _wait(sock, write=True, deadline=deadline)
