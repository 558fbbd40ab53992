"""`ClientConnection`: one HTTP/1.1 connection to the chat server, client role.

Theory of operation.  `send` turns a request into the bytes to write and
moves the connection from IDLE to AWAITING_RESPONSE.  `receive_data` only
buffers.  `next_event` parses what has been buffered and, once a whole
response is in, decodes it to an event and moves back to IDLE, or to
MUST_CLOSE when the server will not take another request on this
connection.  Any protocol error moves to ERROR for good, and the same error
is raised again on every later call: a broken connection is never reused.

One request is in flight at a time; nothing is pipelined.  Bytes that arrive
while no request is outstanding can only be garbage or a response to a
request never sent, so they are an error rather than the next response.
"""

from __future__ import annotations

import enum

import h11
import msgspec

from ._codec import decode_error_body, decode_response, encode_request, is_reported
from ._errors import LocalProtocolError, RemoteProtocolError, SequenceMismatch
from ._events import CONNECTION_CLOSED, NEED_DATA, ClientEvent, ErrorReceived, NeedData, ResponseReceived
from ._http import CLOSED, response_reader, withhold_text
from ._limits import DEFAULT_LIMITS, Limits
from ._operations import OPERATION_OF_REQUEST, Operation
from ._request_head import RequestHeads
from ._session import AgentSession
from ._wire import Request

# One for every request: h11's events are immutable, and building one
# normalizes its (empty) trailers, a cost on every send.
_END_OF_MESSAGE = h11.EndOfMessage()

#: Why a connection is ERROR after a `ClientConnection.send` that did not return.
_INTERRUPTED = "a send on this connection did not finish (interrupted, or refused by h11); it is not reused"


class ConnectionState(enum.Enum):
    """Where a `ClientConnection` is in its exchange."""

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
    #: A protocol error, a send the adapter reported as failed, or a `send`
    #: that did not return (interrupted while it framed the request).
    ERROR = "ERROR"


