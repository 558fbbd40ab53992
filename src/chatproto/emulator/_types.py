"""The values the emulator hands back: replies, accounts, sessions, engagements, its error.

An error reply carries the `ServerConnection`'s `ErrorBody`, so the emulator's
errors and the connection's own have one shape.  The views (`SessionState`,
`EngagementState`) are what the control surface answers, camelCase on the
wire; session ids and passwords are credentials and never shown whole in a repr.
"""

from __future__ import annotations

import enum
from typing import Any

import msgspec

from .._errors import LocalProtocolError
from .._identity import redact
from .._server import ErrorBody
from ._defaults import DEFAULT_AGENT_ID, DEFAULT_PASSWORD, DEFAULT_USERNAME


class EmulatorError(LocalProtocolError):
    """A control call the emulator refuses (unknown session or engagement, a bad
    value, capacity reached).

    Over HTTP it becomes the error answer ``status`` with ``code``; in
    process it is raised as it is.

    Attributes:
        status: the HTTP status the control surface answers with.
        code: the exception code the control surface answers with.
    """

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message, error_status_hint=status)
        self.status = status
        self.code = code


class SessionInfo(msgspec.Struct, frozen=True, rename="camel"):
    """An agent session the emulator opened: what a client needs to speak for it.

    On the wire: ``{"site", "agentId", "sessionId", "pool"}``.
    """

    site: str
    agent_id: str
    session_id: str
    pool: str

    def __repr__(self) -> str:
        # The session id is a credential: never shown whole.
        return (
            f"SessionInfo(site={self.site!r}, agent_id={self.agent_id!r}, "
            f"session_id={redact(self.session_id)}, pool={self.pool!r})"
        )


class AgentAccount(msgspec.Struct, frozen=True, rename="camel", forbid_unknown_fields=True):
    """A B2C account: what the site calls (serviceSettings, agentTokens) take as HTTP Basic
    credentials, and the agent (``X-AID``) its sessions speak for.

    On the wire (``POST /emulator/agents``): ``{"username", "password", "agentId", "site"?}``;
    ``site`` None means the emulator's first site.
    """

    username: str
    password: str
    agent_id: str
    site: str | None = None

    def __repr__(self) -> str:
        return (
            f"AgentAccount(username={self.username!r}, password={redact(self.password)}, "
            f"agent_id={self.agent_id!r}, site={self.site!r})"
        )


#: The account every emulator starts with (see `AgentAccount`), printed by ``chatproto emulator``.
DEFAULT_ACCOUNT = AgentAccount(DEFAULT_USERNAME, DEFAULT_PASSWORD, DEFAULT_AGENT_ID)


class EngagementStatus(enum.StrEnum):
    """Where an engagement is in its life.

    ``QUEUED`` waits for an agent (a new one, one declined, or one rerouted back);
    ``OFFERED`` was offered to an agent session through getMessages and awaits
    its assignmentAcknowledgement; ``ACTIVE`` was accepted; ``CONCLUDED`` was
    concluded (the agent is in wrap-up and still holds it); ``RELEASED`` is done.
    """

    QUEUED = "QUEUED"
    OFFERED = "OFFERED"
    ACTIVE = "ACTIVE"
    CONCLUDED = "CONCLUDED"
    RELEASED = "RELEASED"


class SessionState(SessionInfo, frozen=True):
    """An agent session as it is now (``GET /emulator/sessions/{id}``): `SessionInfo` and more.

    Attributes:
        status: the agent status setActivityStatus set (``NONE`` until then).
        sub_type_id: the status sub-type it came with, None until then.
        assignment_requested: whether requestAssignment asked for engagements.
        max_sessions: the ``maxSessionCount`` requestAssignment gave (0 until then).
        offers_left: how many more engagements may be offered before the agent asks again.
        engagements: the engagements the session holds (offered, active, concluded), in order.
        polling: whether a getMessages poll is held now.
        pending_messages: messages queued for its next poll.
        pending_pool: the pool a move announced, until the announcement is delivered.
    """

    status: str
    sub_type_id: int | None
    assignment_requested: bool
    max_sessions: int
    offers_left: int
    engagements: tuple[int, ...]
    polling: bool
    pending_messages: int
    pending_pool: str | None

    def __repr__(self) -> str:
        return f"SessionState({_fields_shown(self)})"


