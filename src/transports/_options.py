"""The constructors every `AgentClient` shares: its arguments checked, defaulted and kept.

A client speaks for one agent session on one chat server.  Made with the
session's values (``AgentClient(url, site=, agent_id=, session_id=)``) it
has both from the start; made with `ClientBase.for_site` it has only the
B2C site and the account until `log_on` has asked the site where the chat
server is and opened the session there.
"""

from __future__ import annotations

import math
import ssl
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import NamedTuple, Self, TypedDict, Unpack

import chatproto as cp

from ._clock import WALL_CLOCK
from ._url import Endpoint, parse_url

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
#: Seconds a getMessages may take, its read deadline: above the 30 s the
#: server holds a poll with nothing to deliver [D], with room for a slow network.
DEFAULT_POLL_TIMEOUT = 45.0
#: Polls that may fail in a row (transport failures, 5xx) before `messages` raises:
#: with the backoff below, about half a minute of an unreachable server.
DEFAULT_POLL_MAX_FAILURES = 6
#: Seconds `messages` waits before polling again after a first failure; doubled per failure in a row.
DEFAULT_POLL_BACKOFF = 0.5
#: The most seconds `messages` waits between two polls.
DEFAULT_POLL_BACKOFF_MAX = 15.0


class ClientOptions(TypedDict, total=False):
    """The keyword arguments every way of making a client takes; see `ClientBase` for each."""

    timeout: float | None
    poll_timeout: float
    ssl_context: ssl.SSLContext | None
    max_connections: int
    limits: cp.Limits | None
    clock: Callable[[], float]
    keepalive_expiry: float


class SiteLogon(NamedTuple):
    """What `log_on` needs of a client made with `ClientBase.for_site`."""

    #: The B2C site: where serviceSettings and agentTokens are, and whose scheme the chat server gets.
    endpoint: Endpoint
    site: cp.SiteSession
    agent_id: str | int


_NOT_LOGGED_ON = "the client has no agent session yet: call log_on() first"


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
        poll_timeout: seconds a getMessages may take (`get_messages`, and
            each poll of `messages`), in place of ``timeout``: the server
            holds a poll up to 30 s, so keep it above that.
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

    #: The chat server (the site, for a client of `for_site` before `log_on`).
    _endpoint: Endpoint
    #: The agent session: None for a client of `for_site` until `log_on`.
    _session: cp.AgentSession | None
    #: The site and account of a client made with `for_site`, else None.
    _site_logon: SiteLogon | None

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
        poll_timeout: float = DEFAULT_POLL_TIMEOUT,
    ) -> None:
        endpoint = parse_url(url)
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
        self._configure(
            endpoint,
            timeout=timeout,
            poll_timeout=poll_timeout,
            ssl_context=ssl_context,
            max_connections=max_connections,
            limits=limits,
            clock=clock,
            keepalive_expiry=keepalive_expiry,
        )
        self._site_logon = None
        self._attach(endpoint, session)

    @classmethod
    def for_site(
        cls, site_url: str, *, username: str, password: str, agent_id: str | int, **options: Unpack[ClientOptions]
    ) -> Self:
        """A client that logs on by itself, through the B2C site at ``site_url``: call `log_on` first.

        `log_on` asks the site where the chat server is (serviceSettings),
        gets a bearer token for the account (agentTokens) and opens the
        agent session there (createAutomatedAgentSession).  Every later
        call goes to the chat server serviceSettings named (its ``domain``
        and ``port``), with the scheme of ``site_url``: ``https://`` for a
        real site, ``http://`` for the emulator, which names itself.

        Args:
            site_url: ``https://your-site.custhelp.com`` (or ``http://`` for
                loopback and tests).
            username: the agent's B2C user name (HTTP Basic on the site calls).
            password: its password; never shown in a repr or an error.
            agent_id: the agent account id, sent as ``X-AID``.
            **options: as for the constructor (``timeout``, ``poll_timeout``,
                ``ssl_context``, ...); ``ssl_context`` serves the site and
                the chat server alike.

        Raises:
            LocalProtocolError: a bad URL, user name, password or option.
        """
        endpoint = parse_url(site_url)
        if isinstance(agent_id, bool) or not isinstance(agent_id, str | int):
            raise cp.LocalProtocolError(f"agent_id must be a str or an int, not {type(agent_id).__name__}")
        client = cls.__new__(cls)
        client._configure(endpoint, **options)
        site = cp.SiteSession(host=endpoint.host_header, username=username, password=password)
        client._site_logon = SiteLogon(endpoint, site, agent_id)
        client._endpoint = endpoint
        client._session = None
        return client

    def _configure(
        self,
        endpoint: Endpoint,
        *,
        timeout: float | None = DEFAULT_TIMEOUT,
        poll_timeout: float = DEFAULT_POLL_TIMEOUT,
        ssl_context: ssl.SSLContext | None = None,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        limits: cp.Limits | None = None,
        clock: Callable[[], float] = WALL_CLOCK,
        keepalive_expiry: float = DEFAULT_KEEPALIVE_EXPIRY,
    ) -> None:
        """Check and keep the options; ``endpoint`` is the first server the client speaks to."""
        if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0):
            raise cp.LocalProtocolError(f"timeout must be a positive number of seconds or None, got {timeout!r}")
        if (
            isinstance(poll_timeout, bool)
            or not isinstance(poll_timeout, int | float)
            or not 0 < poll_timeout < math.inf
        ):
            raise cp.LocalProtocolError(f"poll_timeout must be a positive number of seconds, got {poll_timeout!r}")
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
        self._timeout = None if timeout is None else float(timeout)
        self._ssl_context = ssl_context
        self._max_connections = max_connections
        self._keepalive_expiry = float(keepalive_expiry)
        self._limits = cp.Limits() if limits is None else limits
        self._clock = clock
        self._poll_timeout = float(poll_timeout)

    def _attach(self, endpoint: Endpoint, session: cp.AgentSession) -> None:
        """Speak for ``session`` on the chat server at ``endpoint`` from now on, on new pools."""
        self._endpoint = endpoint
        self._session = session
        self._open_pool()

    @abstractmethod
    def _open_pool(self) -> None:
        """Set up the client's (empty) connection pool from the options above."""

    @property
    def session(self) -> cp.AgentSession:
        """The agent session; save its ``last_sequence_number`` to resume the numbering later.

        Raises:
            LocalProtocolError: a client made with `for_site` has none until `log_on`.
        """
        session = self._session
        if session is None:
            raise cp.LocalProtocolError(_NOT_LOGGED_ON)
        return session

    @property
    def url(self) -> str:
        return str(self._endpoint)

    @property
    def timeout(self) -> float | None:
        return self._timeout

    @property
    def poll_timeout(self) -> float:
        return self._poll_timeout

    @property
    def max_connections(self) -> int:
        return self._max_connections

    @property
    def keepalive_expiry(self) -> float:
        return self._keepalive_expiry
