"""The events the connections return, and `answer_to`, which types a client event by its request."""

import enum
from typing import Generic, cast

import msgspec

from ._errors import LocalProtocolError
from ._identity import redact
from ._operations import Operation
from ._post_message import PostMessageResponse
from ._wire import ChatSystemError, Request, ResponseT_co

#: ``chatPostResult.clientReset`` when the server got a post while no
#: getMessages of the session was running [OL: Oracle's own client then
#: restarts its poll loop].  0 is the normal value; 1 is undocumented.
_NO_POLL_RUNNING = 2


class NeedData(enum.Enum):
    """The type of `NEED_DATA`: an enum, so ``event is NEED_DATA`` narrows the type."""

    NEED_DATA = "NEED_DATA"

    def __repr__(self) -> str:
        return "NEED_DATA"


#: `next_event` needs more bytes (or the end of the stream) before it can say more.
NEED_DATA = NeedData.NEED_DATA


class ResponseReceived(msgspec.Struct, Generic[ResponseT_co], frozen=True):
    """A 200 whose body decoded cleanly and reports no ``chatSystemError``.

    Generic in the response type: ``ResponseReceived[PostMessageResponse]``
    answers a postMessage.  `ClientConnection.next_event` cannot know which
    request the caller sent, so it returns the bare type; `answer_to` gives
    the event the type of the request it answers.

    Attributes:
        request: the request this answers, as sent (with its sequence number).
        response: the decoded body, of the operation's response type.
    """

    request: Request[ResponseT_co]
    response: ResponseT_co

    @property
    def poll_needed(self) -> bool:
        """True when this answers a postMessage with ``clientReset: 2``: the server saw no poll running.

        The post itself succeeded, but the server holds no getMessages for
        the session, so what it sends the agent waits until one is made:
        start the poll loop again.  Read from the response when asked, so
        the exchange pays nothing for it.
        """
        response = self.response
        if not isinstance(response, PostMessageResponse):
            return False
        result = response.chat_post_result
        return result is not None and result.client_reset == _NO_POLL_RUNNING


class ErrorReceived(msgspec.Struct, Generic[ResponseT_co], frozen=True):
    """Any status other than 200, or a 200 carrying a ``chatSystemError``.

    Generic like `ResponseReceived`, for the request it carries.

    Attributes:
        request: the request this answers.
        status: the HTTP status code.
        code: the ``exceptionCode`` (or ``errorCondition``), None if the body had none.
        message: the ``message``/``detail`` (or ``text``), None if the body had none.
        system_error: the ``chatSystemError`` the body carried, if any.
    """

    request: Request[ResponseT_co]
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
        pool: the ``pool`` query value, when the request got as far as its body.
        agent_id: ``X-AID``, likewise (so a server can check the session before the body).
        session_id: ``X-JSESSIONID``, likewise.
    """

    status: int
    code: str
    message: str
    operation: Operation | None = None
    site: str | None = None
    pool: str | None = None
    agent_id: str | None = None
    session_id: str | None = None

    def __repr__(self) -> str:
        # The session id is a secret: never shown whole.
        return (
            f"InvalidRequest(status={self.status!r}, code={self.code!r}, message={self.message!r}, "
            f"operation={self.operation!r}, site={self.site!r}, pool={self.pool!r}, agent_id={self.agent_id!r}, "
            f"session_id={_masked(self.session_id)})"
        )


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


def answer_to(
    request: Request[ResponseT_co], event: ClientEvent
) -> ResponseReceived[ResponseT_co] | ErrorReceived[ResponseT_co] | ConnectionClosed:
    """``event``, typed by ``request``: what a typed ``send(request: Request[R]) -> R`` needs.

    ``request`` is the one given to `ClientConnection.send`; the event carries
    the copy that was sent (numbered, time-stamped), of the same type.  So a
    ``ResponseReceived`` returned here has ``.response`` of the operation's
    response type, for the type checker as at run time.

    Raises:
        LocalProtocolError: ``event`` answers a request of another type, or
            is not a `ClientConnection` event at all.
    """
    if isinstance(event, ResponseReceived | ErrorReceived):
        answered = type(event.request)
        if answered is not type(request):
            raise LocalProtocolError(f"this event answers a {answered.__name__}, not a {type(request).__name__}")
    elif not isinstance(event, ConnectionClosed):
        raise LocalProtocolError(f"{type(event).__name__} is not an event of a ClientConnection")
    # The one cast: the request types match, so the response's type is the one
    # the request's class names.
    return cast("ResponseReceived[ResponseT_co] | ErrorReceived[ResponseT_co] | ConnectionClosed", event)


def _masked(secret: str | None) -> str:
    return "None" if secret is None else redact(secret)