class TranscriptEntry(msgspec.Struct, frozen=True, rename="camel", omit_defaults=True):
    """One thing that happened in an engagement, on either side.

    Attributes:
        sender: ``AGENT``, ``END_USER`` or ``SYSTEM``.
        kind: ``MESSAGE`` (``body`` is the text), ``TYPING`` (``body`` is the sneak
            preview), ``LEFT`` (the end user left), ``CONCLUDED``, ``RELEASED``, ``REROUTED``.
        time_ms: when, in epoch milliseconds (the clock of the call that did it).
        body: the text, if any.
    """

    sender: str
    kind: str
    time_ms: int
    body: str | None = None


class EngagementState(msgspec.Struct, frozen=True, rename="camel"):
    """An engagement as it is now (``GET /emulator/engagements/{id}``).

    Attributes:
        engagement_id: its id.
        status: where it is in its life.
        site: the site it belongs to.
        session_id: the agent session that holds it (offered, active, concluded), if any.
        agent_id: that session's agent.
        queue_id: the queue it came through.
        end_user_left: whether the end user has left (posts into it are then ``CONFLICT``).
        user_properties: the end user's properties (``FIRST_NAME``, ``QUESTION``, ...),
            as the engagement started and as setEngagementProperty and modifyProperties set them.
        engagement_properties: the engagement's own (``CONTACT_ID``, ``INCIDENT_ID``).
        custom_fields: custom fields modifyProperties set, name -> value.
        transcript: what both sides did, in order.
    """

    engagement_id: int
    status: EngagementStatus
    site: str
    session_id: str | None
    agent_id: str | None
    queue_id: int
    end_user_left: bool
    user_properties: dict[str, str]
    engagement_properties: dict[str, str]
    custom_fields: dict[str, str]
    transcript: tuple[TranscriptEntry, ...]

    def __repr__(self) -> str:
        return f"EngagementState({_fields_shown(self)})"


class EngagementCreated(msgspec.Struct, frozen=True, rename="camel"):
    """The control surface's answer to starting, queueing or concluding an engagement."""

    engagement_id: int


class Hold(msgspec.Struct, frozen=True):
    """A getMessages poll the server loop is to hold: nothing is queued for its session yet.

    The loop waits until the emulator's wake listener names ``poll_id`` (something
    was queued, or another poll took the slot, or the session ended), or until
    ``timeout_ms`` have passed, or until the client hangs up; then it asks
    `Emulator.answer_poll` for the answer (or calls `Emulator.release_poll` if
    the client is gone).

    Attributes:
        poll_id: which poll, for `Emulator.answer_poll` and `Emulator.release_poll`.
        timeout_ms: how long to hold it at most, in milliseconds.
    """

    poll_id: int
    timeout_ms: int


class Reply(msgspec.Struct, frozen=True, kw_only=True):
    """What the server loop does with one request.

    If ``hold`` is set, hold the request as it says (a getMessages poll with
    nothing to deliver yet) and act on the `Reply` that `Emulator.answer_poll`
    gives later instead.  Otherwise wait ``delay_ms`` milliseconds; then, if
    ``drop``, close the connection without answering; otherwise answer
    ``status`` with ``body`` and ``headers`` (through
    `ServerConnection.send_response`, which encodes the body as JSON).

    Attributes:
        status: the HTTP status of the answer.
        body: the answer's body: a model, or a list of them.
        headers: extra (name, value) header pairs, such as a 405's ``Allow``.
        delay_ms: how long to wait before acting (an injected delay), 0 for none.
        drop: close the connection instead of answering (an injected fault).
        hold: hold the request before answering (a poll), None for none.
    """

    status: int = 200
    body: Any = None
    headers: tuple[tuple[str, str], ...] = ()
    delay_ms: int = 0
    drop: bool = False
    hold: Hold | None = None


def error_reply(status: int, code: str, message: str, *, allow: tuple[str, ...] = ()) -> Reply:
    """An error answer with the body ``{"exceptionCode": code, "message": message}``.

    ``allow`` names the methods the resource takes, sent as ``Allow``: a 405
    must carry it (RFC 9110, 15.5.6).
    """
    headers = (("Allow", ", ".join(allow)),) if allow else ()
    return Reply(status=status, body=ErrorBody(code, message), headers=headers)


def _fields_shown(view: msgspec.Struct) -> str:
    """``name=value, ...`` of a view, its session id redacted (a credential)."""
    parts = []
    for name in view.__struct_fields__:
        value = getattr(view, name)
        shown = redact(value) if name == "session_id" and isinstance(value, str) else repr(value)
        parts.append(f"{name}={shown}")
    return ", ".join(parts)
