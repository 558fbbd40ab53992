"""Golden exchanges built from the reference page's example, compared byte for byte."""

from __future__ import annotations

import msgspec
import pytest

import chatproto as cp

from .helpers import (
    AGENT_ID,
    DATA,
    POOL,
    SESSION_ID,
    SITE,
    TOKEN,
    client_outcome,
    client_outcome_with_trailing,
    golden,
    make_session,
    reference_request,
    sent_client,
    server_outcome,
)

REFERENCE_BODY = (
    b'{"body":"Sample message text.","destinationId":27,"destinationType":"ENGAGEMENT","messageType":"TEXT",'
    b'"messageId":"1","sequenceNumber":5,"timeCreated":1621869388454,"visibility":"ALL"}'
)
REFERENCE_HEAD = (
    b"POST /engagement/api/agent/day001_221100_sql_001h/v1/postMessage?pool=297:1 HTTP/1.1\r\n"
    b"Host: chat_rest_server_domain.com\r\n"
    b"Content-Type: application/json; charset=utf-8\r\n"
    b"X-AID: 12\r\n"
    b"X-JSESSIONID: node01h8m13tljpm7ns8nayp0pid91\r\n"
    b"Content-Length: 184\r\n"
    b"\r\n"
)

# The reference page's response body, decoded.
REFERENCE_RESPONSE = cp.PostMessageResponse(
    chat_post_result=cp.ChatPostResult(client_reset=0),
    chat_system_error=None,
    client_send_time=1564598688444,
    service_start_time=1653492901569,
    service_finish_time=1653492901701,
    session_id="node01hyuckn70y6nm1g2hco4hrwlqq0",
    client_id=47,
    client_id_string="47",
    sequence_number=5,
    sequence_number_string="5",
)


def test_the_reference_request_is_sent_byte_for_byte() -> None:
    conn = cp.ClientConnection(make_session())
    data = conn.send(reference_request())
    assert type(data) is bytes
    assert data == REFERENCE_HEAD + REFERENCE_BODY
    assert data == golden("request-postmessage-reference.http")
    assert len(REFERENCE_BODY) == 184


def test_the_body_omits_unset_fields_and_always_carries_message_type() -> None:
    conn = cp.ClientConnection(make_session())
    data = conn.send(cp.PostMessageRequest("Hi", 27, cp.DestinationType.ENGAGEMENT))
    head, _, body = data.partition(b"\r\n\r\n")
    assert (
        body
        == b'{"body":"Hi","destinationId":27,"destinationType":"ENGAGEMENT","messageType":"TEXT","sequenceNumber":1}'
    )
    assert head.endswith(b"Content-Length: %d" % len(body))


def test_every_documented_field_has_its_camel_case_name_on_the_wire() -> None:
    conn = cp.ClientConnection(make_session())
    request = cp.PostMessageRequest(
        body="b",
        destination_id=1,
        destination_type=cp.DestinationType.AGENT,
        message_type=cp.MessageType.TEXT,
        message_data_map={"k": "v"},
        message_id="m",
        rich_text=False,
        sequence_number=9,
        time_created=0,
        visibility=cp.Visibility.NOT_ENDUSER,
    )
    body = conn.send(request).partition(b"\r\n\r\n")[2]
    assert msgspec.json.decode(body) == {
        "body": "b",
        "destinationId": 1,
        "destinationType": "AGENT",
        "messageType": "TEXT",
        "messageDataMap": {"k": "v"},
        "messageId": "m",
        "richText": False,
        "sequenceNumber": 9,
        "timeCreated": 0,
        "visibility": "NOT_ENDUSER",
    }


def test_a_bearer_token_is_sent_last() -> None:
    conn = cp.ClientConnection(make_session(token=TOKEN))
    data = conn.send(reference_request())
    assert data == golden("request-postmessage-bearer.http")
    assert data.partition(b"\r\n\r\n")[0].endswith(b"Content-Length: 184\r\nAuthorization: Bearer " + TOKEN.encode())


