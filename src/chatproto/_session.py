"""The agent session: identity, pool, liveness, sequence numbers, and the rules that follow the server.

One `AgentSession` is shared by every connection that speaks for the same
agent session, so the sequence numbers it hands out are strictly increasing
across all of them.  It is plain state with no I/O: a restarted process can
save `last_sequence_number` and pass it back to continue the numbering.

It says who is talking and where (`SessionIdentity`), not how a request
looks: the request head is built from the identity elsewhere.

What the server's answers change in the session is said once, in
`SESSION_RULES`: one `SessionRule` per operation that changes anything
(createAutomatedAgentSession renews the session, logoff ends it,
getMessages holds the session's one poll slot, delivers each message once
and follows pool moves).  `ClientConnection` calls a
rule's hooks around each exchange of its operation; an operation without a
rule, postMessage among them, pays nothing for the mechanism.
"""

from __future__ import annotations

import weakref
from abc import ABC, abstractmethod
from collections.abc import Mapping
from types import MappingProxyType
from typing import cast

import msgspec

from ._agent_operations import CreateAgentSessionRequest
from ._errors import LocalProtocolError, RemoteProtocolError
from ._identity import check_header_id, check_host, check_pool, check_site, check_token, redact
from ._messages import ChatConfigChangeNotification, GetMessagesResponse, Message
from ._operations import Operation
from ._wire import AgentResponse, Request

_MAX_SEQUENCE_NUMBER = 2**63 - 1


def _check_counter(name: str, value: object) -> int:
    if type(value) is not int or not 0 <= value <= _MAX_SEQUENCE_NUMBER:
        raise LocalProtocolError(f"{name} must be an int from 0 to 2**63-1")
    return value


class SessionIdentity(msgspec.Struct, frozen=True):
    """Who is talking, to which server, site and pool: what every request head is built from.

    Immutable: when the pool or the session id changes, the session holds a
    new one, so whatever was built from the old one (the connections' cached
    request heads) can tell it is stale by identity alone.  The values are
    already validated.
    """

    host: str
    site: str
    agent_id: str
    session_id: str | None
    pool: str | None
    token: str | None

    def __repr__(self) -> str:
        # The session id and the token are secrets: never shown whole.
        session = None if self.session_id is None else redact(self.session_id)
        token = None if self.token is None else redact(self.token)
        return (
            f"SessionIdentity(host={self.host!r}, site={self.site!r}, agent_id={self.agent_id!r}, "
            f"session_id={session}, pool={self.pool!r}, token={token})"
        )


