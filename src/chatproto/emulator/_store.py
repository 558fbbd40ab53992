"""The chat server's state and the rules that keep it whole: accounts and their tokens, agent
sessions, engagements through their life, the queue, and what waits for each session's poll.

Everything here is a plain data structure changed by plain calls: no HTTP,
no clock (times come in as ``now_ms``), no randomness (ids come from the
factories the emulator is given).  The agent operations (``_agent``) and the
control calls (``_state``) both act through it, so a rule (an offer, the end
of a session, a pool switch) is written once.

Memory is bounded twice: in counts (sessions, engagements, messages, tokens,
accounts, messages waiting per session) and in bytes (`Store.charge`): every
session, account, token, transcript entry, recorded post and waiting message
is charged its JSON size while it is held.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Iterator

from .._codec import encode
from .._enums import AgentStatus
from .._post_message import PostMessageRequest
from . import _messages
from ._defaults import (
    DEFAULT_MAX_MESSAGES_PER_POLL,
    DEFAULT_MAX_PENDING_MESSAGES,
    DEFAULT_MAX_TOKENS,
    DEFAULT_REPLAY_HISTORY,
)
from ._messages import Message
from ._types import (
    AgentAccount,
    EmulatorError,
    EngagementState,
    EngagementStatus,
    SessionInfo,
    SessionState,
    TranscriptEntry,
)

#: End users' client ids count from here, so they never meet an agent session's.
END_USER_CLIENT_IDS_FROM = 1_000_000_000
#: Why a session ended, as its 403 says: "the agent session was ...".
LOGGED_OFF = "logged off"
TAKEN_OVER = "taken over by a newer logon of the same agent"
#: Ended sessions remembered, so that their 403 can say why; past it the oldest is forgotten.
_ENDED_KEPT = 10_000
#: The pools a session moved away from that it still names when refused.
_RETIRED_POOLS_KEPT = 8
#: Assignment offers and notifications are small and bounded by count, so they are charged
#: without being refused: an operation never fails halfway for the bytes of its side effects.
_FORCE = True


class Pending:
    """A message waiting for (or kept after) a poll: the numbered wire object and its size."""

    __slots__ = ("message", "pool", "sequence", "size")

    def __init__(self, sequence: int, message: Message, pool: str | None) -> None:
        self.sequence = sequence
        self.message = message
        self.size = len(encode(message))
        # A pool announcement switches the session's pool once it is delivered.
        self.pool = pool


class Session:
    """An agent session: who it speaks for, its status and slots, its engagements, its mailbox."""

    __slots__ = (
        "agent_id",
        "assignment_requested",
        "charge",
        "client_id",
        "engagements",
        "history",
        "last_request_sequence",
        "mailbox",
        "max_sessions",
        "next_message_sequence",
        "offered",
        "offers_left",
        "poll",
        "polled",
        "pool",
        "retired_pools",
        "session_id",
        "site",
        "status",
        "sub_type_id",
    )

    def __init__(self, site: str, agent_id: str, session_id: str, pool: str, client_id: int) -> None:
        self.site = site
        self.agent_id = agent_id
        self.session_id = session_id
        self.pool = pool
        self.client_id = client_id
        self.status = AgentStatus.NONE
        self.sub_type_id: int | None = None
        self.assignment_requested = False
        self.max_sessions = 0
        self.offers_left = 0
        # Insertion-ordered sets of engagement ids: held now, and ever offered (strict mode).
        self.engagements: dict[int, None] = {}
        self.offered: set[int] = set()
        self.mailbox: deque[Pending] = deque()
        self.history: deque[Pending] = deque()
        self.next_message_sequence = 1
        self.last_request_sequence: int | None = None
        self.poll: int | None = None
        # Whether it ever polled: a post while none is held then says so (clientReset 2).
        self.polled = False
        self.retired_pools: deque[str] = deque(maxlen=_RETIRED_POOLS_KEPT)
        self.charge = 0

    def info(self) -> SessionInfo:
        return SessionInfo(self.site, self.agent_id, self.session_id, self.pool)

    def pending_pools(self) -> list[str]:
        """The pools announced but not yet delivered, oldest first."""
        return [entry.pool for entry in self.mailbox if entry.pool is not None]


class Poll:
    """A getMessages poll being held: whose, and the request to echo; ``ended`` once its session ended."""

    __slots__ = ("client_id", "ended", "request", "session_id", "superseded")

    def __init__(self, session_id: str, client_id: int, request: object) -> None:
        self.session_id = session_id
        self.client_id = client_id
        self.request = request
        self.superseded = False
        self.ended: str | None = None


class Engagement:
    """A chat with an (emulated) end user, through its life."""

    __slots__ = (
        "agent_id",
        "custom_fields",
        "declined_by",
        "end_user_id",
        "end_user_left",
        "engagement_id",
        "engagement_properties",
        "messages",
        "queue_id",
        "session_id",
        "site",
        "status",
        "transcript",
        "user_properties",
    )

    def __init__(self, engagement_id: int, site: str, queue_id: int, end_user_id: int) -> None:
        self.engagement_id = engagement_id
        self.site = site
        self.queue_id = queue_id
        self.end_user_id = end_user_id
        self.status = EngagementStatus.QUEUED
        self.session_id: str | None = None
        self.agent_id: str | None = None
        self.end_user_left = False
        self.user_properties: dict[str, str] = {}
        self.engagement_properties: dict[str, str] = {}
        self.custom_fields: dict[str, str] = {}
        self.transcript: list[TranscriptEntry] = []
        # The agent's posts as they were posted (`Emulator.messages`).
        self.messages: list[PostMessageRequest] = []
        # Sessions that declined or rerouted it: it is not offered to them again.
        self.declined_by: set[str] = set()

    @property
    def over(self) -> bool:
        """Whether nothing more can be said in it: the end user left, or it was concluded or released."""
        return self.end_user_left or self.status in (EngagementStatus.CONCLUDED, EngagementStatus.RELEASED)

    def state(self) -> EngagementState:
        return EngagementState(
            engagement_id=self.engagement_id,
            status=self.status,
            site=self.site,
            session_id=self.session_id,
            agent_id=self.agent_id,
            queue_id=self.queue_id,
            end_user_left=self.end_user_left,
            user_properties=dict(self.user_properties),
            engagement_properties=dict(self.engagement_properties),
            custom_fields=dict(self.custom_fields),
            transcript=tuple(self.transcript),
        )


class Store:
    """The state of one emulated chat server, and its rules.

    Args:
        max_stored_bytes: the byte budget (see the module's docstring).
        new_token: returns a fresh bearer token on each call.
    """

    def __init__(self, max_stored_bytes: int, new_token: Callable[[], str]) -> None:
        self.max_stored_bytes = max_stored_bytes
        self.stored_bytes = 0
        self._new_token = new_token
        self.accounts: dict[str, tuple[AgentAccount, int]] = {}
        # Insertion order is age: the first token lapses first.
        self.tokens: dict[str, str] = {}
        self.sessions: dict[str, Session] = {}
        # Ended sessions and why, so their 403 can say; bounded like the sessions.
        self.ended: dict[str, str] = {}
        self.engagements: dict[int, Engagement] = {}
        self.queue: deque[int] = deque()
        self.polls: dict[int, Poll] = {}
        self.message_count = 0
        self._client_ids = itertools.count(1)
        self._end_user_ids = itertools.count(END_USER_CLIENT_IDS_FROM)
        self._poll_ids = itertools.count(1)
        self.wake: Callable[[int], None] | None = None

    # -- Bytes ----------------------------------------------------------------------------------

    def charge(self, size: int, what: str, *, force: bool = False) -> None:
        """Hold ``size`` more bytes for ``what``.

        Raises:
            EmulatorError: 503 ``CAPACITY_EXCEEDED`` if they do not fit (and not ``force``).
        """
        if not force:
            self.check_room(size, what)
        self.stored_bytes += size

    def check_room(self, size: int, what: str) -> None:
        """Raise what `charge` raises if ``size`` more bytes do not fit; hold nothing."""
        if self.stored_bytes + size > self.max_stored_bytes:
            raise EmulatorError(
                503,
                "CAPACITY_EXCEEDED",
                f"the emulator holds its max_stored_bytes ({self.max_stored_bytes}): "
                f"{self.stored_bytes} bytes are held, and this {what} needs {size} more",
            )

    def refund(self, size: int) -> None:
        self.stored_bytes -= size

    # -- Accounts and tokens --------------------------------------------------------------------

    def register(self, account: AgentAccount) -> None:
        """Add ``account``, or replace the one of its username (whose tokens lapse)."""
        size = len(encode(account))
        old = self.accounts.get(account.username)
        self.charge(size - (old[1] if old else 0), "account")
        if old is not None:
            for token in [token for token, username in self.tokens.items() if username == account.username]:
                self._drop_token(token)
        self.accounts[account.username] = (account, size)

    def login(self, username: str, password: str) -> AgentAccount | None:
        """The account these Basic credentials name, None if they name none."""
        entry = self.accounts.get(username)
        return entry[0] if entry is not None and entry[0].password == password else None

    def issue_token(self, account: AgentAccount) -> str:
        """A new bearer token for ``account``; past ``DEFAULT_MAX_TOKENS`` the oldest lapses."""
        token = self._new_token()
        self.charge(len(token) + len(account.username), "token")
        if len(self.tokens) >= DEFAULT_MAX_TOKENS:
            self._drop_token(next(iter(self.tokens)))
        self.tokens[token] = account.username
        return token

    def account_of_token(self, token: str | None) -> AgentAccount | None:
        username = self.tokens.get(token) if token is not None else None
        return self.accounts[username][0] if username is not None else None

    def _drop_token(self, token: str) -> None:
        username = self.tokens.pop(token)
        self.refund(len(token) + len(username))

    # -- Sessions -------------------------------------------------------------------------------

    def open_session(self, site: str, agent_id: str, session_id: str, pool: str) -> Session:
        """A new live session (the caller checked the bounds and that the id is free)."""
        session = Session(site, agent_id, session_id, pool, next(self._client_ids))
        size = len(encode(session.info()))
        self.charge(size, "session")
        session.charge = size
        self.sessions[session_id] = session
        return session

    def end_session(self, session: Session, reason: str, now_ms: int, *, heir: Session | None = None) -> None:
        """End ``session`` for ``reason``: its engagements go to ``heir`` (a takeover) or back to
        the queue (offered and active ones) or are released (concluded ones); a held poll wakes."""
        # Gone first, so that nothing requeued below is offered to it again.
        del self.sessions[session.session_id]
        if len(self.ended) >= _ENDED_KEPT:
            del self.ended[next(iter(self.ended))]
        self.ended[session.session_id] = reason
        self.refund(session.charge + sum(entry.size for entry in (*session.mailbox, *session.history)))
        session.mailbox.clear()
        session.history.clear()
        for engagement_id in list(session.engagements):
            engagement = self.engagements[engagement_id]
            if heir is not None:
                self._hand_over(engagement, heir)
            elif engagement.status is EngagementStatus.CONCLUDED:
                self._release(engagement, now_ms)
            else:
                self._requeue(engagement, now_ms, declined=False)
        session.engagements.clear()
        if session.poll is not None:
            self.polls[session.poll].ended = reason
            self._wake(session.poll)
        self.dispatch(now_ms)

    def agent_sessions(self, site: str, agent_id: str) -> list[Session]:
        return [s for s in self.sessions.values() if s.site == site and s.agent_id == agent_id]

    def move_pool(self, session: Session, pool: str, now_ms: int) -> None:
        """Announce ``pool`` to the session; it switches once the announcement is delivered."""
        self.deliver(session, _messages.pool_change(pool, now_ms), pool=pool)

    def switch_pool(self, session: Session, pool: str, *, retire: bool) -> None:
        """Serve the session by ``pool`` from now on; ``retire`` names the old one when it is refused."""
        if retire and session.pool != pool:
            session.retired_pools.append(session.pool)
        size = len(pool) - len(session.pool)  # the session's charge follows its pool
        self.stored_bytes += size
        session.charge += size
        session.pool = pool

    def session_state(self, session: Session) -> SessionState:
        pending = session.pending_pools()
        return SessionState(
            site=session.site,
            agent_id=session.agent_id,
            session_id=session.session_id,
            pool=session.pool,
            status=session.status.value,
            sub_type_id=session.sub_type_id,
            assignment_requested=session.assignment_requested,
            max_sessions=session.max_sessions,
            offers_left=session.offers_left,
            engagements=tuple(session.engagements),
            polling=session.poll is not None,
            pending_messages=len(session.mailbox),
            pending_pool=pending[-1] if pending else None,
        )

    # -- The mailbox and polls ------------------------------------------------------------------

    def deliver(self, session: Session, message: Message, *, pool: str | None = None, force: bool = _FORCE) -> None:
        """Queue ``message`` for the session's next poll, numbered, and wake a held poll."""
        entry = Pending(session.next_message_sequence, _messages.numbered(message, session.next_message_sequence), pool)
        self.charge(entry.size, "message", force=force)
        session.next_message_sequence += 1
        if len(session.mailbox) >= DEFAULT_MAX_PENDING_MESSAGES:
            self.refund(session.mailbox.popleft().size)
        session.mailbox.append(entry)
        if session.poll is not None:
            self._wake(session.poll)

    def take(self, session: Session) -> list[Pending]:
        """The messages the next poll answer carries, now delivered: kept for a replay, and a
        delivered pool announcement switches the session's pool."""
        taken = [session.mailbox.popleft() for _ in range(min(len(session.mailbox), DEFAULT_MAX_MESSAGES_PER_POLL))]
        for entry in taken:
            if entry.pool is not None:
                self.switch_pool(session, entry.pool, retire=True)
            session.history.append(entry)
            if len(session.history) > DEFAULT_REPLAY_HISTORY:
                self.refund(session.history.popleft().size)
        return taken

    def hold(self, session: Session, request: object) -> int:
        """Register a held poll for the session; its id."""
        poll_id = self.new_poll_id()
        self.polls[poll_id] = Poll(session.session_id, session.client_id, request)
        session.poll = poll_id
        return poll_id

    def new_poll_id(self) -> int:
        """A fresh id for a held poll: getMessages polls and the chat page's share one count,
        so that the server loop's wake listener can name either."""
        return next(self._poll_ids)

    def supersede(self, session: Session) -> None:
        """Another poll takes the slot: the held one is to answer at once with a timeout."""
        assert session.poll is not None
        self.polls[session.poll].superseded = True
        self._wake(session.poll)
        session.poll = None

    def finish_poll(self, poll_id: int) -> Poll:
        """Forget a held poll (answered or released), freeing its session's slot.

        Raises:
            EmulatorError: 404 for a poll that is not held.
        """
        poll = self.polls.pop(poll_id, None)
        if poll is None:
            raise EmulatorError(404, "NOT_FOUND", f"no poll {poll_id} is held")
        session = self.sessions.get(poll.session_id)
        if session is not None and session.poll == poll_id:
            session.poll = None
        return poll

    def _wake(self, poll_id: int) -> None:
        if self.wake is not None:
            self.wake(poll_id)

    # -- Engagements ----------------------------------------------------------------------------

    def new_engagement(self, engagement_id: int, site: str, queue_id: int, properties: dict[str, str]) -> Engagement:
        engagement = Engagement(engagement_id, site, queue_id, next(self._end_user_ids))
        size = sum(len(key) + len(value) for key, value in properties.items())
        self.charge(size, "engagement")
        engagement.user_properties.update(properties)
        self.engagements[engagement_id] = engagement
        return engagement

    def record(self, engagement: Engagement, entry: TranscriptEntry, *, charged: bool = True) -> None:
        """Add ``entry`` to the engagement's transcript; not ``charged`` when the caller paid for
        its text already (an agent's post is charged once, as it is recorded)."""
        if charged:
            self.charge(len(encode(entry)), "transcript entry", force=_FORCE)
        engagement.transcript.append(entry)

    def set_property(self, engagement: Engagement, table: dict[str, str], name: str, value: str | None) -> None:
        old = table.pop(name, None)
        if old is not None:
            self.refund(len(name) + len(old))
        if value is not None:
            self.charge(len(name) + len(value), "property", force=True)
            table[name] = value

    def enqueue(self, engagement: Engagement, now_ms: int) -> None:
        engagement.status = EngagementStatus.QUEUED
        self.queue.append(engagement.engagement_id)
        self.dispatch(now_ms)

    def assign(self, engagement: Engagement, session: Session) -> None:
        """The engagement is the session's, accepted (a control call's engagement, or a takeover's)."""
        self._hand_over(engagement, session)
        engagement.status = EngagementStatus.ACTIVE

    def _hand_over(self, engagement: Engagement, session: Session) -> None:
        engagement.session_id = session.session_id
        engagement.agent_id = session.agent_id
        session.engagements[engagement.engagement_id] = None
        session.offered.add(engagement.engagement_id)

    def dispatch(self, now_ms: int) -> None:
        """Offer queued engagements, oldest first, to the sessions that asked for them and have room:
        the one holding the fewest engagements first, then the oldest."""
        if not self.queue:
            return
        kept: deque[int] = deque()
        while self.queue:
            engagement = self.engagements[self.queue.popleft()]
            session = min(self._takers(engagement), key=lambda s: (len(s.engagements), s.client_id), default=None)
            if session is None:
                kept.append(engagement.engagement_id)
                continue
            self._hand_over(engagement, session)
            engagement.status = EngagementStatus.OFFERED
            session.offers_left -= 1
            self.deliver(
                session,
                _messages.assignment_offer(
                    engagement.engagement_id, engagement.queue_id, engagement.user_properties, now_ms
                ),
            )
        self.queue = kept

    def _takers(self, engagement: Engagement) -> Iterator[Session]:
        for session in self.sessions.values():
            if (
                session.site == engagement.site
                and session.status is AgentStatus.AVAILABLE
                and session.assignment_requested
                and session.offers_left > 0
                and len(session.engagements) < session.max_sessions
                and session.session_id not in engagement.declined_by
            ):
                yield session

    def accept(self, engagement: Engagement, session: Session, now_ms: int) -> None:
        """The session accepted its offer: what the end user said so far is delivered, in order."""
        engagement.status = EngagementStatus.ACTIVE
        for entry in engagement.transcript:
            if entry.sender == "END_USER" and entry.kind == "MESSAGE":
                assert entry.body is not None
                self.deliver(
                    session,
                    _messages.end_user_post(engagement.engagement_id, engagement.end_user_id, entry.body, now_ms),
                )

    def decline(self, engagement: Engagement, session: Session, now_ms: int) -> None:
        session.engagements.pop(engagement.engagement_id, None)
        self._requeue(engagement, now_ms, declined=True)

    def reroute(self, engagement: Engagement, session: Session, now_ms: int) -> None:
        session.engagements.pop(engagement.engagement_id, None)
        self.record(engagement, TranscriptEntry("SYSTEM", "REROUTED", now_ms))
        self._requeue(engagement, now_ms, declined=True)

    def _requeue(self, engagement: Engagement, now_ms: int, *, declined: bool) -> None:
        if declined and engagement.session_id is not None:
            engagement.declined_by.add(engagement.session_id)
        engagement.session_id = None
        engagement.agent_id = None
        if engagement.end_user_left:
            # Nobody waits for an agent any more.
            engagement.status = EngagementStatus.RELEASED
            return
        self.enqueue(engagement, now_ms)

    def conclude(self, engagement: Engagement, sender: str, now_ms: int) -> None:
        if engagement.status is not EngagementStatus.CONCLUDED:
            engagement.status = EngagementStatus.CONCLUDED
            self.record(engagement, TranscriptEntry(sender, "CONCLUDED", now_ms))

    def release(self, engagement: Engagement, session: Session, now_ms: int) -> None:
        session.engagements.pop(engagement.engagement_id, None)
        self._release(engagement, now_ms)
        self.dispatch(now_ms)

    def _release(self, engagement: Engagement, now_ms: int) -> None:
        engagement.status = EngagementStatus.RELEASED
        self.record(engagement, TranscriptEntry("AGENT", "RELEASED", now_ms))

    def end_user_left(self, engagement: Engagement, now_ms: int) -> None:
        """The end user is gone: the agent holding it is told; one still waiting in the queue is dropped."""
        engagement.end_user_left = True
        self.record(engagement, TranscriptEntry("END_USER", "LEFT", now_ms))
        if engagement.status is EngagementStatus.QUEUED:
            self.queue.remove(engagement.engagement_id)
            engagement.status = EngagementStatus.RELEASED
            return
        self.deliver(
            self.holder(engagement),
            _messages.disconnect(engagement.engagement_id, engagement.end_user_id, "END_USER_CONCLUDED", now_ms),
        )

    def holder(self, engagement: Engagement) -> Session:
        """The live session holding an offered or active engagement: one always does (a session
        that ends hands its engagements on or back to the queue)."""
        assert engagement.session_id is not None, engagement.status
        return self.sessions[engagement.session_id]


def next_pool(pool: str) -> str:
    """The pool a session moves to unless told: the node number after the colon goes up
    (``297:1`` -> ``297:2``), or a node is added (``east`` -> ``east:1``)."""
    cluster, colon, node = pool.rpartition(":")
    if colon and node.isdigit():
        return f"{cluster}:{int(node) + 1}"
    return f"{pool}:1"