class ClientConnection:
    """One HTTP/1.1 connection carrying agent API requests for ``session``.

    Many connections may share one `AgentSession`; sequence numbers are then
    strictly increasing across all of them.

    Args:
        session: the agent session to speak for.
        limits: bounds on what the server may send.
    """

    __slots__ = ("_error", "_h11", "_heads", "_limits", "_operation", "_pending", "_reader", "_session", "_state")

    def __init__(self, session: AgentSession, *, limits: Limits = DEFAULT_LIMITS) -> None:
        if not isinstance(session, AgentSession):
            raise LocalProtocolError(f"session must be an AgentSession, not {type(session).__name__}")
        if not isinstance(limits, Limits):
            raise LocalProtocolError(f"limits must be a Limits, not {type(limits).__name__}")
        self._session = session
        self._heads = RequestHeads()
        self._limits = limits
        self._h11 = h11.Connection(h11.CLIENT, max_incomplete_event_size=limits.max_header_bytes)
        self._reader = response_reader(self._h11, limits)
        self._state = ConnectionState.IDLE
        self._pending: Request | None = None
        self._operation: Operation | None = None
        self._error: str | None = None

    @property
    def session(self) -> AgentSession:
        return self._session

    @property
    def state(self) -> ConnectionState:
        return self._state

    @property
    def can_reuse(self) -> bool:
        """Whether another request may be sent on this connection now."""
        return self._state is ConnectionState.IDLE

    @property
    def pending_request(self) -> Request | None:
        """The request awaiting its response, if any."""
        return self._pending

    def send(self, request: Request, *, now_ms: int | None = None) -> bytes:
        """Validate ``request``, number it, and return the exact bytes to write.

        A request whose ``sequence_number`` is None gets the session's next
        number, and one whose ``time_created`` is None gets ``now_ms`` (the
        caller's clock, in epoch milliseconds: the core reads none) when it is
        given; the event for its response carries the request as sent.

        A send that does not return, because an exception (a
        KeyboardInterrupt, or one a signal handler raised) landed while the
        request was being framed, leaves the connection in ERROR: it is never
        reused, and its sequence number stays used.  Raised while the request
        is still being checked and encoded, it leaves the connection as it was.

        Raises:
            LocalProtocolError: the request is invalid (the message names the
                field), a request is already in flight, the connection cannot
                be reused, or the session has expired.  Nothing is sent, and
                the connection's state is unchanged.  Also, h11 refused to
                frame the request (never expected): the connection moves to ERROR.
        """
        state = self._state
        if state is not ConnectionState.IDLE:
            if state is ConnectionState.AWAITING_RESPONSE:
                raise LocalProtocolError("a request is already in flight on this connection; read its response first")
            raise LocalProtocolError(f"this connection cannot carry another request (state {state.name})")
        operation = OPERATION_OF_REQUEST.get(type(request))
        if operation is None:
            raise LocalProtocolError(f"{type(request).__name__} is not the request of any agent operation")
        session = self._session
        explicit = request.sequence_number
        number = session.claim_sequence_number(operation, explicit)
        if explicit is None:
            if now_ms is not None and request.time_created is None:
                request = msgspec.structs.replace(request, sequence_number=number, time_created=now_ms)
            else:
                request = msgspec.structs.replace(request, sequence_number=number)
        elif now_ms is not None and request.time_created is None:
            request = msgspec.structs.replace(request, time_created=now_ms)
        body = encode_request(operation, request)
        session.commit_sequence_number(number)

        # From here on h11 changes state.  Until the request is framed whole
        # the connection counts as failed: an exception landing anywhere in
        # between (a KeyboardInterrupt, or whatever a signal handler raises)
        # then leaves it never to be reused, instead of IDLE over an h11
        # connection that is half way through a request, or in its ERROR.
        self._state = ConnectionState.ERROR
        self._error = _INTERRUPTED
        conn = self._h11
        try:
            head, body = self._heads.request(operation, session.identity, body)
            if conn.our_state is h11.DONE:
                conn.start_next_cycle()
            # Nothing is buffered: bytes that arrive while idle fail the connection.
            self._reader.begin()
            data: bytes = conn.send(head)
            data += conn.send(h11.Data(data=body))
            data += conn.send(_END_OF_MESSAGE)
        except h11.ProtocolError as exc:
            # Never expected (the request was validated); still, only our errors leave the core.
            withhold_text(exc)
            raise LocalProtocolError("the request could not be framed as HTTP/1.1 (h11 refused it)") from exc
        self._pending = request
        self._operation = operation
        self._state = ConnectionState.AWAITING_RESPONSE
        return data

    def send_failed(self) -> None:
        """Tell the connection that the bytes from `send` were not all written.

        The outcome of the request is unknown and the connection is never
        reused: it moves to ERROR.
        """
        self._fail("a send on this connection failed; its outcome is unknown")

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

    def next_event(self) -> ClientEvent | NeedData:
        """The next event: `NEED_DATA`, `ResponseReceived`, `ErrorReceived` or `ConnectionClosed`.

        Call it until it returns `NEED_DATA`, then feed more bytes.  While no
        request is outstanding it returns `NEED_DATA`, or `ConnectionClosed`
        once the server has ended the stream (every later call returns it too).

        Raises:
            RemoteProtocolError: the server sent malformed HTTP, a body that
                does not decode, a mismatched sequence number, more than a
                limit allows, bytes when no request was outstanding, or closed
                in the middle of a response.  The connection moves to ERROR
                and raises the same error on every later call.
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

    def _next_response_event(self) -> ClientEvent | NeedData:
        message = self._reader.next_message()
        if message is None:
            return NEED_DATA
        # A close mid-exchange is an error (PeerClosedEarly), never CLOSED:
        # that only ends an idle connection.
        assert message is not CLOSED
        head, body = message
        request = self._pending
        operation = self._operation
        assert request is not None
        assert operation is not None
        event = self._decode(operation, request, head.status, body)
        self._pending = None
        self._operation = None
        conn = self._h11
        if (
            type(event) is ResponseReceived
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

    def _decode(self, operation: Operation, request: Request, status: int, body: bytes) -> ClientEvent:
        max_depth = self._limits.max_json_depth
        if status == 200:
            response = decode_response(operation, body, max_depth)
            system_error = response.chat_system_error
            if system_error is not None and is_reported(system_error):
                return ErrorReceived(request, 200, system_error.error_condition, system_error.text, system_error)
            got = response.sequence_number
            expected = request.sequence_number
            assert expected is not None  # send numbered it
            if got is not None and got != expected:
                raise SequenceMismatch(expected, got)
            return ResponseReceived(request, response)
        if status == 403:
            self._session.expire()
        code, text, system_error = decode_error_body(body, max_depth)
        return ErrorReceived(request, status, code, text, system_error)

    def _fail(self, message: str) -> None:
        if self._state is not ConnectionState.ERROR:
            self._state = ConnectionState.ERROR
            self._error = message
