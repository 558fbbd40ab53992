"""Every agent operation is a row of the table: the same send/receive path serves all of them."""

from __future__ import annotations

import msgspec
import pytest
from tests.reference import SESSION_ID, SITE
from tests.reference import make_session as reference_session

import chatproto as cp

# One valid request per operation, fields straight from the reference pages.
REQUESTS: dict[str, cp.Request] = {
    "postMessage": cp.PostMessageRequest("Hi", 27, cp.DestinationType.ENGAGEMENT),
    "createAutomatedAgentSession": cp.CreateAgentSessionRequest(logon_override=True),
    "getMessages": cp.GetMessagesRequest(),
    "assignmentAcknowledgement": cp.AssignmentAcknowledgementRequest(
        cp.AssignmentAction.ACCEPT, cp.AssignmentActionType.AUTO, cp.AssignmentType.LEAD, 42
    ),
    "requestAssignment": cp.RequestAssignmentRequest(True, 1, 3),
    "concludeChat": cp.ConcludeEngagementRequest(42),
    "releaseChat": cp.ReleaseEngagementRequest(42),
    "rerouteEngagement": cp.RerouteEngagementRequest(42),
    "rerouteAvailability": cp.RerouteAvailabilityRequest(42),
    "logoff": cp.LogoffRequest(force_logoff=False),
    "setActivityStatus": cp.ActivityStatusChangeRequest(cp.AgentStatus.AVAILABLE, 0),
    "setInteractionStatus": cp.ActivitySignalChangeRequest(
        47, 42, cp.InteractionMode.RESPONDING, sneak_preview_state=cp.SneakPreviewState.ENABLED
    ),
    "setEngagementProperty": cp.SetEngagementPropertyRequest(
        42, cp.EngagementPropertyName.QUESTION, type=cp.PropertyType.USER, value="Where is my order?"
    ),
    "modifyProperties": cp.ModifyPropertiesRequest(
        42,
        custom_fields=[cp.RestApiCustomField("c$frombot", cp.CustomFieldType.BOOLEAN, "1")],
        properties_map={"FIRST_NAME": "Ada"},
        type=cp.PropertyType.USER,
    ),
    "retrieveAgentsAndQueues": cp.RetrieveAgentsAndQueuesRequest(1, True, True, False),
}


def make_session(**overrides: object) -> cp.AgentSession:
    """The reference session, with the host and the token that the expected bytes below spell out."""
    return reference_session(**{"host": "chat.example.com", "token": "eyJ.abc/+=", **overrides})


def test_the_table_lists_all_fifteen_operations_with_postmessage_first() -> None:
    assert next(iter(cp.OPERATIONS)) == "postMessage"
    assert set(cp.OPERATIONS) == set(REQUESTS)
    for name, operation in cp.OPERATIONS.items():
        assert operation.name == name
        assert isinstance(REQUESTS[name], operation.request_type)
        assert operation.path(SITE) == f"/engagement/api/agent/{SITE}/v1/{name}"
    assert cp.OPERATIONS["rerouteAvailability"].method == "GET"
    assert not cp.OPERATIONS["createAutomatedAgentSession"].needs_session


@pytest.mark.parametrize("name", list(REQUESTS))
def test_each_operation_round_trips_through_client_and_server(name: str) -> None:
    session = make_session()
    client = cp.ClientConnection(session)
    server = cp.ServerConnection()
    server.receive_data(client.send(REQUESTS[name]))
    event = server.next_event()
    assert isinstance(event, cp.RequestReceived)
    assert event.operation is cp.OPERATIONS[name]
    assert (event.site, event.pool, event.token) == (SITE, "297:1", "eyJ.abc/+=")
    sent = msgspec.structs.replace(REQUESTS[name], sequence_number=1)  # type: ignore[type-var]
    assert event.request == sent
    if cp.OPERATIONS[name].needs_session:
        assert (event.agent_id, event.session_id) == ("12", SESSION_ID)
    else:
        assert (event.agent_id, event.session_id) == (None, None)

    response_type = cp.OPERATIONS[name].response_type
    # Every envelope carries the session id; createAutomatedAgentSession's answer must.
    client.receive_data(server.send_response(200, response_type(session_id=SESSION_ID)))
    answer = client.next_event()
    assert isinstance(answer, cp.ResponseReceived)
    assert type(answer.response) is response_type
    assert answer.request == sent
    assert client.can_reuse


