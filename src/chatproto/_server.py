"""`ServerConnection`: one HTTP/1.1 connection in the server role.

It turns a client's bytes into typed agent API requests (with the site,
pool, agent id, session id and token they came with) and serialises
responses.  The emulator and the test servers stand on it; what to answer
is theirs to decide.

A request under the agent path that cannot be served (unknown operation,
wrong method, wrong content type, a body that does not validate) is an
`InvalidRequest` event, not an exception: the server answers it and the
connection carries on.  Malformed HTTP is a `RemoteProtocolError` whose
``error_status_hint`` is the status to answer with before closing.

The site calls (serviceSettings, agentTokens) are read too, by
`_site_server`: a `SiteRequestReceived`, or an `InvalidRequest`.  What
Oracle's own client sends the chat server is read as it comes [OC]: header
names in any case, ``Content-Type: application/json`` without a charset,
the bearer token on every operation, and ``OSvC-CREST-Application-Context``.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qs

import h11
import msgspec

from ._codec import decode_request, encode_response
from ._errors import LimitExceeded, LocalProtocolError, RemoteProtocolError
from ._events import (
    CONNECTION_CLOSED,
    NEED_DATA,
    HTTPRequestReceived,
    InvalidRequest,
    NeedData,
    RequestReceived,
    ServerEvent,
)
from ._http import CLOSED, RequestHead, request_reader
from ._identity import check_header_id, check_pool, check_site, check_token
from ._limits import DEFAULT_LIMITS, Limits
from ._operations import AGENT_PATH_PREFIX, API_VERSION, OPERATIONS, QUERY_INPUT_PARAMETER
from ._site_operations import SITE_PATH_PREFIX
from ._site_server import app_context_of, classify_site, one_header

JSON_CONTENT_TYPE = "application/json; charset=utf-8"
_REASONS = {
    200: b"OK",
    400: b"Bad Request",
    401: b"Unauthorized",
    403: b"Forbidden",
    404: b"Not Found",
    405: b"Method Not Allowed",
    409: b"Conflict",
    413: b"Content Too Large",
    431: b"Request Header Fields Too Large",
    500: b"Internal Server Error",
    503: b"Service Unavailable",
}


class ServerConnection:
    """One HTTP/1.1 connection, server role.

    Args:
        limits: bounds on what the client may send.
    """

    __slots__ = ("_awaiting_response", "_error", "_h11", "_head_only", "_limits", "_reader")

    def __init__(self, *, limits: Limits = DEFAULT_LIMITS) -> None:
        if not isinstance(limits, Limits):
            raise LocalProtocolError(f"limits must be a Limits, not {type(limits).__name__}")
        self._limits = limits
        self._h11 = h11.Connection(h11.SERVER, max_incomplete_event_size=limits.max_header_bytes)
        self._reader = request_reader(self._h11, limits)
        self._awaiting_response = False
        # The request awaiting its response is a HEAD: its response has no body.
        self._head_only = False
        self._error: str | None = None

    @property
    def can_reuse(self) -> bool:
        """Whether the connection may carry another request after the last response."""
        return self._error is None and self._h11.our_state is h11.IDLE and self._h11.their_state is h11.IDLE

    def receive_data(self, data: bytes | bytearray | memoryview) -> None:
        """Buffer bytes from the client; ``b""`` means the client ended the stream.

        Raises:
            RemoteProtocolError: data after the end of the stream, or
                `LimitExceeded`: more pipelined bytes than one more request of
                the largest size while a response is awaited.  The connection
                has failed, and `next_event` raises from now on.
        """
        try:
            self._reader.feed(data)
            if self._awaiting_response:
                self._check_pipelined()
        except RemoteProtocolError as exc:
            self._error = str(exc)
            raise

    def _check_pipelined(self) -> None:
        # Nothing is parsed while a response is awaited, so a client that
        # pipelines without waiting (to an adapter that keeps reading) would
        # make h11's buffer grow without bound.  The message being answered
        # is at most one head, its chunk framing and one body; allow as much
        # again for the next request, and no more.
        limits = self._limits
        bound = 2 * (2 * limits.max_header_bytes + limits.max_body_bytes)
        if self._reader.fed > bound:
            raise LimitExceeded("pipelined bytes while a response is awaited", bound, self._reader.fed)

    def next_event(self) -> ServerEvent | NeedData:
        """The next request, `NEED_DATA`, or `ConnectionClosed`.

        After a request event, nothing more is parsed until it is answered
        with `send_response` or `send_error`.

        Raises:
            RemoteProtocolError: malformed HTTP or a limit exceeded; answer with
                `send_error_for` and close.
        """
        if self._error is not None:
            raise RemoteProtocolError(f"this connection already failed: {self._error}")
        if self._awaiting_response:
            return NEED_DATA
        try:
            message = self._reader.next_message()
        except RemoteProtocolError as exc:
            self._error = str(exc)
            raise
        if message is None:
            return NEED_DATA
        if message is CLOSED:
            return CONNECTION_CLOSED
        head, body = message
        self._awaiting_response = True
        self._head_only = head.method == b"HEAD"
        return self._classify(head, body)

    def _classify(self, head: RequestHead, body: bytes) -> ServerEvent:
        target = head.target.decode("ascii", "replace")
        path, _, query = target.partition("?")
        method = head.method.decode("ascii", "replace")
        headers = dict(head.headers)
        if not path.startswith(AGENT_PATH_PREFIX):
            pairs = tuple((name.decode("latin-1"), value.decode("latin-1")) for name, value in head.headers)
            if path.startswith(SITE_PATH_PREFIX):
                return classify_site(
                    head,
                    body,
                    method=method,
                    path=path,
                    query=query,
                    headers=pairs,
                    max_depth=self._limits.max_json_depth,
                )
            return HTTPRequestReceived(method, path, query, pairs, body)

        segments = path[len(AGENT_PATH_PREFIX) :].split("/")
        if len(segments) != 3 or segments[1] != API_VERSION:
            return InvalidRequest(404, "NOT_FOUND", f"no agent API resource at {path!r}")
        site_text, _, name = segments
        try:
            site = check_site(site_text)
        except LocalProtocolError as exc:
            return InvalidRequest(404, "NOT_FOUND", f"unknown site: {exc}")
        operation = OPERATIONS.get(name)
        if operation is None:
            return InvalidRequest(404, "NOT_FOUND", f"unknown operation {name!r}", site=site)
        if method != operation.method:
            return InvalidRequest(
                405, "METHOD_NOT_ALLOWED", f"{name} takes {operation.method}, not {method}", operation, site
            )

        parameters = parse_qs(query)
        pool_values = parameters.get("pool")
        pool = None
        try:
            if pool_values:
                pool = check_pool(pool_values[0])
            # The identity headers are held to what a client may send (and to
            # one each: with two, which one counts would depend on the parser).
            agent_id = _identity_header(head, b"x-aid")
            session_id = _identity_header(head, b"x-jsessionid")
            token = _bearer_token(_identity_header(head, b"authorization"))
            app_context = app_context_of(head)
        except LocalProtocolError as exc:
            return InvalidRequest(400, "BAD_REQUEST", str(exc), operation, site)

        if operation.method == "GET":
            # A GET's input is URL-encoded JSON in the query, not a body.
            body = parameters.get(QUERY_INPUT_PARAMETER, [""])[0].encode()
        else:
            content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
            if content_type != b"application/json":
                return InvalidRequest(
                    400,
                    "BAD_REQUEST",
                    "Content-Type must be application/json; charset=utf-8",
                    operation,
                    site,
                    pool=pool,
                    agent_id=agent_id,
                    session_id=session_id,
                )
        try:
            request = decode_request(operation, body, self._limits.max_json_depth)
        except LimitExceeded as exc:
            return InvalidRequest(
                400,
                "BAD_REQUEST",
                f"request body: {exc}",
                operation,
                site,
                pool=pool,
                agent_id=agent_id,
                session_id=session_id,
            )
        except RemoteProtocolError as exc:
            return InvalidRequest(
                400, "INVALID_FIELD", str(exc), operation, site, pool=pool, agent_id=agent_id, session_id=session_id
            )

        return RequestReceived(operation, site, pool, agent_id, session_id, token, request, app_context)

    def send_response(
        self,
        status: int,
        body: object = None,
        *,
        headers: Iterable[tuple[str, str]] = (),
        close: bool = False,
    ) -> bytes:
        """The bytes of a response to the request last returned by `next_event`.

        Args:
            status: the HTTP status.
            body: a model, or anything msgspec encodes as JSON; ``bytes`` are
                sent as they are.  None sends an empty body.  A
                `GetMessagesResponse` writes each message wrapped in an object
                keyed by its type's wire name, under ``getResponseTypes``.
            headers: extra headers; a ``Content-Type`` among them replaces the JSON one
                (for ``bytes`` that are not JSON, such as a page).
            close: ask the client to close the connection after this response.

        Raises:
            LocalProtocolError: no request is awaiting a response, or a header
                is invalid.
        """
        if not self._awaiting_response:
            raise LocalProtocolError("no request is awaiting a response")
        return self._respond(status, body, headers, close)

    def _respond(self, status: int, body: object, headers: Iterable[tuple[str, str]], close: bool) -> bytes:
        if body is None:
            payload = b""
        elif isinstance(body, bytes):
            payload = body
        else:
            payload = encode_response(body)
        headers = list(headers)
        # A Content-Type among ``headers`` (a page's HTML, say) replaces the JSON one: one per answer.
        given_type = any(name.lower() == "content-type" for name, _ in headers)
        header_list: list[tuple[str, str]] = [] if given_type else [("Content-Type", JSON_CONTENT_TYPE)]
        if status in (204, 304):
            # These have no body (RFC 9110 15.3.5, 15.4.5), and a 204 no
            # Content-Length (8.6).  Refused before h11 sends the head, else
            # h11 would fail on the body with the connection half answered.
            if payload:
                raise LocalProtocolError(f"a {status} response cannot carry a body")
        else:
            header_list.append(("Content-Length", str(len(payload))))
        header_list.extend(headers)
        if close:
            header_list.append(("Connection", "close"))
        conn = self._h11
        try:
            data = conn.send(h11.Response(status_code=status, headers=header_list, reason=_REASONS.get(status, b"")))
            assert data is not None
            if not self._head_only:  # h11 refuses a body after HEAD (Content-Length still says its size)
                data += conn.send(h11.Data(data=payload)) or b""
            data += conn.send(h11.EndOfMessage()) or b""
        except h11.LocalProtocolError as exc:
            raise LocalProtocolError(f"cannot send this response: {exc}") from exc
        self._awaiting_response = False
        self._head_only = False
        if conn.our_state is h11.DONE and conn.their_state is h11.DONE:
            conn.start_next_cycle()
            self._reader.begin(self._reader.buffered())  # pipelined bytes belong to the next request
        return data

    def send_error(self, status: int, code: str, message: str, *, close: bool = False) -> bytes:
        """An error response with the body ``{"exceptionCode": code, "message": message}``."""
        return self.send_response(status, ErrorBody(code, message), close=close)

    def send_error_for(self, error: RemoteProtocolError) -> bytes:
        """The response to a request that raised ``error`` in `next_event`, with
        ``Connection: close``; empty bytes if no response can be sent any more."""
        code = "LIMIT_EXCEEDED" if isinstance(error, LimitExceeded) else "BAD_REQUEST"
        try:
            return self._respond(error.error_status_hint, ErrorBody(code, str(error)), (), True)
        except LocalProtocolError:
            return b""


class ErrorBody(msgspec.Struct, frozen=True, rename="camel"):
    """An error answer's body, the fields Oracle's own sample reads.

    The one shape of every error a server here sends: `ServerConnection`'s
    own and the emulator's (``chatproto.emulator`` exports it).
    """

    exception_code: str
    message: str


def _identity_header(head: RequestHead, name: bytes) -> str | None:
    """The one value of header ``name``, checked as the client side checks it; None if absent.

    Raises:
        LocalProtocolError: the header is repeated, or holds a character a
            client may not send (the message names it, never the value).
    """
    text = one_header(head, name)
    # An empty value names no session: the application answers it as unknown.
    return text if name == b"authorization" or not text else check_header_id(name.decode("ascii"), text)


def _bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer`` header; None for none or another scheme."""
    if authorization is None or authorization[:7].lower() != "bearer ":
        return None
    token = authorization[7:].strip()
    return check_token(token) if token else None
