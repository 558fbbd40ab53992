"""The emulator's control surface over HTTP: JSON in and out, beside the agent API.

Each route calls the `Emulator` method of the same meaning, so the HTTP surface
and the in-process calls cannot drift apart:

=====  ==============================================  ===============================
POST   /emulator/agents                                `Emulator.register_agent`
POST   /emulator/sessions                              `Emulator.open_session`
GET    /emulator/sessions/{sessionId}                  `Emulator.session`
POST   /emulator/sessions/{sessionId}/pool             `Emulator.move_pool`
POST   /emulator/sessions/{sessionId}/takeover         `Emulator.take_over`
POST   /emulator/engagements                           `Emulator.start_engagement` (with
                                                       ``sessionId``), else
                                                       `Emulator.queue_engagement`
GET    /emulator/engagements/{id}                      `Emulator.engagement`
POST   /emulator/engagements/{id}/conclude             `Emulator.conclude_engagement`
GET    /emulator/engagements/{id}/messages             `Emulator.messages`
POST   /emulator/engagements/{id}/end-user/messages    `Emulator.end_user_says`
POST   /emulator/engagements/{id}/end-user/typing      `Emulator.end_user_types`
POST   /emulator/engagements/{id}/end-user/leave       `Emulator.end_user_leaves`
GET    /emulator/faults                                `Emulator.faults`
POST   /emulator/faults                                `Emulator.set_faults`
GET    /emulator/engagements/{id}/end-user/view        `Emulator.watch_end_user_view`
GET    /emulator/overview                              `Emulator.watch_overview`
GET    /, /page.css, /page.js                          `Emulator.page_file`
=====  ==============================================  ===============================

The chat page's two views are long polls (see ``_page``): ``?after=N`` names
the version the page shows (0, or no query, for none yet); the view answers
at once when its version is past N, else it is held until it changes.  Any
other query parameter, or an N that is not a number, is refused with 400.

Bodies are JSON objects with the calls' arguments in camelCase:
``{"username", "password", "agentId", "site"?}`` for an account (answered
without the password); ``{"agentId", "site"?}`` for a session; ``{"pool"?}``
for a pool move (answered ``{"pool": new}``); ``{"sessionId"?, "engagementId"?,
"site"?, "firstName"?, "lastName"?, "email"?, "question"?}`` for an engagement
(answered ``{"engagementId": N}``, as the conclude and end-user routes are);
``{"body"}`` for what the end user says and ``{"sneakPreview"}`` for what they
type.  A field the route does not take is refused with 400.

The body of ``POST /emulator/faults`` is a JSON object with any of the
fields below; a field it leaves out keeps its value in the plan in force, so
``{"delay": 1}`` turns delays on and leaves ``delayMs`` as it was.  The answer
is the whole plan now in force (what ``GET /emulator/faults`` answers too).
Every POST starts the fault sequence again from its first request, so the
same plan set at the same point gives the same faults.

=====================  ======================  ===========================================  =======
field                  unit                    meaning                                      default
=====================  ======================  ===========================================  =======
``seed``               integer                 picks the reproducible sequence of faults    0
``delay``              probability, 0 to 1     a post is answered ``delayMs`` late          0
``delayMs``            milliseconds, integer,  how late a delayed answer comes              100
                       0 to 600000
``closeBeforeRecord``  probability, 0 to 1     the connection is closed, nothing recorded   0
``closeAfterRecord``   probability, 0 to 1     the message is recorded, then the            0
                                               connection is closed unanswered
``serverError``        probability, 0 to 1     answered 500, nothing recorded               0
``poolChange``         probability, 0 to 1     the session moves to another pool: 403       0
``dropPoll``           probability, 0 to 1     a poll's messages count as delivered, but    0
                                               the connection is closed unanswered
``replay``             probability, 0 to 1     a poll answer carries the messages already   0
                                               delivered again, then the new ones
``takeover``           probability, 0 to 1     another logon takes the session over: the    0
                                               poll is answered 403, the session ended
=====================  ======================  ===========================================  =======

The first five apply to each post that would otherwise succeed, the last three
to each poll answer that carries messages; at most one fault applies to a
request, so the rates of each kind may not add up past 1.  A field of the wrong type, a
value out of range or an unknown field is answered 400 and changes nothing.
To switch faults off, post the rates back to 0 (``{"serverError": 0}``).

A method a route does not take is answered 405 with ``Allow`` naming the
ones it does.

The routes see the emulator only through `ControlCalls`, the calls they
make, so this module needs nothing of the state module: the state module
imports it to hand it the requests outside the agent API, and the imports
of the package run one way.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import msgspec
from msgspec import UNSET, UnsetType

from .._errors import LimitExceeded
from .._events import HTTPRequestReceived
from .._json_depth import check_depth
from .._post_message import PostMessageRequest
from ._faults import FaultPlan
from ._types import (
    AgentAccount,
    EmulatorError,
    EngagementCreated,
    EngagementState,
    Reply,
    SessionInfo,
    SessionState,
    error_reply,
)

_T = TypeVar("_T")
#: Control bodies are flat objects; anything deeper is refused before decoding.
_MAX_CONTROL_DEPTH = 4
#: How much of a hostile path an error message repeats.
_MAX_ECHO = 120


class ControlCalls(Protocol):
    """What the routes need of an emulator: the calls they make (`Emulator` has them)."""

    def register_agent(
        self, username: str, password: str, agent_id: str | int, *, site: str | None = None
    ) -> AgentAccount:
        """``POST /emulator/agents``."""

    def open_session(
        self, agent_id: str | int, *, site: str | None = None, session_id: str | None = None
    ) -> SessionInfo:
        """``POST /emulator/sessions``."""

    def session(self, session_id: str) -> SessionState:
        """``GET /emulator/sessions/{sessionId}``."""

    def move_pool(self, session_id: str, pool: str | None = None, *, now_ms: int | None = None) -> str:
        """``POST /emulator/sessions/{sessionId}/pool``."""

    def take_over(self, session_id: str, *, now_ms: int | None = None) -> SessionInfo:
        """``POST /emulator/sessions/{sessionId}/takeover``."""

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
        """``POST /emulator/engagements`` with a ``sessionId``."""

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
        """``POST /emulator/engagements`` without one."""

    def engagement(self, engagement_id: int) -> EngagementState:
        """``GET /emulator/engagements/{id}``."""

    def conclude_engagement(self, engagement_id: int, *, now_ms: int | None = None) -> None:
        """``POST /emulator/engagements/{id}/conclude``."""

    def messages(self, engagement_id: int) -> list[PostMessageRequest]:
        """``GET /emulator/engagements/{id}/messages``."""

    def end_user_says(self, engagement_id: int, body: str, *, now_ms: int | None = None) -> None:
        """``POST /emulator/engagements/{id}/end-user/messages``."""

    def end_user_types(self, engagement_id: int, sneak_preview: str, *, now_ms: int | None = None) -> None:
        """``POST /emulator/engagements/{id}/end-user/typing``."""

    def end_user_leaves(self, engagement_id: int, *, now_ms: int | None = None) -> None:
        """``POST /emulator/engagements/{id}/end-user/leave``."""

    @property
    def faults(self) -> FaultPlan:
        """``GET /emulator/faults``."""

    def set_faults(self, faults: FaultPlan | None) -> None:
        """``POST /emulator/faults``."""

    def watch_end_user_view(self, engagement_id: int, after: int) -> Reply:
        """``GET /emulator/engagements/{id}/end-user/view?after=N``."""

    def watch_overview(self, after: int) -> Reply:
        """``GET /emulator/overview?after=N``."""

    def page_file(self, path: str) -> Reply:
        """``GET /``, ``/page.css``, ``/page.js``."""


class _Body(msgspec.Struct, frozen=True, rename="camel", forbid_unknown_fields=True):
    """Base of the control bodies: camelCase, and a field the route does not take is refused."""


class _AccountBody(_Body, frozen=True):
    username: str
    password: str
    agent_id: str | int
    site: str | None = None


class _AccountAnswer(msgspec.Struct, frozen=True, rename="camel"):
    """An account as the control surface answers it: without its password."""

    username: str
    agent_id: str
    site: str | None


class _OpenSessionBody(_Body, frozen=True):
    agent_id: str | int
    site: str | None = None


class _PoolBody(_Body, frozen=True):
    pool: str | None = None


class _PoolAnswer(msgspec.Struct, frozen=True):
    pool: str


class _EngagementBody(_Body, frozen=True):
    session_id: str | None = None
    engagement_id: int | None = None
    site: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    question: str | None = None


class _SayBody(_Body, frozen=True):
    body: str


class _TypingBody(_Body, frozen=True):
    sneak_preview: str


def _register_agent(emulator: ControlCalls, body: bytes) -> Reply:
    request = _decode(body, _AccountBody, "agents")
    account = emulator.register_agent(request.username, request.password, request.agent_id, site=request.site)
    return Reply(body=_AccountAnswer(account.username, account.agent_id, account.site))


def _open_session(emulator: ControlCalls, body: bytes) -> Reply:
    request = _decode(body, _OpenSessionBody, "sessions")
    return Reply(body=emulator.open_session(request.agent_id, site=request.site))


def _get_session(emulator: ControlCalls, body: bytes, session_id: str) -> Reply:
    return Reply(body=emulator.session(session_id))


def _move_pool(emulator: ControlCalls, body: bytes, session_id: str) -> Reply:
    request = _decode(body, _PoolBody, "sessions/{id}/pool")
    return Reply(body=_PoolAnswer(emulator.move_pool(session_id, request.pool)))


def _take_over(emulator: ControlCalls, body: bytes, session_id: str) -> Reply:
    _decode(body, _Body, "sessions/{id}/takeover")
    return Reply(body=emulator.take_over(session_id))


def _start_engagement(emulator: ControlCalls, body: bytes) -> Reply:
    request = _decode(body, _EngagementBody, "engagements")
    user: dict[str, Any] = {
        "first_name": request.first_name,
        "last_name": request.last_name,
        "email": request.email,
        "question": request.question,
    }
    if request.session_id is None:
        number = emulator.queue_engagement(site=request.site, engagement_id=request.engagement_id, **user)
    elif request.site is not None:
        raise EmulatorError(400, "INVALID_FIELD", "site: an engagement with a sessionId is on that session's site")
    else:
        number = emulator.start_engagement(request.session_id, engagement_id=request.engagement_id, **user)
    return Reply(body=EngagementCreated(number))


def _get_engagement(emulator: ControlCalls, body: bytes, engagement_id: str) -> Reply:
    return Reply(body=emulator.engagement(int(engagement_id)))


def _conclude_engagement(emulator: ControlCalls, body: bytes, engagement_id: str) -> Reply:
    number = int(engagement_id)
    emulator.conclude_engagement(number)
    return Reply(body=EngagementCreated(number))


def _messages(emulator: ControlCalls, body: bytes, engagement_id: str) -> Reply:
    return Reply(body=emulator.messages(int(engagement_id)))


def _end_user_says(emulator: ControlCalls, body: bytes, engagement_id: str) -> Reply:
    request = _decode(body, _SayBody, "engagements/{id}/end-user/messages")
    emulator.end_user_says(int(engagement_id), request.body)
    return Reply(body=EngagementCreated(int(engagement_id)))


def _end_user_types(emulator: ControlCalls, body: bytes, engagement_id: str) -> Reply:
    request = _decode(body, _TypingBody, "engagements/{id}/end-user/typing")
    emulator.end_user_types(int(engagement_id), request.sneak_preview)
    return Reply(body=EngagementCreated(int(engagement_id)))


def _end_user_leaves(emulator: ControlCalls, body: bytes, engagement_id: str) -> Reply:
    _decode(body, _Body, "engagements/{id}/end-user/leave")
    emulator.end_user_leaves(int(engagement_id))
    return Reply(body=EngagementCreated(int(engagement_id)))


#: The body of ``POST /emulator/faults``: FaultPlan's fields, each of them optional.
_FaultsBody: type[msgspec.Struct] = msgspec.defstruct(
    "_FaultsBody",
    [(field.name, field.type | UnsetType, UNSET) for field in msgspec.structs.fields(FaultPlan)],
    frozen=True,
    rename="camel",
    forbid_unknown_fields=True,
)


def _get_faults(emulator: ControlCalls, body: bytes) -> Reply:
    return Reply(body=emulator.faults)


def _set_faults(emulator: ControlCalls, body: bytes) -> Reply:
    given = _decode(body, _FaultsBody, "faults")
    changes = {name: value for name, value in msgspec.structs.asdict(given).items() if value is not UNSET}
    # FaultPlan checks the plan as a whole (the rates' sum), so a bad change leaves the plan in force as it was.
    plan = msgspec.structs.replace(emulator.faults, **changes)
    emulator.set_faults(plan)
    return Reply(body=plan)


def _end_user_view(emulator: ControlCalls, query: str, engagement_id: str) -> Reply:
    return emulator.watch_end_user_view(int(engagement_id), _after(query))


def _overview(emulator: ControlCalls, query: str) -> Reply:
    return emulator.watch_overview(_after(query))


def _page_file(emulator: ControlCalls, body: bytes, path: str) -> Reply:
    return emulator.page_file(path)


def _after(query: str) -> int:
    """The ``after=N`` of a page's long poll; 0 without it."""
    after = 0
    for part in query.split("&") if query else ():
        name, _, value = part.partition("=")
        if name != "after":
            raise EmulatorError(400, "INVALID_FIELD", f"{_echo(name)}: the only query parameter taken is after")
        if _NUMBER.fullmatch(value) is None:
            raise EmulatorError(400, "INVALID_FIELD", f"after: a version number is required, not {_echo(value)}")
        after = int(value)
    return after