def test_reroute_availability_is_a_get_with_its_input_in_the_query() -> None:
    client = cp.ClientConnection(make_session(token=None))
    data = client.send(cp.RerouteAvailabilityRequest(42))
    assert data == (
        b"GET /engagement/api/agent/day001_221100_sql_001h/v1/rerouteAvailability?pool=297:1"
        b"&request=%7B%22engagementId%22%3A42%2C%22sequenceNumber%22%3A1%7D HTTP/1.1\r\n"
        b"Host: chat.example.com\r\nX-AID: 12\r\nX-JSESSIONID: node01h8m13tljpm7ns8nayp0pid91\r\n\r\n"
    )


def test_reroute_availability_without_a_pool_starts_the_query() -> None:
    client = cp.ClientConnection(make_session(pool=None, token=None))
    data = client.send(cp.RerouteAvailabilityRequest(7, sequence_number=9))
    assert data.startswith(
        b"GET /engagement/api/agent/day001_221100_sql_001h/v1/rerouteAvailability"
        b"?request=%7B%22engagementId%22%3A7%2C%22sequenceNumber%22%3A9%7D HTTP/1.1\r\n"
    )


def test_a_get_without_its_input_is_an_invalid_request() -> None:
    server = cp.ServerConnection()
    server.receive_data(b"GET /engagement/api/agent/s/v1/rerouteAvailability?pool=1:1 HTTP/1.1\r\nHost: h\r\n\r\n")
    event = server.next_event()
    assert isinstance(event, cp.InvalidRequest)
    assert (event.status, event.code) == (400, "INVALID_FIELD")


def test_create_session_sends_the_token_and_no_session_headers() -> None:
    client = cp.ClientConnection(make_session(session_id=None, token="jwt"))
    data = client.send(cp.CreateAgentSessionRequest(logon_override=True))
    assert data == (
        b"POST /engagement/api/agent/day001_221100_sql_001h/v1/createAutomatedAgentSession?pool=297:1 HTTP/1.1\r\n"
        b"Host: chat.example.com\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: 41\r\n"
        b"Authorization: Bearer jwt\r\n\r\n"
        b'{"logonOverride":true,"sequenceNumber":1}'
    )


def test_create_session_needs_a_token() -> None:
    client = cp.ClientConnection(make_session(session_id=None, token=None))
    with pytest.raises(cp.LocalProtocolError, match="needs a bearer token"):
        client.send(cp.CreateAgentSessionRequest())
    assert client.can_reuse
    assert client.session.last_sequence_number == 0


def test_other_operations_need_a_session_id_until_renewed() -> None:
    session = make_session(session_id=None)
    client = cp.ClientConnection(session)
    with pytest.raises(cp.LocalProtocolError, match="needs a session id"):
        client.send(cp.GetMessagesRequest())
    session.renew("node01new")
    assert b"X-JSESSIONID: node01new\r\n" in client.send(cp.GetMessagesRequest())


