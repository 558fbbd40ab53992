"""`ClientConnection`: one HTTP/1.1 connection to the chat server, client role.

The state machine (IDLE, AWAITING_RESPONSE, MUST_CLOSE, CLOSED, ERROR) is
`_exchange`'s, shared with the site calls' `SiteConnection`; what is the
chat server's is here: requests are numbered by the session and framed
from its identity, and a 200 is decoded by the operation's model, its
``chatSystemError`` and sequence number checked.

The session follows what the server answers through the `SessionRule` of
the request's operation (see `_session`): the connection calls its hooks
when it sends, when a 200 decodes, and when the exchange is over, however
it ended (answered, failed, abandoned).  Most operations have no rule and
skip all of it.
"""

from __future__ import annotations

import msgspec

from ._codec import decode_error_body, decode_response, encode_request, is_reported
from ._errors import LocalProtocolError, SequenceMismatch
from ._events import ErrorReceived, ResponseReceived
from ._exchange import ConnectionState, ResponseExchange
from ._limits import DEFAULT_LIMITS, Limits
from ._operations import OPERATION_OF_REQUEST, Operation
from ._request_head import RequestHeads
from ._session import SESSION_RULES, AgentSession, SessionRule
from ._wire import Request

# Request type -> its operation and the session's rule for it (None for most):
# one lookup per send, as before the rules, and none per response.
_ROUTES: dict[type, tuple[Operation, SessionRule | None]] = {
    request_type: (operation, SESSION_RULES.get(operation.name))
    for request_type, operation in OPERATION_OF_REQUEST.items()
}


class ClientConnection(ResponseExchange[ResponseReceived | ErrorReceived]):
    """One HTTP/1.1 connection carrying agent API requests for ``session``.

    Many connections may share one `AgentSession`; sequence numbers are then
    strictly increasing across all of them.

    Args:
        session: the agent session to speak for.
        limits: bounds on what the server may send.
    """

    __slots__ = (
        "__weakref__",  # the session holds its poll's connection weakly
        "_heads",
        "_operation",
        "_pending",
        "_rule",
        "_session",
    )

    _reusable_after = ResponseReceived

    def __init__(self, session: AgentSession, *, limits: Limits = DEFAULT_LIMITS) -> None:
        if not isinstance(session, AgentSession):
            raise LocalProtocolError(f"session must be an AgentSession, not {type(session).__name__}")
        super().__init__(limits)
        self._session = session
        self._heads = RequestHeads()
        self._pending: Request | None = None
        self._operation: Operation | None = None
        self._rule: SessionRule | None = None

    @property
    def session(self) -> AgentSession:
        return self._session

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

        Raises:
            LocalProtocolError: the request is invalid (the message names the
                field), a request is already in flight, the connection cannot
                be reused, the session has expired or was logged off, or it
                is a getMessages while another of the session is in flight.
                Nothing is sent, and the connection's state is unchanged.
        """
        if self._state is not ConnectionState.IDLE:
            raise self._cannot_send()
        route = _ROUTES.get(type(request))
        if route is None:
            raise LocalProtocolError(f"{type(request).__name__} is not the request of any agent operation")
        operation, rule = route
        session = self._session
        explicit = request.sequence_number
        number = session.claim_sequence_number(operation, explicit)
        if rule is not None:
            rule.check(session, self)
        if explicit is None:
            if now_ms is not None and request.time_created is None:
                request = msgspec.structs.replace(request, sequence_number=number, time_created=now_ms)
            else:
                request = msgspec.structs.replace(request, sequence_number=number)
        elif now_ms is not None and request.time_created is None:
            request = msgspec.structs.replace(request, time_created=now_ms)
        body = encode_request(operation, request)
        session.commit_sequence_number(number)

        head, body = self._heads.request(operation, session.identity, body)
        data = self._write(head, body)
        if rule is not None:
            rule.sent(session, self)
            self._rule = rule
        self._pending = request
        self._operation = operation
        return data

    def _answer(self, status: int, body: bytes) -> ResponseReceived | ErrorReceived:
        request = self._pending
        operation = self._operation
        assert request is not None
        assert operation is not None
        max_depth = self._limits.max_json_depth
        event: ResponseReceived | ErrorReceived
        if status == 200:
            response = decode_response(operation, body, max_depth)
            system_error = response.chat_system_error
            if system_error is not None and is_reported(system_error):
                event = ErrorReceived(request, 200, system_error.error_condition, system_error.text, system_error)
            else:
                got = response.sequence_number
                expected = request.sequence_number
                assert expected is not None  # send numbered it
                if got is not None and got != expected:
                    raise SequenceMismatch(expected, got)
                rule = self._rule
                if rule is not None:
                    response = rule.answered(self._session, request, response)
                event = ResponseReceived(request, response)
        else:
            if status == 403:
                self._session.expire()
            code, text, system_error = decode_error_body(body, max_depth)
            event = ErrorReceived(request, status, code, text, system_error)
        self._pending = None
        self._operation = None
        rule = self._rule
        if rule is not None:
            self._rule = None
            rule.finished(self._session, self)
        return event

    def _fail(self, message: str) -> None:
        super()._fail(message)
        # The exchange is over without an answer: release what it held.
        rule = self._rule
        if rule is not None:
            self._rule = None
            rule.finished(self._session, self)