_NUMBER = re.compile("[0-9]{1,19}")
_ID = "([0-9]{1,19})"
_SESSION = "([^/]+)"
_ROUTES: tuple[tuple[re.Pattern[str], str, Callable[..., Reply]], ...] = (
    (re.compile(r"/emulator/agents"), "POST", _register_agent),
    (re.compile(r"/emulator/sessions"), "POST", _open_session),
    (re.compile(rf"/emulator/sessions/{_SESSION}"), "GET", _get_session),
    (re.compile(rf"/emulator/sessions/{_SESSION}/pool"), "POST", _move_pool),
    (re.compile(rf"/emulator/sessions/{_SESSION}/takeover"), "POST", _take_over),
    (re.compile(r"/emulator/engagements"), "POST", _start_engagement),
    (re.compile(rf"/emulator/engagements/{_ID}"), "GET", _get_engagement),
    (re.compile(rf"/emulator/engagements/{_ID}/conclude"), "POST", _conclude_engagement),
    (re.compile(rf"/emulator/engagements/{_ID}/messages"), "GET", _messages),
    (re.compile(rf"/emulator/engagements/{_ID}/end-user/messages"), "POST", _end_user_says),
    (re.compile(rf"/emulator/engagements/{_ID}/end-user/typing"), "POST", _end_user_types),
    (re.compile(rf"/emulator/engagements/{_ID}/end-user/leave"), "POST", _end_user_leaves),
    (re.compile(r"/emulator/faults"), "GET", _get_faults),
    (re.compile(r"/emulator/faults"), "POST", _set_faults),
    (re.compile(rf"/emulator/engagements/{_ID}/end-user/view"), "GET", _end_user_view),
    (re.compile(r"/emulator/overview"), "GET", _overview),
    (re.compile(r"(/|/page\.css|/page\.js)"), "GET", _page_file),
)
#: The routes that read the request's query rather than its body.
_QUERY_ROUTES: frozenset[Callable[..., Reply]] = frozenset({_end_user_view, _overview})