class AgentSession:
    """Who is talking (agent id, session id, token), to which site and pool.

    Args:
        host: the chat server's host, optionally ``host:port``; sent as ``Host``.
        site: the fully qualified site name (``fqSiteName``).
        agent_id: the agent account id, sent as ``X-AID``.
        session_id: the agent session id, sent as ``X-JSESSIONID``; None until
            ``createAutomatedAgentSession`` has answered (see `renew`).
        pool: the ``pool`` query value; None leaves the query string out.
        token: a bearer token, sent as ``Authorization: Bearer <token>``.
        last_sequence_number: the last sequence number already used, so a
            restarted process continues its numbering; 0 for a new session.
        last_message_sequence_number: the highest ``sequenceNumber`` of a
            message getMessages already delivered, saved and restored like
            ``last_sequence_number``; 0 for a new session.

    Raises:
        LocalProtocolError: a value is empty, not a str, or contains a
            character that could change the request line or a header, or a
            counter is not an int from 0 to 2**63-1.
    """

    __slots__ = ("_ended", "_expired", "_identity", "_last_message_seq", "_last_seq", "_poll")

    def __init__(
        self,
        *,
        host: str,
        site: str,
        agent_id: str | int,
        session_id: str | None = None,
        pool: str | None = None,
        token: str | None = None,
        last_sequence_number: int = 0,
        last_message_sequence_number: int = 0,
    ) -> None:
        # X-AID is typed string but numeric in practice; Oracle's sample passes a number.
        if type(agent_id) is int:
            agent_id = str(agent_id)
        self._identity = SessionIdentity(
            host=check_host(host),
            site=check_site(site),
            agent_id=check_header_id("agent_id", agent_id),
            session_id=None if session_id is None else check_header_id("session_id", session_id),
            pool=None if pool is None else check_pool(pool),
            token=None if token is None else check_token(token),
        )
        self._last_seq = _check_counter("last_sequence_number", last_sequence_number)
        self._last_message_seq = _check_counter("last_message_sequence_number", last_message_sequence_number)
        self._expired = False
        self._ended = False
        # The connection whose getMessages is in flight, held weakly: one
        # dropped without a word (garbage-collected) frees the slot too.
        self._poll: weakref.ref[object] | None = None

    def __repr__(self) -> str:
        identity = self._identity
        session = None if identity.session_id is None else redact(identity.session_id)
        token = None if identity.token is None else redact(identity.token)
        return (
            f"AgentSession(host={identity.host!r}, site={identity.site!r}, agent_id={identity.agent_id!r}, "
            f"session_id={session}, pool={identity.pool!r}, token={token}, "
            f"last_sequence_number={self._last_seq}, last_message_sequence_number={self._last_message_seq}, "
            f"expired={self._expired}, ended={self._ended})"
        )

    @property
    def identity(self) -> SessionIdentity:
        """Host, site, agent id, session id, pool and token, as one value.

        A new value, not a changed one, after the pool is switched or the
        session renewed: a request head built from it stays valid while the
        session's identity ``is`` the same object.
        """
        return self._identity

    @property
    def host(self) -> str:
        return self._identity.host

    @property
    def site(self) -> str:
        return self._identity.site

    @property
    def agent_id(self) -> str:
        return self._identity.agent_id

    @property
    def session_id(self) -> str | None:
        return self._identity.session_id

    @property
    def token(self) -> str | None:
        return self._identity.token

    @property
    def pool(self) -> str | None:
        return self._identity.pool

    @pool.setter
    def pool(self, pool: str | None) -> None:
        """Switch pools, as a ``ChatConfigChangeNotification`` asks; later requests use it."""
        checked = None if pool is None else check_pool(pool)
        self._identity = msgspec.structs.replace(self._identity, pool=checked)

    @property
    def expired(self) -> bool:
        """True once the server answered 403: the session id is no longer known."""
        return self._expired

    @property
    def ended(self) -> bool:
        """True once a logoff was answered 200: the session is over on the server.

        Every operation that needs the session is refused until a
        createAutomatedAgentSession answers (or `renew` is called).
        """
        return self._ended

    @property
    def polling(self) -> bool:
        """True while a getMessages of this session is in flight, on any of its connections.

        A second one is refused until the first is answered (any status),
        fails, or its connection is abandoned or garbage-collected.
        """
        poll = self._poll
        return poll is not None and poll() is not None

    @property
    def last_sequence_number(self) -> int:
        """The last sequence number handed out (0 before the first); save it to resume."""
        return self._last_seq

    @property
    def last_message_sequence_number(self) -> int:
        """The highest message ``sequenceNumber`` delivered (0 before the first); save it to resume.

        createAutomatedAgentSession with ``logon_override`` resets it to 0,
        since the server then restarts the session's sequences at 0 [D].
        """
        return self._last_message_seq

    def expire(self) -> None:
        """Mark the session as unknown to the server; sending on it is refused from now on."""
        self._expired = True

    def renew(self, session_id: str) -> None:
        """Adopt a new session id (from ``createAutomatedAgentSession``) and become live again.

        A createAutomatedAgentSession answer does this by itself.  The
        sequence numbering continues: numbers stay strictly increasing.
        """
        checked = check_header_id("session_id", session_id)
        self._identity = msgspec.structs.replace(self._identity, session_id=checked)
        self._expired = False
        self._ended = False

    def _restart_messages(self) -> None:
        """The server restarted the session's message sequences (``logonOverride``): numbering starts over.

        The hook for every rule that keeps state about delivered messages.
        """
        self._last_message_seq = 0

    def claim_sequence_number(self, operation: Operation, explicit: int | None) -> int:
        """The number a request of ``operation`` will carry: ``explicit`` if given, else the next one.

        Nothing is recorded until `commit_sequence_number`, so a request that
        fails validation does not use up a number.  The session must be able
        to send ``operation`` at all: live (unless the operation is the one
        that creates the session), and with the session id or the token it
        needs (checked here, on the one call every send makes).

        Raises:
            LocalProtocolError: the session has expired, was logged off, or
                lacks what the operation needs, ``explicit`` is not above the
                last number handed out, or the numbers are exhausted.
        """
        if operation.needs_session:
            if self._expired:
                raise LocalProtocolError(
                    "the agent session has expired (the server answered 403): "
                    "create a new one (createAutomatedAgentSession) or renew it first"
                )
            if self._ended:
                raise LocalProtocolError(
                    f"{operation.name} needs a live session; this one was logged off "
                    "(logoff answered 200): create a new one first"
                )
            if self._identity.session_id is None:
                raise LocalProtocolError(f"{operation.name} needs a session id; the session has none yet")
        # createAutomatedAgentSession is how an expired or ended session comes back.
        elif self._identity.token is None:
            raise LocalProtocolError(f"{operation.name} needs a bearer token; the session has none")
        if explicit is None:
            if self._last_seq >= _MAX_SEQUENCE_NUMBER:
                raise LocalProtocolError("sequence numbers are exhausted (the last one was 2**63-1)")
            return self._last_seq + 1
        # isinstance, not type(): an int subclass (an IntEnum, say) is an int on
        # the wire, and once slipped past this check and numbered backwards.
        # A bool is left to validation, which names the field.
        if isinstance(explicit, int) and not isinstance(explicit, bool) and explicit <= self._last_seq:
            raise LocalProtocolError(
                f"sequenceNumber {explicit} must be above the last one handed out ({self._last_seq})"
            )
        return explicit

    def commit_sequence_number(self, number: int) -> None:
        """Record ``number`` as used: the next one handed out is above it."""
        self._last_seq = int(number)  # a plain int, whatever int subclass the caller used


