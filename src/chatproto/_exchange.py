"""The client role's state machine, shared by the chat server's and the B2C site's connections.

Theory of operation.  ``send`` (each subclass's own: what a request looks
like differs) turns a request into the bytes to write and, through
`ResponseExchange._write`, moves the connection from IDLE to
AWAITING_RESPONSE.  `receive_data` only buffers.  `next_event` parses what
has been buffered and, once a whole response is in, has the subclass decode
it to an event (``_answer``) and moves back to IDLE, or to MUST_CLOSE when
the server will not take another request on this connection.  Any protocol
error moves to ERROR for good, and the same error is raised again on every
later call: a broken connection is never reused.

One request is in flight at a time; nothing is pipelined.  Bytes that arrive
while no request is outstanding can only be garbage or a response to a
request never sent, so they are an error rather than the next response.
"""

from __future__ import annotations

import enum
from abc import abstractmethod
from typing import ClassVar, Generic, TypeVar

import h11

from ._errors import LocalProtocolError, RemoteProtocolError
from ._events import CONNECTION_CLOSED, NEED_DATA, ConnectionClosed, NeedData
from ._http import CLOSED, response_reader
from ._limits import Limits

# One for every request: h11's events are immutable, and building one
# normalizes its (empty) trailers, a cost on every send.
_END_OF_MESSAGE = h11.EndOfMessage()

#: The events a complete response decodes to (a success or an error).
AnswerT = TypeVar("AnswerT")


class ConnectionState(enum.Enum):
    """Where a `ClientConnection` (or a `SiteConnection`) is in its exchange."""

    #: Ready to send a request.
    IDLE = "IDLE"
    #: A request was sent; its response is not complete yet.
    AWAITING_RESPONSE = "AWAITING_RESPONSE"
    #: The last response is complete, but this connection carries no other
    #: request: the server will close it (``Connection: close``, HTTP/1.0),
    #: sent bytes past the response, or answered with an error.
    MUST_CLOSE = "MUST_CLOSE"
    #: The server ended the stream.
    CLOSED = "CLOSED"
    #: A protocol error, a send the adapter reported as failed, or the
    #: connection was abandoned.
    ERROR = "ERROR"


