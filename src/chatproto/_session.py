"""The agent session: identity, pool, liveness and sequence numbers.

One `AgentSession` is shared by every connection that speaks for the same
agent session, so the sequence numbers it hands out are strictly increasing
across all of them.  It is plain state with no I/O: a restarted process can
save `last_sequence_number` and pass it back to continue the numbering.

It says who is talking and where (`SessionIdentity`), not how a request
looks: the request head is built from the identity elsewhere.
"""

from __future__ import annotations

import msgspec

from ._errors import LocalProtocolError
from ._identity import check_header_id, check_host, check_pool, check_site, check_token, redact
from ._operations import Operation

_MAX_SEQUENCE_NUMBER = 2**63 - 1


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

    Raises:
        LocalProtocolError: a value is empty, not a str, or contains a
            character that could change the request line or a header.
    """

    __slots__ = ("_expired", "_identity", "_last_seq")

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
        if type(last_sequence_number) is not int or not 0 <= last_sequence_number <= _MAX_SEQUENCE_NUMBER:
            raise LocalProtocolError("last_sequence_number must be an int from 0 to 2**63-1")
        self._last_seq = last_sequence_number
        self._expired = False

    def __repr__(self) -> str:
        identity = self._identity
        session = None if identity.session_id is None else redact(identity.session_id)
        token = None if identity.token is None else redact(identity.token)
        return (
            f"AgentSession(host={identity.host!r}, site={identity.site!r}, agent_id={identity.agent_id!r}, "
            f"session_id={session}, pool={identity.pool!r}, token={token}, "
            f"last_sequence_number={self._last_seq}, expired={self._expired})"
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
    def last_sequence_number(self) -> int:
        """The last sequence number handed out (0 before the first); save it to resume."""
        return self._last_seq

    def expire(self) -> None:
        """Mark the session as unknown to the server; sending on it is refused from now on."""
        self._expired = True

    def renew(self, session_id: str) -> None:
        """Adopt a new session id (from ``createAutomatedAgentSession``) and become live again.

        The sequence numbering continues: numbers stay strictly increasing.
        """
        checked = check_header_id("session_id", session_id)
        self._identity = msgspec.structs.replace(self._identity, session_id=checked)
        self._expired = False

    def claim_sequence_number(self, operation: Operation, explicit: int | None) -> int:
        """The number a request of ``operation`` will carry: ``explicit`` if given, else the next one.

        Nothing is recorded until `commit_sequence_number`, so a request that
        fails validation does not use up a number.  The session must be able
        to send ``operation`` at all: live, and with the session id or the
        token it needs (checked here, on the one call every send makes).

        Raises:
            LocalProtocolError: the session has expired or lacks what the
                operation needs, ``explicit`` is not above the last number
                handed out, or the numbers are exhausted.
        """
        if self._expired:
            raise LocalProtocolError("the agent session has expired (the server answered 403); renew it first")
        if operation.needs_session:
            if self._identity.session_id is None:
                raise LocalProtocolError(f"{operation.name} needs a session id; the session has none yet")
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