# --- following the server ------------------------------------------------------------------------


class SessionRule(ABC):
    """What the session does around the exchanges of one operation.

    `ClientConnection` calls the hooks of the rule of the request's
    operation, once each, in this order: `check` and `sent` in ``send``;
    `answered` when a 200 decoded cleanly (after its sequence number was
    checked); `finished` when the exchange is over, however it ended.  A
    rule keeps no state itself: what it changes is the session's.  Every
    rule follows its operation's answer (`answered`); the other hooks do
    nothing unless a rule needs them.
    """

    __slots__ = ()

    def check(self, session: AgentSession, conn: object) -> None:  # noqa: B027  # optional: most rules need no check
        """Before ``conn`` sends a request of the operation; raise `LocalProtocolError` to refuse it."""

    def sent(self, session: AgentSession, conn: object) -> None:  # noqa: B027  # optional: most rules need no sent
        """``conn`` sent the request: its bytes are about to be written."""

    @abstractmethod
    def answered(self, session: AgentSession, request: Request, response: AgentResponse) -> AgentResponse:
        """A 200 answered ``request``: follow it, and return the response the event will carry.

        Raises:
            RemoteProtocolError: the answer cannot be followed.
        """

    def finished(self, session: AgentSession, conn: object) -> None:  # noqa: B027  # optional: most rules need no finished
        """The exchange on ``conn`` is over: answered (any status), failed, or its connection abandoned."""


class _Logon(SessionRule):
    """createAutomatedAgentSession: the answer's ``sessionId`` becomes the session's, which is live again.

    With ``logonOverride`` the server also restarts the session's message
    sequences at 0 [D], and so does the session.  The request numbering
    continues: numbers stay strictly increasing.
    """

    __slots__ = ()

    def answered(self, session: AgentSession, request: Request, response: AgentResponse) -> AgentResponse:
        session_id = response.session_id
        if session_id is None:
            raise RemoteProtocolError("createAutomatedAgentSession was answered without a sessionId")
        try:
            session.renew(session_id)
        except LocalProtocolError as exc:  # the server's fault, not the caller's
            raise RemoteProtocolError(f"createAutomatedAgentSession answered an unusable sessionId: {exc}") from None
        if cast(CreateAgentSessionRequest, request).logon_override:
            session._restart_messages()
        return response


class _Logoff(SessionRule):
    """logoff: a 200 ends the session; what needs it is refused until a new one is created."""

    __slots__ = ()

    def answered(self, session: AgentSession, request: Request, response: AgentResponse) -> AgentResponse:
        session._ended = True
        return response


