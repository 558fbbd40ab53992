"""`Emulator`: the chat server's state (sites, agent sessions, engagements, the
messages posted into them) and its answers, one request at a time.

What it answers, and why it reads no clock, is told in the package's
docstring.  Requests outside the agent API go to the control surface
(``_control``), which calls back the methods here.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from .._codec import encode
from .._enums import DestinationType
from .._errors import LocalProtocolError
from .._events import HTTPRequestReceived, InvalidRequest, RequestReceived
from .._identity import check_header_id, check_pool, check_site
from .._post_message import ChatPostResult, PostMessageRequest, PostMessageResponse
from ._control import handle_control
from ._defaults import (
    DEFAULT_MAX_ENGAGEMENTS,
    DEFAULT_MAX_MESSAGES,
    DEFAULT_MAX_SESSIONS,
    DEFAULT_MAX_STORED_BYTES,
    DEFAULT_POOL,
    DEFAULT_SITES,
)
from ._faults import NO_FAULTS, Fault, FaultPlan
from ._types import EmulatorError, Reply, SessionInfo, error_reply

_MAX_INT64 = 2**63 - 1


class _Session:
    __slots__ = ("agent_id", "client_id", "pool", "session_id", "site")

    def __init__(self, site: str, agent_id: str, session_id: str, pool: str, client_id: int) -> None:
        self.site = site
        self.agent_id = agent_id
        self.session_id = session_id
        self.pool = pool
        self.client_id = client_id

    def info(self) -> SessionInfo:
        return SessionInfo(self.site, self.agent_id, self.session_id, self.pool)


class _Engagement:
    __slots__ = ("concluded", "messages", "session_id")

    def __init__(self, session_id: str) -> None:
        self.session_id = session_id
        self.concluded = False
        self.messages: list[PostMessageRequest] = []


def _counting_session_ids() -> Callable[[], str]:
    counter = itertools.count(1)
    return lambda: f"node0emulator{next(counter):08d}"


class Emulator:
    """A chat server's state and behaviour, driven one request at a time.

    It has one owner and takes no locks: the server loop calls it from its
    event loop only (and ``transports.emulator.BackgroundEmulator`` carries
    control calls from other threads into that loop).

    Args:
        sites: the fqSiteNames served; requests to any other site are 404.
        pool: the pool new sessions are served by.
        session_id_factory: returns a new session id on each call; the default
            counts (``node0emulator00000001``, ...), which is predictable: pass
            random ids when serving over a network.
        faults: faults to inject from the start (none by default).
        max_sessions, max_engagements, max_messages: capacity bounds, so a
            long-running emulator cannot grow without limit.
        max_stored_bytes: what it may hold in bytes, counted as the JSON size
            of each message recorded and each session open (a post's body is
            up to 1 MiB, so a bound on the count alone leaves memory unbounded).
            A post that does not fit is answered 503 ``CAPACITY_EXCEEDED``
            naming the bound, and nothing is recorded; so is a session.

    Raises:
        LocalProtocolError: no sites, an invalid site or pool name, or a bound below 1.
    """

    def __init__(
        self,
        *,
        sites: tuple[str, ...] = DEFAULT_SITES,
        pool: str = DEFAULT_POOL,
        session_id_factory: Callable[[], str] | None = None,
        faults: FaultPlan = NO_FAULTS,
        max_sessions: int = DEFAULT_MAX_SESSIONS,
        max_engagements: int = DEFAULT_MAX_ENGAGEMENTS,
        max_messages: int = DEFAULT_MAX_MESSAGES,
        max_stored_bytes: int = DEFAULT_MAX_STORED_BYTES,
    ) -> None:
        if not sites:
            raise LocalProtocolError("an emulator serves at least one site")
        self._sites = tuple(check_site(site) for site in sites)
        self._pool = check_pool(pool)
        for name, bound in (
            ("max_sessions", max_sessions),
            ("max_engagements", max_engagements),
            ("max_messages", max_messages),
            ("max_stored_bytes", max_stored_bytes),
        ):
            if type(bound) is not int or bound < 1:
                raise LocalProtocolError(f"{name} must be a positive int, got {bound!r}")
        self._max_sessions = max_sessions
        self._max_engagements = max_engagements
        self._max_messages = max_messages
        self._max_stored_bytes = max_stored_bytes
        self._new_session_id = session_id_factory or _counting_session_ids()
        self._sessions: dict[str, _Session] = {}
        self._engagements: dict[int, _Engagement] = {}
        self._next_engagement_id = 1
        self._message_count = 0
        self._stored_bytes = 0
        self._faults = NO_FAULTS
        self._fault_counter = 0
        self.set_faults(faults)

    @property
    def sites(self) -> tuple[str, ...]:
        """The fqSiteNames served; the first is the default for new sessions."""
        return self._sites

    @property
    def message_count(self) -> int:
        """How many messages are recorded, over all engagements."""
        return self._message_count

    @property
    def stored_bytes(self) -> int:
        """How many bytes are held: the JSON size of every message recorded and every session open."""
        return self._stored_bytes

    # -- The control calls (also served over HTTP under /emulator/) ---------------------------

    def open_session(
        self, agent_id: str | int, *, site: str | None = None, session_id: str | None = None
    ) -> SessionInfo:
        """Open an agent session for ``agent_id`` (``X-AID``) on ``site`` (the first site by default).

        ``session_id`` None takes a new id from the session id factory.

        Raises:
            EmulatorError: 400 for an invalid agent id, site or session id, or a
                site not served; 409 for a session id already open; 503 when
                ``max_sessions`` are open or the session does not fit in
                ``max_stored_bytes``.
        """
        if type(agent_id) is int:
            agent_id = str(agent_id)
        agent = _header_id("agentId", agent_id)
        if site is None:
            site = self._sites[0]
        elif site not in self._sites:
            raise EmulatorError(400, "INVALID_FIELD", f"site: {site!r} is not served here (sites: {self._sites})")
        if len(self._sessions) >= self._max_sessions:
            raise EmulatorError(503, "CAPACITY_EXCEEDED", f"max_sessions ({self._max_sessions}) are open")
        if session_id is None:
            session_id = self._new_session_id()
        session_id = _header_id("sessionId", session_id)
        if session_id in self._sessions:
            raise EmulatorError(409, "CONFLICT", "sessionId: a session with this id is already open")
        session = _Session(site, agent, session_id, self._pool, len(self._sessions) + 1)
        info = session.info()
        size = len(encode(info))
        if self._stored_bytes + size > self._max_stored_bytes:
            raise EmulatorError(503, "CAPACITY_EXCEEDED", self._over_budget("session", size))
        self._sessions[session_id] = session
        self._stored_bytes += size
        return info

    def session(self, session_id: str) -> SessionInfo:
        """The session ``session_id`` as it is now (its pool may have changed).

        Raises:
            EmulatorError: 404 for an unknown session.
        """
        session = self._sessions.get(session_id)
        if session is None:
            raise EmulatorError(404, "NOT_FOUND", "no agent session with this id")
        return session.info()

    def start_engagement(self, session_id: str, *, engagement_id: int | None = None) -> int:
        """Start an engagement assigned to the session ``session_id``; its id.

        Engagement ids count up from 1; ``engagement_id`` picks one instead
        (say 27, to replay the reference's example as it is written).

        Raises:
            EmulatorError: 400 for an unknown session or an engagement id out of
                range; 409 for an engagement id in use; 503 when
                ``max_engagements`` exist.
        """
        if session_id not in self._sessions:
            raise EmulatorError(400, "INVALID_FIELD", "sessionId: no agent session with this id")
        if engagement_id is None:
            engagement_id = self._next_engagement_id
        elif type(engagement_id) is not int or not 1 <= engagement_id <= _MAX_INT64:
            raise EmulatorError(
                400, "INVALID_FIELD", f"engagementId must be an int from 1 to 2**63-1, not {engagement_id!r}"
            )
        if engagement_id in self._engagements:
            raise EmulatorError(409, "CONFLICT", f"engagementId: engagement {engagement_id} already exists")
        if len(self._engagements) >= self._max_engagements:
            raise EmulatorError(503, "CAPACITY_EXCEEDED", f"max_engagements ({self._max_engagements}) exist")
        self._engagements[engagement_id] = _Engagement(session_id)
        self._next_engagement_id = max(self._next_engagement_id, engagement_id + 1)
        return engagement_id

    def conclude_engagement(self, engagement_id: int) -> None:
        """End an engagement: later posts into it fail with ``CONFLICT``.  Idempotent.

        Raises:
            EmulatorError: 404 for an unknown engagement.
        """
        self._engagement(engagement_id).concluded = True

    def messages(self, engagement_id: int) -> list[PostMessageRequest]:
        """The messages recorded in an engagement, in the order they were accepted.

        Each is the request as posted; encoded, it has the fields that were
        posted (with their camelCase wire names) and no others.

        Raises:
            EmulatorError: 404 for an unknown engagement.
        """
        return list(self._engagement(engagement_id).messages)

    @property
    def faults(self) -> FaultPlan:
        """The faults being injected."""
        return self._faults

    def set_faults(self, faults: FaultPlan | None) -> None:
        """Inject ``faults`` from now on (None for none), counting requests from 0 again,
        so the same plan set at the same point gives the same faults.

        Raises:
            EmulatorError: ``faults`` is not a `FaultPlan`.
        """
        if faults is None:
            faults = NO_FAULTS
        if not isinstance(faults, FaultPlan):
            raise EmulatorError(400, "INVALID_FIELD", f"faults must be a FaultPlan, not {type(faults).__name__}")
        self._faults = faults
        self._fault_counter = 0

    # -- Requests ------------------------------------------------------------------------------

    def handle(self, event: RequestReceived | InvalidRequest | HTTPRequestReceived, *, now_ms: int) -> Reply:
        """What to answer to one request from `ServerConnection.next_event`.

        Args:
            event: the request.
            now_ms: the time it arrived, in epoch milliseconds.
        """
        if isinstance(event, RequestReceived):
            return self._agent_request(event, now_ms)
        if isinstance(event, InvalidRequest):
            if event.site is not None and event.site not in self._sites:
                return _unknown_site(event.site)
            allow = (event.operation.method,) if event.status == 405 and event.operation is not None else ()
            return error_reply(event.status, event.code, event.message, allow=allow)
        return handle_control(self, event)

    def _agent_request(self, event: RequestReceived, now_ms: int) -> Reply:
        if event.site not in self._sites:
            return _unknown_site(event.site)
        if event.operation.name != "postMessage":
            return error_reply(404, "NOT_FOUND", f"the emulator does not serve {event.operation.name}")
        session = self._sessions.get(event.session_id or "")
        refusal = _refusal(event, session)
        if refusal is not None:
            return error_reply(403, "ACCESS_DENIED", refusal)
        assert session is not None
        request = event.request
        assert isinstance(request, PostMessageRequest)
        return self._post_message(session, request, now_ms)

    def _post_message(self, session: _Session, request: PostMessageRequest, now_ms: int) -> Reply:
        if request.destination_type is not DestinationType.ENGAGEMENT:
            return error_reply(
                400,
                "INVALID_FIELD",
                f"destinationType: the emulator delivers only to ENGAGEMENT, not {request.destination_type.value}",
            )
        engagement = self._engagements.get(request.destination_id)
        if engagement is None or engagement.session_id != session.session_id:
            return error_reply(
                400,
                "INVALID_FIELD",
                f"destinationId: no engagement {request.destination_id} is assigned to this session",
            )
        if engagement.concluded:
            return error_reply(
                409, "CONFLICT", f"the lead participant has left the engagement {request.destination_id}"
            )
        if self._message_count >= self._max_messages:
            return error_reply(500, "UNKNOWN_EXCEPTION", f"the emulator holds its max_messages ({self._max_messages})")
        # Charged as it would be given back (GET .../messages): the fields that were posted.
        size = len(encode(request))
        if self._stored_bytes + size > self._max_stored_bytes:
            return error_reply(503, "CAPACITY_EXCEEDED", self._over_budget("message", size))

        fault = Fault.NONE
        if self._faults.active:
            fault = self._faults.fault_for(self._fault_counter)
            self._fault_counter += 1
        if fault is Fault.CLOSE_BEFORE_RECORD:
            return Reply(drop=True)
        if fault is Fault.SERVER_ERROR:
            return error_reply(500, "UNKNOWN_EXCEPTION", "an injected server error; the message was not recorded")
        if fault is Fault.POOL_CHANGE:
            moved = _moved_pool(session.pool)
            self._stored_bytes += len(moved) - len(session.pool)  # the session's charge follows its pool
            session.pool = moved
            return error_reply(403, "ACCESS_DENIED", f"the agent session moved to pool {session.pool}")

        engagement.messages.append(request)
        self._message_count += 1
        self._stored_bytes += size
        if fault is Fault.CLOSE_AFTER_RECORD:
            return Reply(drop=True)
        response = _post_message_response(session, request, now_ms)
        if fault is Fault.DELAY:
            return Reply(body=response, delay_ms=self._faults.delay_ms)
        return Reply(body=response)

    def _over_budget(self, what: str, size: int) -> str:
        return (
            f"the emulator holds its max_stored_bytes ({self._max_stored_bytes}): "
            f"{self._stored_bytes} bytes are held, and this {what} needs {size} more"
        )

    def _engagement(self, engagement_id: int) -> _Engagement:
        engagement = self._engagements.get(engagement_id)
        if engagement is None:
            raise EmulatorError(404, "NOT_FOUND", f"no engagement {engagement_id}")
        return engagement


def _refusal(event: RequestReceived, session: _Session | None) -> str | None:
    """Why the request may not act for the session it names (a 403), or None if it may."""
    if event.session_id is None:
        return "the X-JSESSIONID header is missing"
    if event.agent_id is None:
        return "the X-AID header is missing"
    if session is None or session.site != event.site:
        return "the agent session identifier is unknown"
    if event.agent_id != session.agent_id:
        return "X-AID: this agent does not own the session"
    if event.pool is not None and event.pool != session.pool:
        return f"pool: the agent session is not served by pool {event.pool}"
    return None


def _post_message_response(session: _Session, request: PostMessageRequest, now_ms: int) -> PostMessageResponse:
    sequence = request.sequence_number
    return PostMessageResponse(
        chat_post_result=ChatPostResult(client_reset=0),
        chat_system_error=None,
        client_send_time=request.time_created if request.time_created is not None else now_ms,
        service_start_time=now_ms,
        service_finish_time=now_ms,
        session_id=session.session_id,
        client_id=session.client_id,
        client_id_string=str(session.client_id),
        sequence_number=sequence,
        sequence_number_string=None if sequence is None else str(sequence),
    )


def _moved_pool(pool: str) -> str:
    """Another pool for a session: the node number after the colon goes up (``297:1`` -> ``297:2``)."""
    cluster, colon, node = pool.rpartition(":")
    if colon and node.isdigit():
        return f"{cluster}:{int(node) + 1}"
    return f"{pool}:1"


def _unknown_site(site: str) -> Reply:
    return error_reply(404, "NOT_FOUND", f"unknown site {site!r}")


def _header_id(field: str, value: object) -> str:
    try:
        return check_header_id(field, value)
    except LocalProtocolError as exc:
        raise EmulatorError(400, "INVALID_FIELD", str(exc)) from exc