def test_no_pool_leaves_the_query_out() -> None:
    conn = cp.ClientConnection(make_session(pool=None))
    data = conn.send(reference_request())
    assert data.startswith(b"POST /engagement/api/agent/day001_221100_sql_001h/v1/postMessage HTTP/1.1\r\n")


def test_an_integer_agent_id_is_sent_as_its_decimal_text() -> None:
    conn = cp.ClientConnection(make_session(agent_id=12))
    assert conn.send(reference_request()) == golden("request-postmessage-reference.http")


def test_the_reference_response_decodes_to_the_documented_values() -> None:
    request = reference_request()
    record = client_outcome(golden("response-200-reference.http"), request=request)
    assert record == [cp.ResponseReceived(request, REFERENCE_RESPONSE), cp.ConnectionState.IDLE]
    event = record[0]
    assert isinstance(event, cp.ResponseReceived)
    # "clientReset": "0" is a string in the example and an int32 in the schema.
    assert event.response.chat_post_result.client_reset == 0


@pytest.mark.parametrize(
    "name",
    [
        "response-200-reference.http",
        "response-200-chunked.http",
        "response-100-continue-then-200.http",
    ],
)
def test_every_framing_of_the_reference_response_gives_the_same_event(name: str) -> None:
    request = reference_request()
    record = client_outcome_with_trailing(golden(name), request=request)
    assert record == [cp.ResponseReceived(request, REFERENCE_RESPONSE), cp.ConnectionState.IDLE]


@pytest.mark.parametrize("name", ["response-200-connection-close.http", "response-200-http10-until-close.http"])
def test_a_response_the_server_ends_with_a_close_must_close(name: str) -> None:
    request = reference_request()
    record = client_outcome(golden(name), request=request, eof=True)
    assert record == [
        cp.ResponseReceived(request, REFERENCE_RESPONSE),
        cp.ConnectionClosed(),
        cp.ConnectionState.CLOSED,
    ]


def test_the_reference_exchange_through_the_server_role() -> None:
    """The client's bytes parse on the server; the server's answer decodes on the client."""
    client = cp.ClientConnection(make_session(token=TOKEN))
    request = reference_request()
    record = server_outcome(
        client.send(request),
        respond=lambda conn, event: conn.send_response(200, REFERENCE_RESPONSE),
    )
    received = record[0]
    assert received == cp.RequestReceived(
        cp.OPERATIONS["postMessage"], SITE, POOL, AGENT_ID, SESSION_ID, TOKEN, request
    )
    answer = record[1]
    assert isinstance(answer, bytes)
    assert answer.startswith(b"HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ")
    client.receive_data(answer)
    assert client.next_event() == cp.ResponseReceived(request, REFERENCE_RESPONSE)
    assert record[2] is True  # the server's connection may carry the next request


def test_the_curl_example_with_nulls_and_upper_case_charset_is_accepted_by_the_server() -> None:
    record = server_outcome(golden("request-postmessage-curl-example.http"))
    event = record[0]
    assert isinstance(event, cp.RequestReceived)
    assert event.request == reference_request()
    assert (event.site, event.pool, event.agent_id, event.session_id, event.token) == (
        SITE,
        POOL,
        AGENT_ID,
        SESSION_ID,
        None,
    )


def test_golden_requests_round_trip_through_the_server() -> None:
    for name in ("request-postmessage-reference.http", "request-postmessage-bearer.http"):
        record = server_outcome(golden(name))
        event = record[0]
        assert isinstance(event, cp.RequestReceived)
        assert event.request == reference_request()
        assert event.token == (TOKEN if "bearer" in name else None)


def test_a_chat_system_error_in_a_200_is_an_error_event() -> None:
    request = reference_request()
    record = client_outcome(golden("response-200-chat-system-error.http"), request=request)
    error = cp.ChatSystemError("UNDEFINED_CONDITION", "The core server produced a null result.", "ERROR")
    assert record == [
        cp.ErrorReceived(request, 200, "UNDEFINED_CONDITION", "The core server produced a null result.", error),
        cp.ConnectionState.MUST_CLOSE,
    ]