class _Poll(SessionRule):
    """getMessages: one in flight per session [D], each message delivered once [OL], pool moves followed [OL].

    The slot is taken when the request is sent and freed when its exchange
    is over, however it ended; a slot whose connection was garbage-collected
    is free (the session holds it weakly).

    A 200's messages then go through two steps, in this order, and the
    event carries what is left:

    1. `_deliver_once`: a message whose ``sequenceNumber`` is at or below
       ``session.last_message_sequence_number`` is left out, since a server
       may replay the whole transcript to a reconnecting client [OL].
    2. `_follow_pool_moves`: a ``ChatConfigChangeNotification`` named
       ``CHAT_CLUSTER_POOL_ID`` with a value switches ``session.pool`` to it,
       so every later request carries the new pool [OL].  Only delivered
       messages count: a replayed, older announcement must not move the
       session back.

    Nothing changes in the session until both steps have accepted the
    answer, so one the session cannot follow (a pool it could not send)
    leaves it as it was.  `_restart_messages` is where a ``logonOverride``
    resets what the first step keeps.
    """

    __slots__ = ()

    def check(self, session: AgentSession, conn: object) -> None:
        if session.polling:
            raise LocalProtocolError(
                "a getMessages of this session is already in flight (one poll per session): "
                "read its answer, or abandon its connection, first"
            )

    def sent(self, session: AgentSession, conn: object) -> None:
        session._poll = weakref.ref(conn)

    def finished(self, session: AgentSession, conn: object) -> None:
        # ``conn`` holds the slot: `check` let it poll only while no live
        # connection did, and none can take the slot while ``conn`` lives.
        session._poll = None

    def answered(self, session: AgentSession, request: Request, response: AgentResponse) -> AgentResponse:
        answer = cast(GetMessagesResponse, response)
        messages = answer.messages
        if not messages:
            return response
        delivered, highest = _deliver_once(messages, session._last_message_seq)
        pool = _follow_pool_moves(delivered, session.pool)
        # Both steps accepted the answer: only now does the session change.
        session._last_message_seq = highest
        if pool != session.pool:
            session._identity = msgspec.structs.replace(session._identity, pool=pool)
        if len(delivered) != len(messages):
            response = msgspec.structs.replace(answer, messages=delivered)
        return response


def _deliver_once(messages: tuple[Message, ...], last: int) -> tuple[tuple[Message, ...], int]:
    """The messages not delivered before, and the highest number delivered after them.

    Each message is compared with ``last``, the highest number delivered
    before this answer, not with the other messages of the answer: one that
    comes after a higher number in the same answer (5, then 3) is still
    delivered, since nothing says a server numbers a batch in order, and a
    replay is a repeat of an earlier answer, not of an earlier message in
    this one [I].  A number that comes twice in one answer is delivered the
    first time only.  A message without a number (``ChatGetTimeout``,
    ``ChatSystemError``, an element that does not say) is always delivered
    and moves nothing.  Across answers one number is kept, the highest, as
    Oracle's client keeps it [OL]: a message numbered below one an earlier
    answer delivered is left out.
    """
    kept: list[Message] = []
    seen: set[int] = set()
    highest = last
    for message in messages:
        number = getattr(message, "sequence_number", None)
        if number is not None:
            if number <= last or number in seen:
                continue
            seen.add(number)
            highest = max(highest, number)
        kept.append(message)
    return (messages if len(kept) == len(messages) else tuple(kept)), highest


def _follow_pool_moves(messages: tuple[Message, ...], pool: str | None) -> str | None:
    """The pool after ``messages``: the value of the last pool move among them, else ``pool`` itself.

    An announcement without a value, or with an empty one, moves nothing
    [I]: there is no pool to go to.

    Raises:
        RemoteProtocolError: a pool move names a pool that cannot be sent
            as ``?pool=``.
    """
    for message in messages:
        if type(message) is ChatConfigChangeNotification:
            moved = message.pool
            if moved:
                try:
                    pool = check_pool(moved)
                except LocalProtocolError as exc:  # the server's fault, not the caller's
                    raise RemoteProtocolError(f"getMessages announced an unusable pool: {exc}") from None
    return pool


#: Operation name -> what the session does around its exchanges.  An
#: operation not listed changes nothing in the session.
SESSION_RULES: Mapping[str, SessionRule] = MappingProxyType(
    {
        "createAutomatedAgentSession": _Logon(),
        "logoff": _Logoff(),
        "getMessages": _Poll(),
    }
)