class ResponseExchange(Generic[AnswerT]):
    """One HTTP/1.1 connection in the client role, less what its requests and answers are.

    A subclass builds its requests (``send``, ending in `_write`), decodes a
    complete response (``_answer``), and names the event after which the
    connection may carry another request (``_reusable_after``).
    """

    __slots__ = ("_error", "_h11", "_limits", "_reader", "_state")

    #: The success event: after any other answer the connection must close.
    _reusable_after: ClassVar[type]

    def __init__(self, limits: Limits) -> None:
        if not isinstance(limits, Limits):
            raise LocalProtocolError(f"limits must be a Limits, not {type(limits).__name__}")
        self._limits = limits
        self._h11 = h11.Connection(h11.CLIENT, max_incomplete_event_size=limits.max_header_bytes)
        self._reader = response_reader(self._h11, limits)
        self._state = ConnectionState.IDLE
        self._error: str | None = None

    @property
    def state(self) -> ConnectionState:
        return self._state

    @property
    def can_reuse(self) -> bool:
        """Whether another request may be sent on this connection now."""
        return self._state is ConnectionState.IDLE

    def _cannot_send(self) -> LocalProtocolError:
        """Why a request cannot be sent now (the state is not IDLE)."""
        state = self._state
        if state is ConnectionState.AWAITING_RESPONSE:
            return LocalProtocolError("a request is already in flight on this connection; read its response first")
        return LocalProtocolError(f"this connection cannot carry another request (state {state.name})")

    def _write(self, head: h11.Request, body: bytes) -> bytes:
        """The bytes of a request of ``head`` and ``body`` (both checked); the connection awaits its response."""
        conn = self._h11
        if conn.our_state is h11.DONE:
            conn.start_next_cycle()
        # Nothing is buffered: bytes that arrive while idle fail the connection.
        self._reader.begin()
        data: bytes = conn.send(head)
        data += conn.send(h11.Data(data=body))
        data += conn.send(_END_OF_MESSAGE)
        self._state = ConnectionState.AWAITING_RESPONSE
        return data

    def send_failed(self) -> None:
        """Tell the connection that the bytes from ``send`` were not all written.

        The outcome of the request is unknown and the connection is never
        reused: it moves to ERROR.
        """
        self._fail("a send on this connection failed; its outcome is unknown")

    def abandon(self) -> None:
        """Tell the connection that it is given up: it will carry no more bytes either way.

        A transport calls it when it drops a connection, above all one with
        a request in flight (a timeout, a cancellation).  The connection
        moves to ERROR, and whatever its exchange held is released at once
        (for a `ClientConnection`, a getMessages in flight frees the
        session's poll slot, so another connection may poll).  Calling it
        again, or on a connection that already failed, changes nothing.
        """
        self._fail("the connection was abandoned")

    def receive_data(self, data: bytes | bytearray | memoryview) -> None:
        """Buffer bytes received from the server; ``b""`` means the server ended the stream.

        Raises:
            RemoteProtocolError: data after the end of the stream (the
                connection moves to ERROR).
        """
        try:
            self._reader.feed(data)
        except RemoteProtocolError as exc:
            self._fail(str(exc))
            raise
        if data and self._state is ConnectionState.IDLE:
            # No request is outstanding, so these bytes can only be garbage or
            # an answer to a request never sent: never the next response.
            self._fail(f"{len(data)} bytes arrived while no request was outstanding")

    def next_event(self) -> AnswerT | ConnectionClosed | NeedData:
        """The next event: `NEED_DATA`, the answer to the request in flight, or `ConnectionClosed`.

        Call it until it returns `NEED_DATA`, then feed more bytes.  While no
        request is outstanding it returns `NEED_DATA`, or `ConnectionClosed`
        once the server has ended the stream (every later call returns it too).

        Raises:
            RemoteProtocolError: the server sent malformed HTTP, a body that
                does not decode (or, to a `ClientConnection`, a mismatched
                sequence number), more than a limit allows, bytes when no
                request was outstanding, or closed in the middle of a
                response.  The connection moves to ERROR and raises the same
                error on every later call.
        """
        state = self._state
        if state is ConnectionState.AWAITING_RESPONSE:
            try:
                return self._next_response_event()
            except RemoteProtocolError as exc:
                self._fail(str(exc))
                raise
        if state is ConnectionState.ERROR:
            raise RemoteProtocolError(f"this connection already failed: {self._error}")
        if state is ConnectionState.CLOSED:
            return CONNECTION_CLOSED
        # IDLE or MUST_CLOSE: no request is outstanding.
        unsolicited = self._reader.buffered()
        if unsolicited:
            message = f"{len(unsolicited)} bytes arrived while no request was outstanding"
            self._fail(message)
            raise RemoteProtocolError(message)
        if self._reader.eof:
            self._state = ConnectionState.CLOSED
            return CONNECTION_CLOSED
        return NEED_DATA

    def _next_response_event(self) -> AnswerT | NeedData:
        message = self._reader.next_message()
        if message is None:
            return NEED_DATA
        # A close mid-exchange is an error (PeerClosedEarly), never CLOSED:
        # that only ends an idle connection.
        assert message is not CLOSED
        head, body = message
        event = self._answer(head.status, body)
        conn = self._h11
        if (
            type(event) is self._reusable_after
            and conn.our_state is h11.DONE
            and conn.their_state is h11.DONE
            and not self._reader.buffered()
        ):
            self._state = ConnectionState.IDLE
        else:
            # Connection: close, HTTP/1.0, bytes beyond the response, or an
            # error answer: after an error the server's state for this
            # connection is unknown, and a fresh connection costs little next
            # to a request sent into it.
            self._state = ConnectionState.MUST_CLOSE
        return event

    @abstractmethod
    def _answer(self, status: int, body: bytes) -> AnswerT:
        """The event for the complete response (``status``, ``body``) to the request in flight.

        Raises:
            RemoteProtocolError: the response cannot be decoded.
        """

    def _fail(self, message: str) -> None:
        if self._state is not ConnectionState.ERROR:
            self._state = ConnectionState.ERROR
            self._error = message
