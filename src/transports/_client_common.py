"""What the three `AgentClient`s share, none of it protocol logic.

The URL, the session, the TLS context and the argument checks
(`ClientBase`); building a postMessage request and stamping its creation
time from the wall clock; turning the core's event into a response or an
`ApiError`; turning a backend's exception into a `TransportError`; and the
``poll`` helpers that see whether an idle socket was closed.  Each adapter
keeps only its connect, write and read calls and its pool.
"""

from __future__ import annotations

import select
import socket
import ssl
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import chatproto as cp

from ._errors import (
    ConnectError,
    ConnectTimeout,
    OutcomeUnknownError,
    OutcomeUnknownProtocolError,
    OutcomeUnknownTimeout,
)

#: Seconds a whole call may take (connect, write and read together).
DEFAULT_TIMEOUT = 10.0
#: Connections an async client opens at most (in use and idle together); the
#: sync client keeps at most this many idle.  A bot posts into a handful of
#: engagements at once, and the chat server is one host.
DEFAULT_MAX_CONNECTIONS = 10
#: Bytes asked for per read (httpcore's READ_NUM_BYTES).
READ_SIZE = 64 * 1024

_DEFAULT_PORTS = {"http": 80, "https": 443}


class Endpoint(NamedTuple):
    """Where to connect, parsed from the client's URL."""

    scheme: str
    #: The address to connect to (an IPv6 literal without brackets).
    host: str
    port: int
    #: The ``Host`` header: the host as written, with ``:port`` when not the default.
    host_header: str

    @property
    def tls(self) -> bool:
        return self.scheme == "https"

    def __str__(self) -> str:
        return f"{self.scheme}://{self.host_header}"


def parse_url(url: str) -> Endpoint:
    """The endpoint of an ``http://`` or ``https://`` URL with no path beyond ``/``.

    Raises:
        LocalProtocolError: another scheme, no host, a bad port, credentials,
            a path, a query or a fragment (the core builds the path itself).
    """
    if not isinstance(url, str):
        raise cp.LocalProtocolError(f"url must be a str, not {type(url).__name__}")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise cp.LocalProtocolError(f"url must start with http:// or https://, got {url!r}")
    if parts.username is not None or parts.password is not None:
        raise cp.LocalProtocolError("url may not carry credentials; pass token= instead")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise cp.LocalProtocolError(f"url must name only the server (the API path is built for you), got {url!r}")
    try:
        port = parts.port
    except ValueError as exc:
        raise cp.LocalProtocolError(f"url has an invalid port: {url!r}") from exc
    host = parts.hostname
    if not host:
        raise cp.LocalProtocolError(f"url has no host: {url!r}")
    default_port = _DEFAULT_PORTS[scheme]
    written_host = f"[{host}]" if ":" in host else host
    if port is None:
        port = default_port
    host_header = written_host if port == default_port else f"{written_host}:{port}"
    return Endpoint(scheme, host, port, host_header)


class ClientBase(ABC):
    """The constructor and the non-I/O methods every `AgentClient` shares.

    Args:
        url: ``https://host[:port]`` (or ``http://`` for loopback and tests).
        site: the fully qualified site name.
        agent_id: the agent account id (``X-AID``).
        session_id: the agent session id (``X-JSESSIONID``).
        pool: the ``pool`` query value; None leaves it out.
        token: a bearer token, if the server wants one.
        session: an existing `chatproto.AgentSession` to speak for, instead of
            ``site``/``agent_id``/``session_id``/``pool``/``token`` (its host
            is sent as ``Host``).
        timeout: seconds a whole call may take, connecting, writing and
            reading together; None waits forever.
        ssl_context: the TLS context for ``https://``; by default
            ``ssl.create_default_context()``: certificates and host names are
            verified, and SNI is sent.
        max_connections: the most connections open at once (async clients;
            further calls wait for a free one, within their timeout), or
            kept idle (sync client).
        limits: bounds on what the server may send (`chatproto.Limits`).
        clock: the wall clock in seconds since the epoch (``time.time``), read
            to fill ``time_created`` when a request leaves it unset.

    Raises:
        LocalProtocolError: a bad URL, a bad session value, or a bad argument.
    """

    def __init__(
        self,
        url: str,
        *,
        site: str | None = None,
        agent_id: str | int | None = None,
        session_id: str | None = None,
        pool: str | None = None,
        token: str | None = None,
        session: cp.AgentSession | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
        ssl_context: ssl.SSLContext | None = None,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        limits: cp.Limits | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._endpoint = endpoint = parse_url(url)
        if session is None:
            if site is None or agent_id is None:
                raise cp.LocalProtocolError("pass site= and agent_id= (and session_id=), or session=")
            session = cp.AgentSession(
                host=endpoint.host_header, site=site, agent_id=agent_id, session_id=session_id, pool=pool, token=token
            )
        elif not isinstance(session, cp.AgentSession):
            raise cp.LocalProtocolError(f"session must be an AgentSession, not {type(session).__name__}")
        elif any(value is not None for value in (site, agent_id, session_id, pool, token)):
            raise cp.LocalProtocolError("pass either session= or site=/agent_id=/session_id=/pool=/token=, not both")
        if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0):
            raise cp.LocalProtocolError(f"timeout must be a positive number of seconds or None, got {timeout!r}")
        if isinstance(max_connections, bool) or not isinstance(max_connections, int) or max_connections < 1:
            raise cp.LocalProtocolError(f"max_connections must be a positive int, got {max_connections!r}")
        if ssl_context is not None and not endpoint.tls:
            raise cp.LocalProtocolError("ssl_context was given for an http:// URL; use https://")
        if endpoint.tls and ssl_context is None:
            ssl_context = ssl.create_default_context()
        self._session = session
        self._timeout = None if timeout is None else float(timeout)
        self._ssl_context = ssl_context
        self._max_connections = max_connections
        self._limits = cp.Limits() if limits is None else limits
        self._clock = clock
        self._closed = False
        self._open_pool()

    @abstractmethod
    def _open_pool(self) -> None:
        """Set up the adapter's (empty) connection pool."""

    @property
    def session(self) -> cp.AgentSession:
        """The agent session; save its ``last_sequence_number`` to resume the numbering later."""
        return self._session

    @property
    def url(self) -> str:
        return str(self._endpoint)

    @property
    def timeout(self) -> float | None:
        return self._timeout

    @property
    def max_connections(self) -> int:
        return self._max_connections

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<{type(self).__module__}.{type(self).__name__} {self._endpoint} {state}>"

    def _new_connection(self) -> cp.ClientConnection:
        return cp.ClientConnection(self._session, limits=self._limits)

    def _post_message_request(
        self,
        body: str,
        *,
        destination_id: int,
        destination_type: cp.DestinationType,
        message_id: str | None,
        rich_text: bool | None,
        visibility: cp.Visibility | None,
        message_data_map: Mapping[str, str] | None,
        time_created: int | None,
        sequence_number: int | None,
    ) -> cp.PostMessageRequest:
        return cp.PostMessageRequest(
            body=body,
            destination_id=destination_id,
            destination_type=destination_type,
            message_data_map=None if message_data_map is None else dict(message_data_map),
            message_id=message_id,
            rich_text=rich_text,
            sequence_number=sequence_number,
            time_created=time_created,
            visibility=visibility,
        )

    def _now_ms(self) -> int:
        """The wall clock for the core's ``send``, which fills an unset ``time_created`` with it."""
        return int(self._clock() * 1000)


