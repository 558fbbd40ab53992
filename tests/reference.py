"""The reference example, defined once for the test suite and the fuzz harnesses.

The values are those of the postMessage reference page's cURL example (host,
site, agent id, session id, pool) and the bearer token of the golden file
``tests/data/request-postmessage-bearer.http``.  The builders make sessions,
requests and the bytes of messages from them; keyword arguments replace a
default, so a test names only what it changes.

A test that needs another value on purpose (a host with a port, a secret that
appears nowhere else) keeps it beside itself and says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import chatproto as cp

#: The golden exchanges: raw HTTP/1.1 messages, byte for byte (see its README).
DATA = Path(__file__).resolve().parent / "data"

HOST = "chat_rest_server_domain.com"
SITE = "day001_221100_sql_001h"
AGENT_ID = "12"
SESSION_ID = "node01h8m13tljpm7ns8nayp0pid91"
POOL = "297:1"
TOKEN = "eyJhbGciOi.Jsb2dvbi/+=="

POST_PATH = f"/engagement/api/agent/{SITE}/v1/postMessage"
POST_TARGET = f"{POST_PATH}?pool={POOL}"

#: The reference page's "Request Body Example", byte for byte (spaces, line breaks and nulls).
REFERENCE_REQUEST_BODY = b"""{
"timeCreated" : 1621869388454,
"sequenceNumber" : 5,
"visibility" : "ALL",
"body" : "Sample message text.",
"destinationId" : 27,
"destinationType" : "ENGAGEMENT",
"messageType" : "TEXT",
"messageId" : "1",
"richText" : null,
"messageDataMap" : null
}"""

#: The reference page's response body, compact, answering the first request of a session.
REFERENCE_RESPONSE_BODY = (
    b'{"chatPostResult":{"clientReset":"0"},"chatSystemError":null,"clientSendTime":1564598688444,'
    b'"serviceStartTime":1653492901569,"serviceFinishTime":1653492901701,'
    b'"sessionId":"node01hyuckn70y6nm1g2hco4hrwlqq0","clientId":47,"clientIdString":"47",'
    b'"sequenceNumber":1,"sequenceNumberString":"1"}'
)


def golden(name: str) -> bytes:
    """The bytes of the golden exchange file ``tests/data/<name>``."""
    return (DATA / name).read_bytes()


# --- sessions and requests (each builder's defaults; its keyword arguments replace them) -------

_SESSION: dict[str, object] = {"host": HOST, "site": SITE, "agent_id": AGENT_ID, "session_id": SESSION_ID, "pool": POOL}
#: The reference page's request body (``richText`` and ``messageDataMap`` left unset).
_REFERENCE_REQUEST: dict[str, object] = {
    "body": "Sample message text.",
    "destination_id": 27,
    "destination_type": cp.DestinationType.ENGAGEMENT,
    "message_type": cp.MessageType.TEXT,
    "message_id": "1",
    "sequence_number": 5,
    "time_created": 1621869388454,
    "visibility": cp.Visibility.ALL,
}
_SIMPLE_REQUEST: dict[str, object] = {
    "body": "Hi",
    "destination_id": 27,
    "destination_type": cp.DestinationType.ENGAGEMENT,
}


def make_session(**overrides: object) -> cp.AgentSession:
    """The reference example's session, without a token (the cURL example sends none)."""
    return cp.AgentSession(**{**_SESSION, **overrides})  # type: ignore[arg-type]


def bearer_session(**overrides: object) -> cp.AgentSession:
    """The reference session with the reference token, so that every operation can be sent."""
    return make_session(**{"token": TOKEN, **overrides})


def reference_request(**overrides: object) -> cp.PostMessageRequest:
    """The reference page's request body, as `tests/data/request-postmessage-reference.http` sends it."""
    return cp.PostMessageRequest(**{**_REFERENCE_REQUEST, **overrides})  # type: ignore[arg-type]


def post_message(**overrides: object) -> cp.PostMessageRequest:
    """The reference page's request with no sequence number: the session numbers it."""
    return reference_request(**{"sequence_number": None, **overrides})


