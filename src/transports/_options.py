"""The constructor every `AgentClient` shares: its arguments checked, defaulted and kept."""

from __future__ import annotations

import math
import ssl
from abc import ABC, abstractmethod
from collections.abc import Callable

import chatproto as cp

from ._clock import WALL_CLOCK
from ._url import parse_url

#: Seconds a whole call may take (connect, write and read together).
DEFAULT_TIMEOUT = 10.0
#: Connections an async client opens at most (in use and idle together); the
#: sync client keeps at most this many idle.  A bot posts into a handful of
#: engagements at once, and the chat server is one host.
DEFAULT_MAX_CONNECTIONS = 10
#: Seconds an idle keep-alive connection stays in the pool.  Servers close
#: the connections they keep idle after a timeout of their own, and one that
#: closes a connection just as the client reuses it fails that request with
#: no answer.  The shortest common default is Apache httpd's 5 s (nginx 75 s,
#: Tomcat 20 s, most load balancers 60 s or more); a second less leaves room
#: for the network and for the server's clock starting before ours.
DEFAULT_KEEPALIVE_EXPIRY = 4.0


class ClientBase(ABC):
    """The constructor and the read-only views every `AgentClient` shares.

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
        keepalive_expiry: seconds an idle connection is kept for reuse; one
            idle longer is closed instead of reused (0: none is reused).
            Keep it below the server's keep-alive timeout.
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
        clock: Callable[[], float] = WALL_CLOCK,
        keepalive_expiry: float = DEFAULT_KEEPALIVE_EXPIRY,
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
        if (
            isinstance(keepalive_expiry, bool)
            or not isinstance(keepalive_expiry, int | float)
            or not 0 <= keepalive_expiry < math.inf
        ):
            raise cp.LocalProtocolError(
                f"keepalive_expiry must be a number of seconds, 0 or more, got {keepalive_expiry!r}"
            )
        if ssl_context is not None and not endpoint.tls:
            raise cp.LocalProtocolError("ssl_context was given for an http:// URL; use https://")
        if endpoint.tls and ssl_context is None:
            ssl_context = ssl.create_default_context()
        self._session = session
        self._timeout = None if timeout is None else float(timeout)
        self._ssl_context = ssl_context
        self._max_connections = max_connections
        self._keepalive_expiry = float(keepalive_expiry)
        self._limits = cp.Limits() if limits is None else limits
        self._clock = clock
        self._open_pool()

    @abstractmethod
    def _open_pool(self) -> None:
        """Set up the client's (empty) connection pool from the options above."""

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

    @property
    def keepalive_expiry(self) -> float:
        return self._keepalive_expiry