def expect_answer(event: cp.ClientEvent) -> cp.ResponseReceived | cp.ErrorReceived:
    """The event that ends an exchange.

    The core reports a close mid-exchange as `PeerClosedEarly`; this only
    keeps that promise visible to the type checker.
    """
    if type(event) is cp.ConnectionClosed:
        raise cp.PeerClosedEarly("the server closed the connection before answering")
    return event  # type: ignore[return-value]


def result_of(answer: cp.ResponseReceived | cp.ErrorReceived) -> Any:
    """The typed response, or the `ApiError` the server's answer means."""
    if type(answer) is cp.ErrorReceived:
        raise cp.ApiError.from_event(answer)
    return answer.response  # type: ignore[union-attr]


def describe(exc: BaseException) -> str:
    """A one-line account of ``exc`` and the causes it wraps (anyio's and trio's
    stream errors are often empty, with the OSError or SSLError as their cause)."""
    parts: list[str] = []
    seen: BaseException | None = exc
    while seen is not None and len(parts) < 4:
        text = str(seen)
        parts.append(f"{type(seen).__name__}: {text}" if text else type(seen).__name__)
        seen = seen.__cause__ or seen.__context__
    return " <- ".join(parts)


def connect_error(endpoint: Endpoint, exc: BaseException | None, *, timed_out: bool) -> ConnectError:
    """The error for a call that failed before any byte of its request was written."""
    if timed_out:
        return ConnectTimeout(f"timed out before any byte was sent to {endpoint}")
    return ConnectError(f"cannot connect to {endpoint}: {describe(exc) if exc else 'unknown error'}")


def outcome_unknown(request: cp.Request | None, exc: BaseException | None, *, timed_out: bool) -> OutcomeUnknownError:
    """The error for a call that failed after bytes of its request were written."""
    what = _name(request)
    if isinstance(exc, cp.RemoteProtocolError):
        error: OutcomeUnknownError = OutcomeUnknownProtocolError(
            f"{what}: the server broke the protocol after the request was written, so it may have been acted on: "
            f"{describe(exc)}",
            request=request,
        )
        error.error_status_hint = exc.error_status_hint  # type: ignore[attr-defined]
        return error
    if timed_out:
        return OutcomeUnknownTimeout(
            f"{what}: timed out waiting for the response; the request may have been acted on", request=request
        )
    cause = describe(exc) if exc else "unknown error"
    return OutcomeUnknownError(
        f"{what}: the connection failed after the request was written, so it may have been acted on: {cause}",
        request=request,
    )


def _name(request: cp.Request | None) -> str:
    if request is None:
        return "request"
    number = getattr(request, "sequence_number", None)
    kind = type(request).__name__
    return kind if number is None else f"{kind} #{number}"


def is_readable(sock: socket.socket) -> bool:
    """Whether an idle socket has something to read: data, end of stream, or an error.

    An idle keep-alive connection has nothing to say; if it is readable, the
    server closed it (or broke the protocol), and it must not be reused.
    A socket already closed counts as readable.
    """
    return sock.fileno() < 0 or wait_socket(sock, write=False, timeout=0.0)


def wait_socket(sock: socket.socket, *, write: bool, timeout: float | None) -> bool:
    """Wait until ``sock`` is writable (or readable); False if ``timeout`` seconds passed first."""
    if HAS_POLL:
        poller = select.poll()
        poller.register(sock, select.POLLOUT if write else select.POLLIN)
        return bool(poller.poll(None if timeout is None else timeout * 1000))
    # Windows has no poll.
    waiting = [sock]
    ready = select.select([], waiting, [], timeout) if write else select.select(waiting, [], [], timeout)
    return any(ready)


HAS_POLL = hasattr(select, "poll")