def simple_request(**overrides: object) -> cp.PostMessageRequest:
    """A minimal valid postMessage; the session numbers it."""
    return cp.PostMessageRequest(**{**_SIMPLE_REQUEST, **overrides})  # type: ignore[arg-type]


# --- the bytes of messages ---------------------------------------------------------------------


def http_response(
    status: int = 200,
    body: bytes = b"{}",
    *,
    reason: bytes = b"OK",
    headers: Sequence[tuple[bytes, bytes]] = (),
    version: bytes = b"1.1",
    content_length: bool = True,
) -> bytes:
    """A response as a server would write it; ``content_length=False`` leaves framing to ``headers``."""
    lines = [b"HTTP/%s %d %s" % (version, status, reason)]
    lines.append(b"Content-Type: application/json;charset=utf-8")
    if content_length:
        lines.append(b"Content-Length: %d" % len(body))
    lines.extend(name + b": " + value for name, value in headers)
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def chunked(body: bytes, *sizes: int, terminator: bytes = b"\r\n", last: bytes = b"0\r\n\r\n") -> bytes:
    """``body`` in chunked transfer coding: chunks of ``sizes``, then the rest in one, each closed
    by ``terminator`` (an empty piece is left out: it would be the last chunk), then ``last``."""
    parts = []
    start = 0
    for size in sizes:
        parts.append(body[start : start + size])
        start += size
    parts.append(body[start:])
    return b"".join(b"%x\r\n%s%s" % (len(part), part, terminator) for part in parts if part) + last


def request_bytes(
    body: bytes,
    *,
    target: bytes = POST_TARGET.encode(),
    method: bytes = b"POST",
    headers: Sequence[tuple[bytes, bytes]] | None = None,
    content_type: bytes | None = b"application/json; charset=utf-8",
) -> bytes:
    """A request as a client would write it (Host, Content-Type, X-AID, X-JSESSIONID, Content-Length)."""
    lines = [method + b" " + target + b" HTTP/1.1", b"Host: " + HOST.encode()]
    if content_type is not None:
        lines.append(b"Content-Type: " + content_type)
    if headers is None:
        headers = [(b"X-AID", AGENT_ID.encode()), (b"X-JSESSIONID", SESSION_ID.encode())]
    lines.extend(name + b": " + value for name, value in headers)
    lines.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


# --- the site calls ------------------------------------------------------------------------------
# The docs give no example of these values; these are ours.  The password holds a ':' (a password
# may, a user id may not) and the comment a space, as free text does.

SITE_HOST = "b2c-site.example.com"
USERNAME = "chatbot"
PASSWORD = "Pa55:w0rd!x"
APP_CONTEXT = "chatproto bot"
SERVICE_SETTINGS_PATH = "/services/rest/crossChannelServices/latest/serviceSettings/1"
AGENT_TOKENS_PATH = "/services/rest/crossChannelServices/latest/agentTokens"
#: ``Basic `` and the base64 of ``USERNAME:PASSWORD``.
BASIC_CREDENTIALS = "Basic Y2hhdGJvdDpQYTU1OncwcmQheA=="
#: serviceSettings' answer: the reference's chat server, site and the docs' example pool and port.
SERVICE_SETTINGS_BODY = (
    b'{"domain":"chat_rest_server_domain.com","port":8084,"pool":"123:4","siteName":"day001_221100_sql_001h",'
    b'"links":[{"rel":"canonical","href":"https://b2c-site.example.com/services/rest/crossChannelServices/latest/'
    b'serviceSettings/1","mediaType":"application/json"}]}'
)
AGENT_TOKENS_BODY = b'{"sessionToken":"eyJhbGciOi.Jsb2dvbi/+=="}'

_SITE: dict[str, object] = {"host": SITE_HOST, "username": USERNAME, "password": PASSWORD, "app_context": APP_CONTEXT}


def make_site(**overrides: object) -> cp.SiteSession:
    """The site calls' reference account."""
    return cp.SiteSession(**{**_SITE, **overrides})  # type: ignore[arg-type]
