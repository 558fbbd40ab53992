"""`Emulator`: one emulated chat server, driven one request (or control call) at a time.

It ties the rooms together: the state and its rules (``_store``), the agent
operations (``_agent``), the site calls (``_site``) and the control surface
(``_control``), whose routes call the methods here.  What it answers, and
why it reads no clock, is told in the package's docstring.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping

from .._errors import LocalProtocolError
from .._events import HTTPRequestReceived, InvalidRequest, RequestReceived, SiteRequestReceived
from .._identity import check_pool, check_site
from .._post_message import PostMessageRequest
from . import _messages
from ._agent import AgentApi, header_id
from ._control import handle_control
from ._defaults import (
    DEFAULT_MAX_ENGAGEMENTS,
    DEFAULT_MAX_MESSAGES,
    DEFAULT_MAX_SESSIONS,
    DEFAULT_MAX_STORED_BYTES,
    DEFAULT_POLL_HOLD_MS,
    DEFAULT_POOL,
    DEFAULT_QUEUE_ID,
    DEFAULT_SITES,
)
from ._faults import NO_FAULTS, FaultPlan
from ._page import PAGE_FILES, EndUserView, Overview, PageViews
from ._serving import request_line
from ._site import handle_site
from ._store import Engagement, Session, Store, next_pool
from ._types import (
    DEFAULT_ACCOUNT,
    AgentAccount,
    EmulatorError,
    EngagementState,
    EngagementStatus,
    Reply,
    SessionInfo,
    SessionState,
    TranscriptEntry,
    error_reply,
)

_MAX_INT64 = 2**63 - 1
#: The longest hold a poll may be given: ten minutes is past any client's read timeout.
MAX_POLL_HOLD_MS = 600_000
#: The end user's properties a new engagement may start with, keyword -> property name.
_END_USER_FIELDS = (
    ("first_name", "FIRST_NAME"),
    ("last_name", "LAST_NAME"),
    ("email", "EMAIL"),
    ("question", "QUESTION"),
)


def _counting(prefix: str) -> Callable[[], str]:
    counter = itertools.count(1)
    return lambda: f"{prefix}{next(counter):08d}"


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
        token_factory: returns a new bearer token for agentTokens on each call;
            the default counts too (``emulator-token-00000001``, ...).
        faults: faults to inject from the start (none by default).
        accounts: the B2C accounts registered from the start (`DEFAULT_ACCOUNT`).
        strict: also refuse what a careless bot does though a real server may
            allow it: a ``sequenceNumber`` that does not increase on the
            session's last one (400), a post to an engagement never offered to
            this very session (400), a second poll while one is held (409).
        poll_hold_ms: how long a getMessages poll is held when nothing is
            queued for its session (the documented 30 s by default).
        max_sessions, max_engagements, max_messages: capacity bounds, so a
            long-running emulator cannot grow without limit.
        max_stored_bytes: what it may hold in bytes, counted as the JSON size
            of each thing held (sessions, accounts, tokens, posts, transcript
            entries, messages waiting for a poll): a post's body is up to
            1 MiB, so a bound on the count alone leaves memory unbounded.  A
            post or control call that does not fit is answered 503
            ``CAPACITY_EXCEEDED`` naming the bound, and nothing is kept.

    Raises:
        LocalProtocolError: no sites, an invalid site or pool name, a bound below 1, or a
            hold out of range.
    """

    def __init__(
        self,
        *,
        sites: tuple[str, ...] = DEFAULT_SITES,
        pool: str = DEFAULT_POOL,
        session_id_factory: Callable[[], str] | None = None,
        token_factory: Callable[[], str] | None = None,
        faults: FaultPlan = NO_FAULTS,
        accounts: tuple[AgentAccount, ...] = (DEFAULT_ACCOUNT,),
        strict: bool = False,
        poll_hold_ms: int = DEFAULT_POLL_HOLD_MS,
        max_sessions: int = DEFAULT_MAX_SESSIONS,
        max_engagements: int = DEFAULT_MAX_ENGAGEMENTS,
        max_messages: int = DEFAULT_MAX_MESSAGES,
        max_stored_bytes: int = DEFAULT_MAX_STORED_BYTES,
    ) -> None:
        if not sites:
            raise LocalProtocolError("an emulator serves at least one site")
        self._sites = tuple(check_site(site) for site in sites)
        for name, bound in (
            ("max_sessions", max_sessions),
            ("max_engagements", max_engagements),
            ("max_messages", max_messages),
            ("max_stored_bytes", max_stored_bytes),
        ):
            if type(bound) is not int or bound < 1:
                raise LocalProtocolError(f"{name} must be a positive int, got {bound!r}")
        if type(poll_hold_ms) is not int or not 0 <= poll_hold_ms <= MAX_POLL_HOLD_MS:
            raise LocalProtocolError(f"poll_hold_ms must be an int from 0 to {MAX_POLL_HOLD_MS}, got {poll_hold_ms!r}")
        self._max_engagements = max_engagements
        self._store = Store(max_stored_bytes, token_factory or _counting("emulator-token-"))
        self._api = AgentApi(
            self._store,
            pool=check_pool(pool),
            new_session_id=session_id_factory or _counting("node0emulator"),
            max_sessions=max_sessions,
            max_messages=max_messages,
            strict=bool(strict),
            poll_hold_ms=poll_hold_ms,
        )
        self._next_engagement_id = 1
        self._address: tuple[str, int] | None = None
        # The time of the last request: what a control call without ``now_ms`` is stamped with.
        self._now_ms = 0
        self._page = PageViews(self._store, self._store.new_poll_id)
        # The access-log line of each held agent poll, shown in the side panel once it is answered.
        self._held_lines: dict[int, str] = {}
        for account in accounts:
            self.register_agent(account.username, account.password, account.agent_id, site=account.site)
        self.set_faults(faults)

    @property
    def sites(self) -> tuple[str, ...]:
        """The fqSiteNames served; the first is the default for new sessions."""
        return self._sites

    @property
    def strict(self) -> bool:
        """Whether the strict refusals apply (see the class's docstring)."""
        return self._api.strict

    @property
    def poll_hold_ms(self) -> int:
        """How long a poll with nothing to deliver is held, in milliseconds."""
        return self._api.poll_hold_ms

    @property
    def message_count(self) -> int:
        """How many agent posts are recorded, over all engagements."""
        return self._store.message_count

    @property
    def stored_bytes(self) -> int:
        """How many bytes are held (see ``max_stored_bytes``)."""
        return self._store.stored_bytes

    # -- What the server loop tells it ------------------------------------------------------------

    def set_address(self, domain: str, port: int) -> None:
        """The address the emulator is served on, which serviceSettings names (the server loop
        calls this once it listens).  Until it is called, serviceSettings names the request's ``Host``."""
        self._address = (domain, port)

    def set_wake_listener(self, listener: Callable[[int], None] | None) -> None:
        """Call ``listener(poll_id)`` whenever a held poll can be answered (see `Reply.hold`).

        It is called in the middle of a request or control call: it must only take
        note (cancel a wait, set an event), not call back into the emulator.
        """
        self._store.wake = listener

    def set_page_files(self, files: Mapping[str, bytes]) -> None:
        """The chat page's files, by path (``/``, ``/page.css``, ``/page.js``: see `page_file`);
        the server loop reads them from its package and hands them over, since the core reads
        no files.  Until it is called the page's paths are 404."""
        unknown = set(files) - set(PAGE_FILES)
        if unknown:
            raise LocalProtocolError(f"not a path of the chat page: {sorted(unknown)} (paths: {sorted(PAGE_FILES)})")
        self._page.files = dict(files)

    # -- Accounts ---------------------------------------------------------------------------------

    def register_agent(
        self, username: str, password: str, agent_id: str | int, *, site: str | None = None
    ) -> AgentAccount:
        """Register a B2C account for the site calls: its sessions speak for ``agent_id`` on
        ``site`` (the first site by default).  Registering a username again replaces its
        account, and the tokens issued for the old one lapse.

        Raises:
            EmulatorError: 400 for an empty username or password, an invalid agent id, or a
                site not served; 503 when the accounts do not fit.
        """
        if type(agent_id) is int:
            agent_id = str(agent_id)
        agent = header_id("agentId", agent_id)
        for field, value in (("username", username), ("password", password)):
            if not isinstance(value, str) or not value:
                raise EmulatorError(400, "INVALID_FIELD", f"{field}: a non-empty string is required")
        if ":" in username:
            raise EmulatorError(400, "INVALID_FIELD", "username: HTTP Basic credentials cannot hold a ':' in it")
        account = AgentAccount(username, password, agent, self._site(site))
        self._store.register(account)
        return account

    @property
    def accounts(self) -> tuple[AgentAccount, ...]:
        """The registered accounts, in the order they were registered."""
        return tuple(account for account, _ in self._store.accounts.values())

    # -- Sessions ---------------------------------------------------------------------------------

    def open_session(
        self, agent_id: str | int, *, site: str | None = None, session_id: str | None = None
    ) -> SessionInfo:
        """Open an agent session for ``agent_id`` (``X-AID``) on ``site`` (the first site by default),
        without the site calls and createAutomatedAgentSession.

        ``session_id`` None takes a new id from the session id factory.

        Raises:
            EmulatorError: 400 for an invalid agent id, site or session id, or a
                site not served; 409 for a session id already open; 503 when
                ``max_sessions`` are open or the session does not fit in
                ``max_stored_bytes``.
        """
        if type(agent_id) is int:
            agent_id = str(agent_id)
        agent = header_id("agentId", agent_id)
        info = self._api.open_session(self._site(site), agent, session_id).info()
        self._page.refresh()
        return info

    def session(self, session_id: str) -> SessionState:
        """The session ``session_id`` as it is now: status, pool, slots, engagements, poll.

        Raises:
            EmulatorError: 404 for an unknown or ended session.
        """
        return self._store.session_state(self._session(session_id))

    def move_pool(self, session_id: str, pool: str | None = None, *, now_ms: int | None = None) -> str:
        """Move the session to ``pool`` (by default the next: ``297:1`` -> ``297:2``); the new pool.

        The move is announced through getMessages (``ChatConfigChangeNotification``
        ``CHAT_CLUSTER_POOL_ID``).  Until the announcement is delivered both pools
        serve the session; after it, the old one is refused with 403 naming the move.

        Raises:
            EmulatorError: 404 for an unknown session, 400 for an invalid pool.
        """
        session = self._session(session_id)
        if pool is None:
            pending = session.pending_pools()
            pool = next_pool(pending[-1] if pending else session.pool)
        try:
            pool = check_pool(pool)
        except LocalProtocolError as exc:
            raise EmulatorError(400, "INVALID_FIELD", str(exc)) from exc
        self._store.move_pool(session, pool, self._time(now_ms))
        self._page.refresh()
        return pool

    def take_over(self, session_id: str, *, now_ms: int | None = None) -> SessionInfo:
        """Another logon of the session's agent, with ``logonOverride``: a new session takes the
        engagements of every session of that agent, which end (their requests are 403, a held
        poll answers 403 at once).  The new session's details.

        Raises:
            EmulatorError: 404 for an unknown session; 503 as `open_session`.
        """
        info = self._api.take_over(self._session(session_id), self._time(now_ms)).info()
        self._page.refresh()
        return info

    # -- Engagements ------------------------------------------------------------------------------

    def start_engagement(
        self,
        session_id: str,
        *,
        engagement_id: int | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        email: str | None = None,
        question: str | None = None,
    ) -> int:
        """Start an engagement assigned to the session ``session_id`` and accepted at once; its id.

        Engagement ids count up from 1; ``engagement_id`` picks one instead
        (say 27, to replay the reference's example as it is written).  The end
        user's details are optional.

        Raises:
            EmulatorError: 400 for an unknown session or an engagement id out of
                range; 409 for an engagement id in use; 503 when
                ``max_engagements`` exist.
        """
        session = self._store.sessions.get(session_id)
        if session is None:
            raise EmulatorError(400, "INVALID_FIELD", "sessionId: no agent session with this id")
        engagement = self._new_engagement(session.site, engagement_id, first_name, last_name, email, question)
        self._store.assign(engagement, session)
        self._page.refresh()
        return engagement.engagement_id

    def queue_engagement(
        self,
        *,
        site: str | None = None,
        engagement_id: int | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        email: str | None = None,
        question: str | None = None,
        now_ms: int | None = None,
    ) -> int:
        """An end user asks for a chat on ``site`` (the first site by default); the engagement's id.

        It waits in the queue until a session of the site is ``AVAILABLE`` and
        has asked for assignments, then is offered to it through getMessages
        (``ChatEngagementAssignmentNotification``, with these details).

        Raises:
            EmulatorError: as `start_engagement`, and 400 for a site not served.
        """
        engagement = self._new_engagement(self._site(site), engagement_id, first_name, last_name, email, question)
        self._store.enqueue(engagement, self._time(now_ms))
        self._page.refresh()
        return engagement.engagement_id

    def engagement(self, engagement_id: int) -> EngagementState:
        """The engagement as it is now: its state, session, properties and transcript.

        Raises:
            EmulatorError: 404 for an unknown engagement.
        """
        return self._engagement(engagement_id).state()

    def conclude_engagement(self, engagement_id: int, *, now_ms: int | None = None) -> None:
        """End an engagement from the server's side, as if the end user had concluded it: later
        posts into it fail with ``CONFLICT``, and the agent holding it is told
        (``ChatDisconnectNotification``).  Idempotent.

        Raises:
            EmulatorError: 404 for an unknown engagement.
        """
        engagement = self._engagement(engagement_id)
        if engagement.over:
            return
        now = self._time(now_ms)
        self._store.end_user_left(engagement, now)
        if engagement.status is not EngagementStatus.RELEASED:
            self._store.conclude(engagement, "END_USER", now)
        self._page.refresh()

    def messages(self, engagement_id: int) -> list[PostMessageRequest]:
        """The agent's posts recorded in an engagement, in the order they were accepted.

        Each is the request as posted; encoded, it has the fields that were
        posted (with their camelCase wire names) and no others.

        Raises:
            EmulatorError: 404 for an unknown engagement.
        """
        return list(self._engagement(engagement_id).messages)

    # -- The end user -----------------------------------------------------------------------------

    def end_user_says(self, engagement_id: int, body: str, *, now_ms: int | None = None) -> None:
        """The end user sends ``body``: a ``ChatPostMessage`` for the agent holding the engagement
        (or, before it is accepted, once it is).

        Raises:
            EmulatorError: 404 for an unknown engagement, 400 for an empty body, 409 once the
                engagement is over, 503 when it does not fit.
        """
        if not isinstance(body, str) or not body:
            raise EmulatorError(400, "INVALID_FIELD", "body: a non-empty string is required")
        engagement = self._live(engagement_id)
        now = self._time(now_ms)
        entry = TranscriptEntry("END_USER", "MESSAGE", now, body)
        self._store.charge(2 * len(body), "end-user message")  # the transcript and the poll's copy
        self._store.record(engagement, entry, charged=False)
        session = self._active_holder(engagement)
        if session is not None:
            self._store.deliver(session, _messages.end_user_post(engagement_id, engagement.end_user_id, body, now))
        self._page.refresh()

    def end_user_types(self, engagement_id: int, sneak_preview: str, *, now_ms: int | None = None) -> None:
        """The end user is typing ``sneak_preview``: a ``ChatActivitySignal`` for the agent holding
        the engagement, if it is accepted.

        Raises:
            EmulatorError: 404 for an unknown engagement, 409 once the engagement is over,
                503 when it does not fit.
        """
        if not isinstance(sneak_preview, str):
            raise EmulatorError(400, "INVALID_FIELD", "sneakPreview: a string is required")
        engagement = self._live(engagement_id)
        now = self._time(now_ms)
        self._store.charge(2 * len(sneak_preview), "sneak preview")
        self._store.record(engagement, TranscriptEntry("END_USER", "TYPING", now, sneak_preview), charged=False)
        session = self._active_holder(engagement)
        if session is not None:
            self._store.deliver(
                session, _messages.end_user_typing(engagement_id, engagement.end_user_id, sneak_preview, now)
            )

    def end_user_leaves(self, engagement_id: int, *, now_ms: int | None = None) -> None:
        """The end user leaves: a ``ChatDisconnectNotification`` for the agent holding the
        engagement; posts into it fail with ``CONFLICT``, concludeChat and releaseChat still
        succeed.  An engagement still in the queue is dropped from it.

        Raises:
            EmulatorError: 404 for an unknown engagement, 409 if the end user already left.
        """
        self._store.end_user_left(self._live(engagement_id), self._time(now_ms))
        self._page.refresh()

    # -- The chat page ----------------------------------------------------------------------------

    def end_user_view(self, engagement_id: int) -> EndUserView:
        """What the end user of the engagement sees now (``GET .../end-user/view``): its state,
        who took it, what both sides said (not the end user's typing), whether the agent types.

        Raises:
            EmulatorError: 404 for an unknown engagement.
        """
        return self._page.end_user_view(engagement_id)

    def overview(self) -> Overview:
        """The chat page's side panel now (``GET /emulator/overview``): the agent sessions, the
        queue, the engagements, the last agent API requests."""
        return self._page.overview()

    def watch_end_user_view(self, engagement_id: int, after: int) -> Reply:
        """`end_user_view` at once if its version is past ``after``, else a `Reply.hold` that
        answers it once it changes (or after ``PAGE_HOLD_MS``), through `answer_poll`.

        Raises:
            EmulatorError: 404 for an unknown engagement.
        """
        return self._page.watch_end_user_view(engagement_id, after)

    def watch_overview(self, after: int) -> Reply:
        """`overview` at once if its version is past ``after``, else a `Reply.hold`, as
        `watch_end_user_view`."""
        return self._page.watch_overview(after)

    def page_file(self, path: str) -> Reply:
        """One of the chat page's files with its Content-Type, as `set_page_files` gave it.

        Raises:
            EmulatorError: 404 for a path that is not the page's, or before `set_page_files`.
        """
        body = self._page.files.get(path)
        if body is None:
            raise EmulatorError(404, "NOT_FOUND", f"no page file at {path!r}: the server loop serves the page")
        return Reply(body=body, headers=(("Content-Type", PAGE_FILES[path][1]),))

    # -- Faults -----------------------------------------------------------------------------------

    @property
    def faults(self) -> FaultPlan:
        """The faults being injected."""
        return self._api.faults

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
        self._api.faults = faults
        self._api.post_fault_counter = 0
        self._api.poll_fault_counter = 0

    # -- Requests ---------------------------------------------------------------------------------

    def handle(self, event: RequestReceived | InvalidRequest | HTTPRequestReceived, *, now_ms: int) -> Reply:
        """What to answer to one request from `ServerConnection.next_event`.

        Args:
            event: the request.
            now_ms: the time it arrived, in epoch milliseconds.
        """
        self._now_ms = now_ms
        if isinstance(event, RequestReceived | InvalidRequest | SiteRequestReceived):
            reply = self._handle_agent(event)
            if reply.hold is not None:
                self._held_lines[reply.hold.poll_id] = request_line(event)
            else:
                self._page.note_request(request_line(event), None if reply.drop else reply.status, now_ms)
        else:
            reply = handle_control(self, event)
        self._page.refresh()
        return reply

    def _handle_agent(self, event: RequestReceived | InvalidRequest | SiteRequestReceived) -> Reply:
        if isinstance(event, RequestReceived):
            if event.site not in self._sites:
                return _unknown_site(event.site)
            return self._api.handle(event, self._now_ms)
        if isinstance(event, InvalidRequest):
            if event.site is not None and event.site not in self._sites:
                return _unknown_site(event.site)
            refusal = self._api.refuse_invalid(event)
            if refusal is not None:
                return refusal
            refused = event.operation or event.site_operation
            allow = (refused.method,) if event.status == 405 and refused is not None else ()
            return error_reply(event.status, event.code, event.message, allow=allow)
        return handle_site(self._store, event, self._address, self._api.pool)

    def answer_poll(self, poll_id: int, *, now_ms: int) -> Reply:
        """The answer to a poll held as `Reply.hold` said, once the wake listener named it or its
        hold expired: what is queued for its session, else one ``ChatGetTimeout`` (also when
        another poll took its place or the session logged off); 403 if the session was taken over.
        A poll of the chat page (`watch_end_user_view`, `watch_overview`) answers its view as it is.

        Raises:
            EmulatorError: 404 for a poll that is not held (answered or released already).
        """
        self._now_ms = now_ms
        if self._page.holds(poll_id):
            return self._page.answer(poll_id)
        reply = self._api.answer_poll(poll_id, now_ms)
        # Every agent poll is held through `handle`, which kept its line (an unknown poll raised above).
        self._page.note_request(self._held_lines.pop(poll_id), None if reply.drop else reply.status, now_ms)
        self._page.refresh()
        return reply

    def release_poll(self, poll_id: int) -> None:
        """Forget a held poll whose client hung up: its session may poll again, and what is
        queued for it stays for that poll.

        Raises:
            EmulatorError: 404 for a poll that is not held.
        """
        if self._page.holds(poll_id):
            self._page.release(poll_id)
            return
        self._store.finish_poll(poll_id)
        self._page.note_request(self._held_lines.pop(poll_id), None, self._now_ms)
        self._page.refresh()

    # -- Helpers ----------------------------------------------------------------------------------

    def _time(self, now_ms: int | None) -> int:
        return self._now_ms if now_ms is None else now_ms

    def _site(self, site: str | None) -> str:
        if site is None:
            return self._sites[0]
        if site not in self._sites:
            raise EmulatorError(400, "INVALID_FIELD", f"site: {site!r} is not served here (sites: {self._sites})")
        return site

    def _session(self, session_id: str) -> Session:
        session = self._store.sessions.get(session_id)
        if session is None:
            raise EmulatorError(404, "NOT_FOUND", "no agent session with this id")
        return session

    def _engagement(self, engagement_id: int) -> Engagement:
        engagement = self._store.engagements.get(engagement_id)
        if engagement is None:
            raise EmulatorError(404, "NOT_FOUND", f"no engagement {engagement_id}")
        return engagement

    def _live(self, engagement_id: int) -> Engagement:
        engagement = self._engagement(engagement_id)
        if engagement.over:
            raise EmulatorError(409, "CONFLICT", f"engagement {engagement_id} is over: the end user can say no more")
        return engagement

    def _active_holder(self, engagement: Engagement) -> Session | None:
        """The session to tell what the end user does: the one that accepted the engagement, if any."""
        return self._store.holder(engagement) if engagement.status is EngagementStatus.ACTIVE else None

    def _new_engagement(self, site: str, engagement_id: int | None, *details: str | None) -> Engagement:
        """A new engagement on ``site`` (the caller queues or assigns it); ``details`` are the end
        user's, in the order of ``_END_USER_FIELDS``."""
        if engagement_id is None:
            engagement_id = self._next_engagement_id
        elif type(engagement_id) is not int or not 1 <= engagement_id <= _MAX_INT64:
            raise EmulatorError(
                400, "INVALID_FIELD", f"engagementId must be an int from 1 to 2**63-1, not {engagement_id!r}"
            )
        if engagement_id in self._store.engagements:
            raise EmulatorError(409, "CONFLICT", f"engagementId: engagement {engagement_id} already exists")
        if len(self._store.engagements) >= self._max_engagements:
            raise EmulatorError(503, "CAPACITY_EXCEEDED", f"max_engagements ({self._max_engagements}) exist")
        properties: dict[str, str] = {}
        for (keyword, name), value in zip(_END_USER_FIELDS, details, strict=True):
            if value is not None:
                if not isinstance(value, str):
                    raise EmulatorError(400, "INVALID_FIELD", f"{keyword}: a string is required")
                properties[name] = value
        engagement = self._store.new_engagement(engagement_id, site, DEFAULT_QUEUE_ID, properties)
        self._next_engagement_id = max(self._next_engagement_id, engagement_id + 1)
        return engagement


def _unknown_site(site: str) -> Reply:
    return error_reply(404, "NOT_FOUND", f"unknown site {site!r}")
