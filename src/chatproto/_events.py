"""The events the connections return, and the `ApiError` built from an error event."""

import enum
from typing import Any

import msgspec

from ._identity import redact
from ._operations import Operation
from ._wire import ChatSystemError, Request


class NeedData(enum.Enum):
    """The type of `NEED_DATA`: an enum, so ``event is NEED_DATA`` narrows the type."""

    NEED_DATA = "NEED_DATA"

    def __repr__(self) -> str:
        return "NEED_DATA"


#: `next_event` needs more bytes (or the end of the stream) before it can say more.
NEED_DATA = NeedData.NEED_DATA


class ResponseReceived(msgspec.Struct, frozen=True):
    """A 200 whose body decoded cleanly and reports no ``chatSystemError``.

    Attributes:
        request: the request this answers, as sent (with its sequence number).
        response: the decoded body, of the operation's response type.
    """

    request: Request
    response: Any


class ErrorReceived(msgspec.Struct, frozen=True):
    """Any status other than 200, or a 200 carrying a ``chatSystemError``.

    Attributes:
        request: the request this answers.
        status: the HTTP status code.
        code: the ``exceptionCode`` (or ``errorCondition``), None if the body had none.
        message: the ``message``/``detail`` (or ``text``), None if the body had none.
        system_error: the ``chatSystemError`` the body carried, if any.
    """

    request: Request
    status: int
    code: str | None
    message: str | None
    system_error: ChatSystemError | None = None


class ConnectionClosed(msgspec.Struct, frozen=True):
    """The peer ended the stream while no message was in progress."""


CONNECTION_CLOSED = ConnectionClosed()


class RequestReceived(msgspec.Struct, frozen=True):
    """Server role: a well-formed agent API request.

    Attributes:
        operation: the operation's row in the table.
        site: the fqSiteName from the path.
        pool: the ``pool`` query value, None if absent.
        agent_id: ``X-AID``, None if absent.
        session_id: ``X-JSESSIONID``, None if absent.
        token: the bearer token of an ``Authorization: Bearer`` header, None if absent.
        request: the decoded body, of the operation's request type.
    """

    operation: Operation
    site: str
    pool: str | None
    agent_id: str | None
    session_id: str | None
    token: str | None
    request: Request

    def __repr__(self) -> str:
        # The session id and the token are secrets: never shown whole.
        return (
            f"RequestReceived(operation={self.operation.name!r}, site={self.site!r}, pool={self.pool!r}, "
            f"agent_id={self.agent_id!r}, session_id={_masked(self.session_id)}, token={_masked(self.token)}, "
            f"request={self.request!r})"
        )


class InvalidRequest(msgspec.Struct, frozen=True):
    """Server role: a request under the agent API's path that cannot be served.

    An unknown site or operation (404), a wrong method (405), and a 400 for a
    bad pool, a wrong Content-Type, a body that does not validate, or an
    ``X-AID``, ``X-JSESSIONID`` or ``Authorization`` header that is repeated or
    holds characters a client could not have sent.  The server should answer
    it with `ServerConnection.send_error` using these fields; the connection
    stays usable.

    Attributes:
        status: the status to answer with (400, 404 or 405).
        code: the exception code to answer with.
        message: what was wrong, naming the field or the path segment.
        operation: the operation, if the path named a known one.
        site: the site from the path, if it was valid.
    """

    status: int
    code: str
    message: str
    operation: Operation | None = None
    site: str | None = None


class HTTPRequestReceived(msgspec.Struct, frozen=True):
    """Server role: a request outside the agent API's path (a control surface, say).

    Attributes:
        method: ``GET``, ``POST``, ...
        path: the path, without the query.
        query: the raw query string, without ``?``.
        headers: (lower-case name, value) pairs as received.
        body: the whole body.
    """

    method: str
    path: str
    query: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def __repr__(self) -> str:
        # A session id or a token is a secret on any path: never shown whole.
        headers = tuple((name, redact(value) if name in _SECRET_HEADERS else value) for name, value in self.headers)
        return (
            f"HTTPRequestReceived(method={self.method!r}, path={self.path!r}, query={self.query!r}, "
            f"headers={headers!r}, body={self.body!r})"
        )


_SECRET_HEADERS = frozenset({"authorization", "x-jsessionid"})

#: What `ClientConnection.next_event` returns.
ClientEvent = ResponseReceived | ErrorReceived | ConnectionClosed
#: What `ServerConnection.next_event` returns.
ServerEvent = RequestReceived | InvalidRequest | HTTPRequestReceived | ConnectionClosed


def _masked(secret: str | None) -> str:
    return "None" if secret is None else redact(secret)
