"""The request head of every operation, byte for byte, and when it is rebuilt.

The expected heads are spelled out here line by line, not derived from the
library: the request line, the ``pool`` query, the header order (Host,
Content-Type, X-AID, X-JSESSIONID, Content-Length, Authorization) and the
one GET's input in the query.
"""

from __future__ import annotations

import msgspec
import pytest

import chatproto as cp

from .helpers import SESSION_ID, TOKEN, http_response, make_session, minimal_request

# Every POST operation, and whether it carries X-AID and X-JSESSIONID.
POST_OPERATIONS = [
    ("postMessage", True),
    ("createAutomatedAgentSession", False),
    ("getMessages", True),
    ("assignmentAcknowledgement", True),
    ("requestAssignment", True),
    ("concludeChat", True),
    ("releaseChat", True),
    ("rerouteEngagement", True),
    ("logoff", True),
    ("setActivityStatus", True),
    ("setInteractionStatus", True),
    ("setEngagementProperty", True),
    ("modifyProperties", True),
    ("retrieveAgentsAndQueues", True),
]
GET_OPERATION = "rerouteAvailability"


def post_head(name: str, session_headers: bool, *, pool: bool, token: bool, length: int) -> bytes:
    lines = [
        f"POST /engagement/api/agent/day001_221100_sql_001h/v1/{name}{'?pool=297:1' if pool else ''} HTTP/1.1",
        "Host: chat_rest_server_domain.com",
        "Content-Type: application/json; charset=utf-8",
    ]
    if session_headers:
        lines += ["X-AID: 12", "X-JSESSIONID: node01h8m13tljpm7ns8nayp0pid91"]
    lines.append(f"Content-Length: {length}")
    if token:
        lines.append(f"Authorization: Bearer {TOKEN}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def test_the_heads_below_cover_every_row_of_the_table() -> None:
    assert {name for name, _ in POST_OPERATIONS} | {GET_OPERATION} == set(cp.OPERATIONS)
    for name, session_headers in POST_OPERATIONS:
        assert (cp.OPERATIONS[name].method, cp.OPERATIONS[name].needs_session) == ("POST", session_headers)
    assert cp.OPERATIONS[GET_OPERATION].method == "GET"


# Each POST with and without a pool and a token; the session-creating one
# cannot be sent without a token (tested below).
POST_CASES = [
    pytest.param(
        name,
        session_headers,
        pool,
        token,
        id=f"{name}-{'pool' if pool else 'no-pool'}-{'token' if token else 'no-token'}",
    )
    for name, session_headers in POST_OPERATIONS
    for pool in (True, False)
    for token in (True, False)
    if session_headers or token
]


@pytest.mark.parametrize(("name", "session_headers", "pool", "token"), POST_CASES)
def test_every_post_head_byte_for_byte(name: str, session_headers: bool, pool: bool, token: bool) -> None:
    session = make_session(pool="297:1" if pool else None, token=TOKEN if token else None)
    request = minimal_request(cp.OPERATIONS[name])
    data = cp.ClientConnection(session).send(request)
    body = msgspec.json.encode(msgspec.structs.replace(request, sequence_number=1))
    assert data == post_head(name, session_headers, pool=pool, token=token, length=len(body)) + body


def test_the_session_creating_operation_needs_a_token_and_sends_no_session_headers() -> None:
    with pytest.raises(cp.LocalProtocolError, match="bearer token"):
        cp.ClientConnection(make_session()).send(cp.CreateAgentSessionRequest())
    data = cp.ClientConnection(make_session(session_id=None, token=TOKEN)).send(
        cp.CreateAgentSessionRequest(logon_override=True)
    )
    assert data == (
        b"POST /engagement/api/agent/day001_221100_sql_001h/v1/createAutomatedAgentSession?pool=297:1 HTTP/1.1\r\n"
        b"Host: chat_rest_server_domain.com\r\n"
        b"Content-Type: application/json; charset=utf-8\r\n"
        b"Content-Length: 41\r\n"
        b"Authorization: Bearer eyJhbGciOi.Jsb2dvbi/+==\r\n"
        b"\r\n"
        b'{"logonOverride":true,"sequenceNumber":1}'
    )


# The input of a GET: {"engagementId":42,"sequenceNumber":1}, URL-encoded.
GET_INPUT = b"request=%7B%22engagementId%22%3A42%2C%22sequenceNumber%22%3A1%7D"


@pytest.mark.parametrize(
    ("pool", "token", "expected"),
    [
        (
            "297:1",
            TOKEN,
            b"GET /engagement/api/agent/day001_221100_sql_001h/v1/rerouteAvailability?pool=297:1&"
            + GET_INPUT
            + b" HTTP/1.1\r\n"
            b"Host: chat_rest_server_domain.com\r\n"
            b"X-AID: 12\r\n"
            b"X-JSESSIONID: node01h8m13tljpm7ns8nayp0pid91\r\n"
            b"Authorization: Bearer eyJhbGciOi.Jsb2dvbi/+==\r\n"
            b"\r\n",
        ),
        (
            None,
            TOKEN,
            b"GET /engagement/api/agent/day001_221100_sql_001h/v1/rerouteAvailability?" + GET_INPUT + b" HTTP/1.1\r\n"
            b"Host: chat_rest_server_domain.com\r\n"
            b"X-AID: 12\r\n"
            b"X-JSESSIONID: node01h8m13tljpm7ns8nayp0pid91\r\n"
            b"Authorization: Bearer eyJhbGciOi.Jsb2dvbi/+==\r\n"
            b"\r\n",
        ),
        (
            "297:1",
            None,
            b"GET /engagement/api/agent/day001_221100_sql_001h/v1/rerouteAvailability?pool=297:1&"
            + GET_INPUT
            + b" HTTP/1.1\r\n"
            b"Host: chat_rest_server_domain.com\r\n"
            b"X-AID: 12\r\n"
            b"X-JSESSIONID: node01h8m13tljpm7ns8nayp0pid91\r\n"
            b"\r\n",
        ),
        (
            None,
            None,
            b"GET /engagement/api/agent/day001_221100_sql_001h/v1/rerouteAvailability?" + GET_INPUT + b" HTTP/1.1\r\n"
            b"Host: chat_rest_server_domain.com\r\n"
            b"X-AID: 12\r\n"
            b"X-JSESSIONID: node01h8m13tljpm7ns8nayp0pid91\r\n"
            b"\r\n",
        ),
    ],
    ids=["pool-token", "token", "pool", "neither"],
)
def test_the_get_head_byte_for_byte(pool: str | None, token: str | None, expected: bytes) -> None:
    """No Content-Type, no Content-Length and no body: the input is the last query parameter."""
    data = cp.ClientConnection(make_session(pool=pool, token=token)).send(cp.RerouteAvailabilityRequest(42))
    assert data == expected


def test_a_get_input_is_percent_encoded_but_for_unreserved_characters() -> None:
    """Even ``:`` and ``,``, legal in a query, are encoded: the server decodes the value whole."""
    conn = cp.ClientConnection(make_session(pool=None))
    data = conn.send(cp.RerouteAvailabilityRequest(7, time_created=-5))
    assert data.split(b" ")[1] == (
        b"/engagement/api/agent/day001_221100_sql_001h/v1/rerouteAvailability?"
        b"request=%7B%22engagementId%22%3A7%2C%22sequenceNumber%22%3A1%2C%22timeCreated%22%3A-5%7D"
    )


# --- rebuilt when the identity changes ---------------------------------------


def exchange(conn: cp.ClientConnection, request: cp.Request) -> bytes:
    """Send ``request`` and feed an empty 200, so the connection can carry the next one."""
    data = conn.send(request)
    conn.receive_data(http_response(200, b"{}"))
    assert isinstance(conn.next_event(), cp.ResponseReceived)
    return data


def request_line(data: bytes) -> bytes:
    return data.partition(b"\r\n")[0]


def test_a_connection_rebuilds_its_cached_heads_after_a_pool_switch() -> None:
    session = make_session()
    conn = cp.ClientConnection(session)
    other = cp.ClientConnection(session)  # shares the session, caches its own heads
    post = cp.GetMessagesRequest()
    get = cp.RerouteAvailabilityRequest(42)
    prefix = b"/engagement/api/agent/day001_221100_sql_001h/v1/"
    assert request_line(exchange(conn, post)) == b"POST " + prefix + b"getMessages?pool=297:1 HTTP/1.1"
    assert request_line(exchange(other, get)).startswith(b"GET " + prefix + b"rerouteAvailability?pool=297:1&request=")
    session.pool = "300:2"
    assert request_line(exchange(conn, post)) == b"POST " + prefix + b"getMessages?pool=300:2 HTTP/1.1"
    assert request_line(exchange(conn, get)).startswith(b"GET " + prefix + b"rerouteAvailability?pool=300:2&request=")
    assert request_line(exchange(other, get)).startswith(b"GET " + prefix + b"rerouteAvailability?pool=300:2&request=")
    session.pool = None
    assert request_line(exchange(other, post)) == b"POST " + prefix + b"getMessages HTTP/1.1"
    assert request_line(exchange(conn, get)).startswith(b"GET " + prefix + b"rerouteAvailability?request=")


def test_a_connection_rebuilds_its_cached_heads_after_a_renewal() -> None:
    session = make_session(token=TOKEN)
    conn = cp.ClientConnection(session)
    assert b"\r\nX-JSESSIONID: " + SESSION_ID.encode() + b"\r\n" in exchange(conn, cp.GetMessagesRequest())
    session.renew("node02")
    data = exchange(conn, cp.GetMessagesRequest())
    assert b"\r\nX-JSESSIONID: node02\r\n" in data
    assert SESSION_ID.encode() not in data


def test_the_identity_is_replaced_not_changed() -> None:
    session = make_session(token=TOKEN)
    identity = session.identity
    assert identity == cp.SessionIdentity(
        host="chat_rest_server_domain.com",
        site="day001_221100_sql_001h",
        agent_id="12",
        session_id=SESSION_ID,
        pool="297:1",
        token=TOKEN,
    )
    exchange(cp.ClientConnection(session), cp.GetMessagesRequest())
    assert session.identity is identity  # sending and numbering leave it alone
    with pytest.raises(cp.LocalProtocolError):
        session.pool = "a b"
    assert session.identity is identity  # so does a refused change
    session.pool = "300:2"
    assert session.identity is not identity
    assert identity.pool == "297:1"
    assert session.identity == msgspec.structs.replace(identity, pool="300:2")
    before = session.identity
    session.renew("node02")
    assert session.identity is not before
    assert (before.session_id, session.identity.session_id) == (SESSION_ID, "node02")
    with pytest.raises(AttributeError):
        session.identity.pool = "1:1"  # type: ignore[misc]


def test_the_identity_does_not_show_its_secrets() -> None:
    identity = make_session(token=TOKEN).identity
    for text in (repr(identity), str(identity)):
        assert SESSION_ID not in text
        assert TOKEN not in text
    assert repr(identity) == (
        "SessionIdentity(host='chat_rest_server_domain.com', site='day001_221100_sql_001h', agent_id='12', "
        "session_id=<30 chars ...91>, pool='297:1', token=<23 chars ...==>)"
    )
    anonymous = cp.AgentSession(host="h", site="s", agent_id="1").identity
    assert repr(anonymous) == (
        "SessionIdentity(host='h', site='s', agent_id='1', session_id=None, pool=None, token=None)"
    )


def test_operation_path_is_the_heads_path() -> None:
    for name, operation in cp.OPERATIONS.items():
        assert operation.path("s") == f"/engagement/api/agent/s/v1/{name}"