def test_iso_times_unknown_fields_nulls_and_string_twins() -> None:
    request = reference_request()
    record = client_outcome(golden("response-200-iso-times-and-unknown-fields.http"), request=request)
    assert record == [
        cp.ResponseReceived(
            request,
            cp.PostMessageResponse(
                chat_post_result=cp.ChatPostResult(client_reset=0),
                client_send_time="2021-05-24T15:16:28+00:00",
                service_start_time="2022-05-25T15:35:01Z",
                client_id=47,  # from clientIdString
                client_id_string="47",
                sequence_number=5,  # from sequenceNumberString
                sequence_number_string="5",
            ),
        ),
        cp.ConnectionState.IDLE,
    ]


@pytest.mark.parametrize(
    ("name", "status", "code", "message"),
    [
        ("response-400-invalid-field.http", 400, "INVALID_FIELD", "destinationId: must not be null"),
        ("response-403-access-denied.http", 403, "ACCESS_DENIED", "Authentication failure."),
        ("response-404-html.http", 404, None, None),
        ("response-409-conflict.http", 409, "CONFLICT", "The lead participant has left the engagement."),
        ("response-500-detail.http", 500, "UNKNOWN_EXCEPTION", "An unknown error has occurred."),
        ("response-302-redirect.http", 302, None, None),
    ],
)
def test_golden_error_responses(name: str, status: int, code: str | None, message: str | None) -> None:
    request = reference_request()
    record = client_outcome_with_trailing(golden(name), request=request)
    assert record == [cp.ErrorReceived(request, status, code, message, None), cp.ConnectionState.MUST_CLOSE]


def test_a_connection_that_sent_the_reference_request_is_awaiting_it() -> None:
    conn = sent_client(reference_request())
    assert conn.state is cp.ConnectionState.AWAITING_RESPONSE
    assert conn.pending_request == reference_request()
    assert conn.session.last_sequence_number == 5


def _wire_names(model: type) -> set[str]:
    return {field.encode_name for field in msgspec.structs.fields(model)}


KNOWN_KEYS = (
    _wire_names(cp.PostMessageResponse)
    | _wire_names(cp.ChatPostResult)
    | _wire_names(cp.ChatSystemError)
    | _wire_names(cp.PostMessageRequest)
    | _wire_names(cp.ServiceSettings)
    | _wire_names(cp.ServiceSettingsLink)
    | _wire_names(cp.AgentTokens)
    | {"exceptionCode", "message", "detail"}
)
# Keys a fixture carries on purpose to show they are ignored.
DELIBERATELY_UNKNOWN = {"futureFlag", "somethingNew", "nested", "x"}


def _dechunk(data: bytes) -> bytes:
    parts = []
    while True:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            return b"".join(parts)
        parts.append(data[:size])
        data = data[size + 2 :]


def _keys(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value).union(*(_keys(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_keys(v) for v in value))
    return set()


def _json_body(name: str) -> bytes:
    head, _, body = golden(name).partition(b"\r\n\r\n")
    return _dechunk(body) if b"Transfer-Encoding: chunked" in head else body


JSON_FIXTURES = sorted(p.name for p in DATA.glob("*.http") if _json_body(p.name).startswith(b"{"))


def test_most_fixtures_carry_json() -> None:
    assert len(JSON_FIXTURES) >= 12


@pytest.mark.parametrize("name", JSON_FIXTURES)
def test_every_key_in_a_golden_body_is_a_known_field_name(name: str) -> None:
    """Tolerant decoding ignores unknown keys, so a typo in a fixture would go unnoticed."""
    assert _keys(msgspec.json.decode(_json_body(name))) - KNOWN_KEYS <= DELIBERATELY_UNKNOWN
