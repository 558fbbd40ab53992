"""Every row of the operations table travels the same send/receive path.

The minimal valid request of each operation is built from its model, so a
new row is covered without a new test.
"""

from __future__ import annotations

import msgspec
import pytest

import chatproto as cp

from .helpers import SESSION_ID, TOKEN, http_response, make_session, minimal_request, request_bytes, server_outcome

OPERATIONS = list(cp.OPERATIONS.values())


def test_post_message_is_the_first_row() -> None:
    first = OPERATIONS[0]
    assert first == cp.Operation("postMessage", "POST", cp.PostMessageRequest, cp.PostMessageResponse)
    assert first.needs_session
    assert first.path("site") == "/engagement/api/agent/site/v1/postMessage"
    assert cp.OPERATIONS["postMessage"] is first
    with pytest.raises(TypeError):
        cp.OPERATIONS["x"] = first  # type: ignore[index]


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.name for op in OPERATIONS])
def test_each_operation_round_trips_through_client_and_server(operation: cp.Operation) -> None:
    session = make_session(token=TOKEN, last_sequence_number=6)
    client = cp.ClientConnection(session)
    request = minimal_request(operation)
    data = client.send(request)
    sent = msgspec.structs.replace(request, sequence_number=7)  # type: ignore[type-var]
    head = data.partition(b"\r\n\r\n")[0]
    assert head.startswith(f"{operation.method} {operation.path(session.site)}?pool=297:1".encode())
    assert (b"\r\nX-JSESSIONID: " in head) is operation.needs_session
    assert (b"\r\nContent-Type: application/json; charset=utf-8" in head) is (operation.method == "POST")
    assert head.endswith(b"\r\nAuthorization: Bearer " + TOKEN.encode())

    # Every envelope carries the session id; createAutomatedAgentSession's answer must.
    reply = {"sequenceNumber": 7, "sessionId": SESSION_ID}
    record = server_outcome(data, respond=lambda conn, event: conn.send_response(200, reply))
    event = record[0]
    assert isinstance(event, cp.RequestReceived)
    assert (event.operation, event.pool, event.token, event.request) == (operation, "297:1", TOKEN, sent)
    answer = record[1]
    assert isinstance(answer, bytes)

    client.receive_data(answer)
    received = client.next_event()
    assert isinstance(received, cp.ResponseReceived)
    assert received.request == sent
    assert type(received.response) is operation.response_type
    assert received.response.sequence_number == 7
    assert client.can_reuse


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.name for op in OPERATIONS])
def test_each_operation_reads_a_chat_system_error_and_a_mismatch(operation: cp.Operation) -> None:
    client = cp.ClientConnection(make_session(token=TOKEN))
    client.send(minimal_request(operation))
    client.receive_data(http_response(200, b'{"chatSystemError": {"errorCondition": "E", "text": "t"}}'))
    event = client.next_event()
    assert isinstance(event, cp.ErrorReceived)
    assert (event.status, event.code, event.message) == (200, "E", "t")
    assert not client.can_reuse
    client = cp.ClientConnection(client.session)
    client.send(minimal_request(operation))
    client.receive_data(http_response(200, b'{"sequenceNumberString": "99"}'))
    with pytest.raises(cp.SequenceMismatch):
        client.next_event()


# --- the GET operation: input as URL-encoded JSON in the query --------------------------------

GET_PATH = b"/engagement/api/agent/s/v1/rerouteAvailability"


def test_a_get_operation_carries_its_input_in_the_query_and_no_body() -> None:
    session = cp.AgentSession(host="h", site="s", agent_id="1", session_id="j")
    data = cp.ClientConnection(session).send(cp.RerouteAvailabilityRequest(42))
    assert data == (
        b"GET /engagement/api/agent/s/v1/rerouteAvailability"
        b"?request=%7B%22engagementId%22%3A42%2C%22sequenceNumber%22%3A1%7D HTTP/1.1\r\n"
        b"Host: h\r\nX-AID: 1\r\nX-JSESSIONID: j\r\n\r\n"
    )
    session.pool = "1:2"
    conn = cp.ClientConnection(session)
    assert conn.send(cp.RerouteAvailabilityRequest(42)).startswith(
        b"GET /engagement/api/agent/s/v1/rerouteAvailability?pool=1:2&request=%7B"
    )


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        (b"", "truncated"),
        (b"?pool=1:1", "truncated"),
        (b"?request=", "truncated"),
        (b"?request=%7B%7D", "missing required field `engagementId`"),
        (b"?request=%7B%22engagementId%22%3A%22x%22%7D", "`$.engagementId`"),
        (b"?request=%FF", "malformed"),
    ],
)
def test_a_get_operation_without_valid_input_is_an_invalid_request(query: bytes, fragment: str) -> None:
    data = b"GET " + GET_PATH + query + b" HTTP/1.1\r\nHost: h\r\n\r\n"
    record = server_outcome(data)
    event = record[0]
    assert isinstance(event, cp.InvalidRequest)
    assert (event.status, event.code, event.operation) == (400, "INVALID_FIELD", cp.OPERATIONS["rerouteAvailability"])
    assert fragment in event.message


def test_a_get_operation_needs_no_content_type() -> None:
    data = request_bytes(
        b"", method=b"GET", target=GET_PATH + b"?request=%7B%22engagementId%22%3A1%7D", content_type=None
    )
    event = server_outcome(data)[0]
    assert isinstance(event, cp.RequestReceived)
    assert event.request == cp.RerouteAvailabilityRequest(1)


# --- the operation that creates the session ------------------------------------------------------


def test_creating_a_session_then_renewing_into_it() -> None:
    session = cp.AgentSession(host="h", site="s", agent_id="12", token="tok")
    conn = cp.ClientConnection(session)
    conn.send(cp.CreateAgentSessionRequest())
    conn.receive_data(http_response(200, b'{"sessionId": "node0new", "sequenceNumber": 1}'))
    event = conn.next_event()
    assert isinstance(event, cp.ResponseReceived)
    assert isinstance(event.response, cp.CreateAgentSessionResponse)
    session.renew(event.response.session_id)
    data = conn.send(cp.GetMessagesRequest())
    assert b"\r\nX-AID: 12\r\nX-JSESSIONID: node0new\r\n" in data
    assert b'"sequenceNumber":2' in data
