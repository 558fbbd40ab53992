"""The values the emulator hands back: replies, session details, its error.

An error reply carries the `ServerConnection`'s `ErrorBody`, so the emulator's
errors and the connection's own have one shape.
"""

from __future__ import annotations

from typing import Any

import msgspec

from .._errors import LocalProtocolError
from .._identity import redact
from .._server import ErrorBody


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


class EngagementCreated(msgspec.Struct, frozen=True, rename="camel"):
    """The control surface's answer to starting or concluding an engagement."""

    engagement_id: int


class Reply(msgspec.Struct, frozen=True, kw_only=True):
    """What the server loop does with one request.

    Wait ``delay_ms`` milliseconds; then, if ``drop``, close the connection
    without answering; otherwise answer ``status`` with ``body`` and
    ``headers`` (through `ServerConnection.send_response`, which encodes the
    body as JSON).

    Attributes:
        status: the HTTP status of the answer.
        body: the answer's body: a model, or a list of them.
        headers: extra (name, value) header pairs, such as a 405's ``Allow``.
        delay_ms: how long to wait before acting (an injected delay), 0 for none.
        drop: close the connection instead of answering (an injected fault).
    """

    status: int = 200
    body: Any = None
    headers: tuple[tuple[str, str], ...] = ()
    delay_ms: int = 0
    drop: bool = False


def error_reply(status: int, code: str, message: str, *, allow: tuple[str, ...] = ()) -> Reply:
    """An error answer with the body ``{"exceptionCode": code, "message": message}``.

    ``allow`` names the methods the resource takes, sent as ``Allow``: a 405
    must carry it (RFC 9110, 15.5.6).
    """
    headers = (("Allow", ", ".join(allow)),) if allow else ()
    return Reply(status=status, body=ErrorBody(code, message), headers=headers)