def test_renewing_revives_an_expired_session_and_rebuilds_its_headers() -> None:
    session = make_session()
    client = cp.ClientConnection(session)
    client.send(cp.GetMessagesRequest())
    client.receive_data(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
    event = client.next_event()
    assert isinstance(event, cp.ErrorReceived)
    assert event.status == 403
    assert session.expired
    assert not client.can_reuse
    client = cp.ClientConnection(session)
    with pytest.raises(cp.LocalProtocolError, match="expired"):
        client.send(cp.GetMessagesRequest())
    session.renew("node01fresh")
    assert not session.expired
    data = client.send(cp.GetMessagesRequest())
    assert b"X-JSESSIONID: node01fresh\r\n" in data
    assert b'"sequenceNumber":2' in data


def test_a_pool_change_applies_to_later_requests() -> None:
    session = make_session()
    client = cp.ClientConnection(session)
    client.send(cp.GetMessagesRequest())
    client.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
    assert isinstance(client.next_event(), cp.ResponseReceived)
    session.pool = "123:4"
    assert client.send(cp.GetMessagesRequest()).startswith(
        b"POST /engagement/api/agent/day001_221100_sql_001h/v1/getMessages?pool=123:4 HTTP/1.1\r\n"
    )
    with pytest.raises(cp.LocalProtocolError, match="pool"):
        session.pool = "1:1&x=y"
    session.pool = None
    assert session.pool is None


def test_envelope_numbers_are_parsed_from_their_string_twins() -> None:
    decoded = msgspec.json.decode(
        b'{"sequenceNumberString": "5", "clientIdString": "47", "sessionId": "s"}', type=cp.LogoffResponse
    )
    assert (decoded.sequence_number, decoded.client_id) == (5, 47)
    both = msgspec.json.decode(b'{"sequenceNumber": 6, "sequenceNumberString": "x"}', type=cp.LogoffResponse)
    assert both.sequence_number == 6
    numbers = msgspec.json.decode(
        b'{"sequenceNumber": 7, "clientId": 8, "clientIdString": "9"}', type=cp.LogoffResponse
    )
    assert (numbers.sequence_number, numbers.client_id) == (7, 8)  # the number wins over its twin
    unparseable = msgspec.json.decode(
        b'{"sequenceNumberString": "five", "clientIdString": "99999999999999999999"}', type=cp.LogoffResponse
    )
    assert (unparseable.sequence_number, unparseable.client_id) == (None, None)


def test_get_messages_types_each_message() -> None:
    session = make_session()
    client = cp.ClientConnection(session)
    client.send(cp.GetMessagesRequest())
    body = b'{"getResponseTypes": [{"ChatGetTimeout": {}}], "sequenceNumber": 1}'
    client.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
    event = client.next_event()
    assert isinstance(event, cp.ResponseReceived)
    assert event.response.messages == (cp.ChatGetTimeout(),)


def test_retrieve_agents_and_queues_accepts_queues_as_array_or_map() -> None:
    as_map = msgspec.json.decode(b'{"queues": {"5": {"profileIdsList": [1]}}}', type=cp.RetrieveAgentsAndQueuesResponse)
    as_list = msgspec.json.decode(b'{"queues": [{"profileIdsList": [1]}]}', type=cp.RetrieveAgentsAndQueuesResponse)
    assert as_map.queues == {"5": {"profileIdsList": [1]}}
    assert as_list.queues == [{"profileIdsList": [1]}]


def test_a_200_with_a_system_error_is_an_error_for_every_operation() -> None:
    client = cp.ClientConnection(make_session())
    client.send(cp.ConcludeEngagementRequest(42))
    body = b'{"chatSystemError": {"errorCondition": "ENGAGEMENT_ID_UNKNOWN", "text": "no such", "type": "E"}}'
    client.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
    event = client.next_event()
    assert isinstance(event, cp.ErrorReceived)
    assert (event.status, event.code, event.message) == (200, "ENGAGEMENT_ID_UNKNOWN", "no such")


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (cp.AssignmentAcknowledgementRequest("MAYBE", "AUTO", "LEAD", 1), "action"),  # type: ignore[arg-type]
        (cp.RequestAssignmentRequest(True, 2**31, 1), "idleSessionCount"),
        (cp.ActivityStatusChangeRequest(cp.AgentStatus.AVAILABLE, "0"), "subTypeId"),  # type: ignore[arg-type]
        (cp.ModifyPropertiesRequest(1, custom_fields=[cp.RestApiCustomField("c", "BLOB")]), "type"),  # type: ignore[arg-type]
        (cp.LogoffRequest(force_logoff=None), "forceLogoff"),  # type: ignore[arg-type]
        (cp.ConcludeEngagementRequest(2**63), "engagementId"),
    ],
)
def test_invalid_requests_of_other_operations_name_the_field(request_: cp.Request, field: str) -> None:
    client = cp.ClientConnection(make_session())
    with pytest.raises(cp.LocalProtocolError, match=field):
        client.send(request_)
    assert client.can_reuse


def test_a_server_requires_message_type_although_the_model_defaults_it() -> None:
    # The reference marks messageType required; the model defaults it to TEXT
    # only for the caller's convenience, and always sends it.
    server = cp.ServerConnection()
    body = b'{"body":"x","destinationId":1,"destinationType":"ENGAGEMENT"}'
    server.receive_data(
        b"POST /engagement/api/agent/s/v1/postMessage HTTP/1.1\r\nHost: h\r\n"
        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    )
    event = server.next_event()
    assert isinstance(event, cp.InvalidRequest)
    assert (event.status, event.code) == (400, "INVALID_FIELD")
    assert "messageType" in event.message
    server.send_error(event.status, event.code, event.message)
    with_type = body[:-1] + b',"messageType":"TEXT"}'
    server.receive_data(
        b"POST /engagement/api/agent/s/v1/postMessage HTTP/1.1\r\nHost: h\r\n"
        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(with_type), with_type)
    )
    accepted = server.next_event()
    assert isinstance(accepted, cp.RequestReceived)
    assert type(accepted.request) is cp.PostMessageRequest
    assert accepted.request == cp.PostMessageRequest("x", 1, cp.DestinationType.ENGAGEMENT)
