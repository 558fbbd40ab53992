"""What a server loop asks of the core besides `Emulator.handle`.

- `busy_answer`: the bytes for a connection the loop has no room for;
- `request_line`: how a request shows in an access log, its secrets left out.

Both are about the protocol (the bytes of an answer; which parts of a request
are credentials), so they live here and the loop only writes what they give.
"""

from __future__ import annotations

import re

from .._errors import LimitExceeded
from .._events import HTTPRequestReceived, InvalidRequest, RequestReceived
from .._identity import redact
from .._operations import AGENT_PATH_PREFIX
from .._server import ServerConnection

#: The longest method or target an access line repeats: a hostile client may send 64 KiB of it.
_MAX_SHOWN = 200
#: The one query parameter whose value is shown; any other may carry a credential or a
#: GET operation's whole input.
_SHOWN_QUERY_PARAMETER = "pool"
#: A control path naming an agent session: its id is a credential.
_SESSION_PATH = re.compile(r"\A(/emulator/sessions/)([^/]+)")
#: What a terminal would act on; the target comes from the network.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def busy_answer(max_connections: int) -> bytes:
    """The bytes to send a connection beyond ``max_connections``, whatever it has sent.

    A ``503 Service Unavailable`` with ``Connection: close`` and the body every
    error has, ``{"exceptionCode": "LIMIT_EXCEEDED", "message": "max_connections
    exceeded: N+1 > N"}``: the client learns that its request was not served (so
    it may retry), which a silent close would leave unknown.  An answer needs no
    request to come first, so it fits a connection that sent nothing, part of a
    request, or several.
    """
    refusal = LimitExceeded("max_connections", max_connections, max_connections + 1, error_status_hint=503)
    return ServerConnection().send_error_for(refusal)


def request_line(event: RequestReceived | InvalidRequest | HTTPRequestReceived | None) -> str:
    """The request as an access log shows it: ``METHOD TARGET HTTP/1.1``, or ``-`` for none.

    None stands for bytes that were not a request (malformed HTTP).  No header
    is shown, no query value but the pool's, and no session id in a control
    path.  What the event does not carry is shown as ``-`` (the method of a
    request refused for its method) or ``...`` (the rest of an agent path that
    names no operation).  The version is the one the emulator answers with.
    """
    if isinstance(event, RequestReceived):
        method = event.operation.method
        target = event.operation.path(event.site)
        if event.pool is not None:
            target += f"?{_SHOWN_QUERY_PARAMETER}={event.pool}"
    elif isinstance(event, InvalidRequest):
        operation = event.operation
        # Refused with 405, the request used another method than the operation's, and the event does not say which.
        method = operation.method if operation is not None and event.status != 405 else "-"
        if operation is not None and event.site is not None:
            target = operation.path(event.site)
        else:
            target = f"{AGENT_PATH_PREFIX}{event.site}/..." if event.site is not None else f"{AGENT_PATH_PREFIX}..."
    elif isinstance(event, HTTPRequestReceived):
        method = event.method
        target = _SESSION_PATH.sub(lambda match: match[1] + redact(match[2]), event.path, count=1)
        if event.query:
            target += "?" + "&".join(_query_part(part) for part in event.query.split("&"))
    else:
        return "-"
    return f"{_shown(method)} {_shown(target)} HTTP/1.1"


def _query_part(part: str) -> str:
    name, equals, _ = part.partition("=")
    return part if not equals or name == _SHOWN_QUERY_PARAMETER else f"{name}=<redacted>"


def _shown(text: str) -> str:
    if len(text) > _MAX_SHOWN:
        text = text[:_MAX_SHOWN] + "..."
    return _UNPRINTABLE.sub(lambda match: f"\\x{ord(match[0]):02x}", text)
