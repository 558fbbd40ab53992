"""The events the connections return, and `answer_to`, which types a client event by its request."""

import enum
from typing import Any, Generic, overload

import msgspec

from ._errors import LocalProtocolError
from ._identity import redact
from ._operations import Operation
from ._post_message import PostMessageResponse
from ._site_operations import SiteOperation, SiteRequest, SiteResponseT_co
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
        token: the bearer token of an ``Authorization: Bearer`` header, None if
            absent; on every operation, as Oracle's own client sends it [OC].
        request: the decoded body, of the operation's request type.
        app_context: ``OSvC-CREST-Application-Context``, which Oracle's own
            client also sends to the chat server [OC]; None if absent.
    """

    operation: Operation
    site: str
    pool: str | None
    agent_id: str | None
    session_id: str | None
    token: str | None
    request: Request
    app_context: str | None = None

    def __repr__(self) -> str:
        # The session id and the token are secrets: never shown whole.
        return (
            f"RequestReceived(operation={self.operation.name!r}, site={self.site!r}, pool={self.pool!r}, "
            f"agent_id={self.agent_id!r}, session_id={_masked(self.session_id)}, token={_masked(self.token)}, "
            f"request={self.request!r}, app_context={self.app_context!r})"
        )


class InvalidRequest(msgspec.Struct, frozen=True):
    """Server role: a request under the agent API's path that cannot be served.

    An unknown site or operation (404), a wrong method (405), and a 400 for a
    bad pool, a wrong Content-Type, a body that does not validate, or an
    ``X-AID``, ``X-JSESSIONID``, ``Authorization`` or
    ``OSvC-CREST-Application-Context`` header that is repeated or holds
    characters a client could not have sent.  The server should answer it
    with `ServerConnection.send_error` using these fields; the connection
    stays usable.

    A site call that cannot be served is one too (see `SiteRequestReceived`):
    an unknown resource under the site calls' path (404), a wrong method
    (405), malformed Basic credentials, a bad application context or a body
    that is not a JSON object (400); its ``operation`` and ``site`` are None.

    Attributes:
        status: the status to answer with (400, 404 or 405).
        code: the exception code to answer with.
        message: what was wrong, naming the field or the path segment.
        operation: the agent operation, if the path named a known one.
        site: the site from the path, if it was valid.
        site_operation: the site call, if the path named one (so a 405 can
            say which method it takes).
    """

    status: int
    code: str
    message: str
    operation: Operation | None = None
    site: str | None = None
    site_operation: SiteOperation | None = None


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


class SiteRequestReceived(HTTPRequestReceived, frozen=True):
    """Server role: a well-formed site call (serviceSettings or agentTokens).

    An `HTTPRequestReceived` too, with the request line and headers as
    received, so a server that does not serve the site calls sees them as
    the plain HTTP requests they are.  Whether the credentials log on is the
    server's to decide: they are only read here.

    Attributes:
        operation: the call's row in `SITE_OPERATIONS`.
        username: the user id of ``Authorization: Basic``, None without
            Basic credentials (no header, or another scheme).
        password: its password, None likewise.  A secret: the repr shows its
            length and last two characters only.
        app_context: ``OSvC-CREST-Application-Context``, None if absent.
        request: the decoded body, of the call's request type.
    """

    operation: SiteOperation
    username: str | None
    password: str | None
    app_context: str | None
    request: SiteRequest

    def __repr__(self) -> str:
        return f"SiteRequestReceived({', '.join(f'{name}={value!r}' for name, value in self.__rich_repr__())})"

    def __rich_repr__(self) -> list[tuple[str, Any]]:
        # The password, and the Authorization header that spells it, are never shown whole.
        headers = tuple((name, redact(value) if name in _SECRET_HEADERS else value) for name, value in self.headers)
        return [
            ("method", self.method),
            ("path", self.path),
            ("query", self.query),
            ("headers", headers),
            ("body", self.body),
            ("operation", self.operation.name),
            ("username", self.username),
            ("password", None if self.password is None else redact(self.password)),
            ("app_context", self.app_context),
            ("request", self.request),
        ]


class SiteResponseReceived(msgspec.Struct, Generic[SiteResponseT_co], frozen=True):
    """A site call answered with a 2xx whose body decoded cleanly.

    Generic in the answer's type, as `ResponseReceived` is:
    ``SiteResponseReceived[ServiceSettings]`` answers serviceSettings, and
    `answer_to` types the bare event `SiteConnection.next_event` returns.

    Attributes:
        request: the request this answers.
        response: the decoded body, of the call's response type.
    """

    request: SiteRequest[SiteResponseT_co]
    response: SiteResponseT_co


class SiteErrorReceived(msgspec.Struct, Generic[SiteResponseT_co], frozen=True):
    """A site call answered with any status but a 2xx (a bad login is 401).

    Attributes:
        request: the request this answers.
        status: the HTTP status code.
        code: the body's ``exceptionCode``, None if it had none.
        message: its ``message`` or ``detail``, None if it had none.
    """

    request: SiteRequest[SiteResponseT_co]
    status: int
    code: str | None
    message: str | None


#: What `ClientConnection.next_event` returns.
ClientEvent = ResponseReceived | ErrorReceived | ConnectionClosed
#: What `SiteConnection.next_event` returns.
SiteEvent = SiteResponseReceived | SiteErrorReceived | ConnectionClosed
#: What `ServerConnection.next_event` returns (a `SiteRequestReceived` is an `HTTPRequestReceived`).
ServerEvent = RequestReceived | InvalidRequest | HTTPRequestReceived | ConnectionClosed


@overload
def answer_to(
    request: Request[ResponseT_co], event: ClientEvent
) -> ResponseReceived[ResponseT_co] | ErrorReceived[ResponseT_co] | ConnectionClosed: ...
@overload
def answer_to(
    request: SiteRequest[SiteResponseT_co], event: SiteEvent
) -> SiteResponseReceived[SiteResponseT_co] | SiteErrorReceived[SiteResponseT_co] | ConnectionClosed: ...
def answer_to(request: Request | SiteRequest, event: ClientEvent | SiteEvent) -> ClientEvent | SiteEvent:
    """``event``, typed by ``request``: what a typed ``send(request: Request[R]) -> R`` needs.

    ``request`` is the one given to `ClientConnection.send` (or
    `SiteConnection.send`); the event carries the copy that was sent
    (numbered, time-stamped), of the same type.  So a ``ResponseReceived``
    (``SiteResponseReceived``) returned here has ``.response`` of the
    operation's response type, for the type checker as at run time.

    Raises:
        LocalProtocolError: ``event`` answers a request of another type, or
            is not a `ClientConnection` or `SiteConnection` event at all.
    """
    if isinstance(event, ResponseReceived | ErrorReceived | SiteResponseReceived | SiteErrorReceived):
        answered = type(event.request)
        if answered is not type(request):
            raise LocalProtocolError(f"this event answers a {answered.__name__}, not a {type(request).__name__}")
    elif not isinstance(event, ConnectionClosed):
        raise LocalProtocolError(f"{type(event).__name__} is not an event of a ClientConnection or a SiteConnection")
    # The request types match, so the response's type is the one the
    # request's class names: the overloads say so to the type checker.
    return event


def _masked(secret: str | None) -> str:
    return "None" if secret is None else redact(secret)