def handle_control(emulator: ControlCalls, event: HTTPRequestReceived) -> Reply:
    """The answer to a request outside the agent API's path: a control route, 404 or 405."""
    allowed: list[str] = []
    for pattern, method, action in _ROUTES:
        match = pattern.fullmatch(event.path)
        if match is None:
            continue
        if method != event.method:
            allowed.append(method)
            continue
        try:
            given = event.query if action in _QUERY_ROUTES else event.body
            return action(emulator, given, *match.groups())
        except EmulatorError as exc:
            return error_reply(exc.status, exc.code, str(exc))
    path = _echo(event.path)
    if allowed:
        return error_reply(
            405,
            "METHOD_NOT_ALLOWED",
            f"{path} takes {' or '.join(allowed)}, not {_echo(event.method)}",
            allow=tuple(allowed),
        )
    return error_reply(404, "NOT_FOUND", f"no resource at {path}")


_DECODERS: dict[type[Any], msgspec.json.Decoder[Any]] = {
    kind: msgspec.json.Decoder(kind)
    for kind in (
        _Body,
        _AccountBody,
        _OpenSessionBody,
        _PoolBody,
        _EngagementBody,
        _SayBody,
        _TypingBody,
        _FaultsBody,
    )
}


def _decode(body: bytes, kind: type[_T], route: str) -> _T:
    """A control body decoded strictly; an empty body counts as ``{}``."""
    try:
        check_depth(body, _MAX_CONTROL_DEPTH)
        decoded: _T = _DECODERS[kind].decode(body or b"{}")
    except LimitExceeded as exc:
        raise EmulatorError(400, "BAD_REQUEST", f"invalid /emulator/{route} body: {exc}") from exc
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:  # a body that is not UTF-8
        raise EmulatorError(400, "INVALID_FIELD", f"invalid /emulator/{route} body: {exc}") from exc
    return decoded


def _echo(text: str) -> str:
    """``text`` quoted for an error message, cut short if a hostile client made it long."""
    return repr(text if len(text) <= _MAX_ECHO else text[:_MAX_ECHO] + "...")
