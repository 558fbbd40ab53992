"""`ServerConnection`: typed requests in, exact response bytes out.

Every receive case goes through `server_outcome`, fed whole and byte by byte.
"""

from __future__ import annotations

import msgspec
import pytest

import chatproto as cp

from .helpers import (
    AGENT_ID,
    POOL,
    SESSION_ID,
    SITE,
    TOKEN,
    drive_server,
    make_session,
    reference_request,
    request_bytes,
    server_outcome,
    simple_request,
)

POST_MESSAGE = cp.OPERATIONS["postMessage"]
PATH = b"/engagement/api/agent/" + SITE.encode() + b"/v1/postMessage"
VALID = b'{"body":"Hi","destinationId":27,"destinationType":"ENGAGEMENT","messageType":"TEXT"}'
HI = cp.PostMessageRequest("Hi", 27, cp.DestinationType.ENGAGEMENT)
JSON_HEAD = b"Content-Type: application/json; charset=utf-8\r\n"
SELF_CONTAINING: dict[str, object] = {}
SELF_CONTAINING["self"] = SELF_CONTAINING


def first_event(data: bytes) -> object:
    record = server_outcome(data)
    assert record[-1] is True, record  # every one of these leaves the connection usable
    return record[0]


# --- well-formed agent requests ----------------------------------------------------------


def test_a_request_is_typed_with_its_site_pool_ids_and_token() -> None:
    data = request_bytes(
        VALID,
        headers=[
            (b"X-AID", b"12"),
            (b"X-JSESSIONID", SESSION_ID.encode()),
            (b"Authorization", b"Bearer " + TOKEN.encode()),
        ],
    )
    assert first_event(data) == cp.RequestReceived(POST_MESSAGE, SITE, POOL, AGENT_ID, SESSION_ID, TOKEN, HI)


@pytest.mark.parametrize(
    ("authorization", "token"),
    [
        (b"Bearer abc", "abc"),
        (b"bearer abc", "abc"),
        (b"BEARER   abc  ", "abc"),
        (b"Bearer ", None),
        (b"Basic dXNlcjpwYXNz", None),
        (b"Bearerabc", None),
    ],
)
def test_the_bearer_token(authorization: bytes, token: str | None) -> None:
    event = first_event(request_bytes(VALID, headers=[(b"Authorization", authorization)]))
    assert isinstance(event, cp.RequestReceived)
    assert event.token == token
    assert (event.agent_id, event.session_id) == (None, None)  # absent headers are None


@pytest.mark.parametrize(
    ("query", "pool"),
    [
        (b"", None),
        (b"?", None),
        (b"?pool=", None),
        (b"?pool=297:1", "297:1"),
        (b"?pool=297%3A1", "297:1"),
        (b"?other=1&pool=7:2", "7:2"),
        (b"?pool=1:1&pool=2:2", "1:1"),
    ],
)
def test_the_pool(query: bytes, pool: str | None) -> None:
    event = first_event(request_bytes(VALID, target=PATH + query))
    assert isinstance(event, cp.RequestReceived)
    assert event.pool == pool


@pytest.mark.parametrize(
    "content_type", [b"application/json", b"Application/JSON; charset=UTF-8", b"application/json;charset=utf-8"]
)
def test_json_content_types_are_accepted(content_type: bytes) -> None:
    assert isinstance(first_event(request_bytes(VALID, content_type=content_type)), cp.RequestReceived)


def test_the_reference_example_with_nulls_is_accepted() -> None:
    body = (
        b'{"timeCreated": 1618317020415, "sequenceNumber": 5, "visibility": "ALL", "body": "Sample message text.",'
        b' "destinationId": 27, "destinationType": "ENGAGEMENT", "messageType": "TEXT", "messageId": "1",'
        b' "richText": null, "messageDataMap": null, "unknownField": {"ignored": [1]}}'
    )
    event = first_event(request_bytes(body))
    assert isinstance(event, cp.RequestReceived)
    assert event.request == reference_request(time_created=1618317020415)


# --- requests that cannot be served ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "status", "code", "operation", "site", "fragment"),
    [
        (
            b"/engagement/api/agent/site/v1/noSuchOperation",
            404,
            "NOT_FOUND",
            None,
            "site",
            "unknown operation 'noSuchOperation'",
        ),
        (b"/engagement/api/agent/site/v2/postMessage", 404, "NOT_FOUND", None, None, "no agent API resource"),
        (b"/engagement/api/agent/site/postMessage", 404, "NOT_FOUND", None, None, "no agent API resource"),
        (b"/engagement/api/agent/site/v1/postMessage/", 404, "NOT_FOUND", None, None, "no agent API resource"),
        (b"/engagement/api/agent/site/v1/postMessage/x", 404, "NOT_FOUND", None, None, "no agent API resource"),
        (b"/engagement/api/agent/", 404, "NOT_FOUND", None, None, "no agent API resource"),
        (
            b"/engagement/api/agent/a%20b/v1/postMessage",
            404,
            "NOT_FOUND",
            None,
            None,
            "unknown site: site may not contain '%'",
        ),
        (
            b"/engagement/api/agent/../v1/postMessage",
            404,
            "NOT_FOUND",
            None,
            None,
            "unknown site: site may not be '..'",
        ),
        (b"/engagement/api/agent//v1/postMessage", 404, "NOT_FOUND", None, None, "site may not be empty"),
        (PATH + b"?pool=a%2Fb", 400, "BAD_REQUEST", POST_MESSAGE, SITE, "pool may not contain '/'"),
        (PATH + b"?pool=a%0Ab", 400, "BAD_REQUEST", POST_MESSAGE, SITE, "pool may not contain '\\n'"),
    ],
)
def test_unservable_targets_are_invalid_requests(
    target: bytes, status: int, code: str, operation: cp.Operation | None, site: str | None, fragment: str
) -> None:
    event = first_event(request_bytes(VALID, target=target))
    assert isinstance(event, cp.InvalidRequest)
    assert (event.status, event.code, event.operation, event.site) == (status, code, operation, site)
    assert fragment in event.message


@pytest.mark.parametrize(
    ("method", "target", "name", "allowed"),
    [
        (b"GET", PATH, "postMessage", "POST"),
        (b"PUT", PATH, "postMessage", "POST"),
        (b"POST", b"/engagement/api/agent/site/v1/rerouteAvailability", "rerouteAvailability", "GET"),
    ],
)
def test_the_wrong_method_is_405(method: bytes, target: bytes, name: str, allowed: str) -> None:
    event = first_event(request_bytes(VALID, method=method, target=target))
    assert isinstance(event, cp.InvalidRequest)
    assert (event.status, event.code, event.operation) == (405, "METHOD_NOT_ALLOWED", cp.OPERATIONS[name])
    assert event.message == f"{name} takes {allowed}, not {method.decode()}"


@pytest.mark.parametrize(
    "content_type", [None, b"text/plain", b"application/jsonx", b"application/x-www-form-urlencoded", b""]
)
def test_a_body_that_is_not_json_by_content_type_is_400(content_type: bytes | None) -> None:
    event = first_event(request_bytes(VALID, content_type=content_type))
    # The identity comes along, so a server can refuse an unknown session before the body.
    assert event == cp.InvalidRequest(
        400,
        "BAD_REQUEST",
        "Content-Type must be application/json; charset=utf-8",
        POST_MESSAGE,
        SITE,
        pool=POOL,
        agent_id=AGENT_ID,
        session_id=SESSION_ID,
    )


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"", "Input data was truncated"),
        (b"not json", "malformed"),
        (b"[]", "Expected `object`, got `array`"),
        (b"null", "Expected `object`, got `null`"),
        (b"{}", "missing required field `body`"),
        (b'{"body": "x", "destinationId": 1}', "missing required field `destinationType`"),
        # The model defaults messageType for callers; the reference requires it on the wire.
        (b'{"body": "x", "destinationId": 1, "destinationType": "ENGAGEMENT"}', "missing required field `messageType`"),
        (b'{"body": 1, "destinationId": 1, "destinationType": "ENGAGEMENT"}', "`$.body`"),
        (b'{"body": "x", "destinationId": "1", "destinationType": "ENGAGEMENT"}', "`$.destinationId`"),
        (b'{"body": "x", "destinationId": 9223372036854775808, "destinationType": "ENGAGEMENT"}', "`$.destinationId`"),
        (b'{"body": "x", "destinationId": 1, "destinationType": "BOGUS"}', "`$.destinationType`"),
        (
            b'{"body": "x", "destinationId": 1, "destinationType": "ENGAGEMENT", "messageType": "HTML"}',
            "`$.messageType`",
        ),
        (
            b'{"body": "x", "destinationId": 1, "destinationType": "ENGAGEMENT", "visibility": "PUBLIC"}',
            "`$.visibility`",
        ),
        (b'{"body": "x", "destinationId": 1, "destinationType": "ENGAGEMENT", "richText": "yes"}', "`$.richText`"),
        (
            b'{"body": "x", "destinationId": 1, "destinationType": "ENGAGEMENT", "sequenceNumber": -1}',
            "`$.sequenceNumber`",
        ),
        (
            b'{"body": "x", "destinationId": 1, "destinationType": "ENGAGEMENT", "timeCreated": "now"}',
            "`$.timeCreated`",
        ),
        (b'{"body": "x", "destinationId": 1, "destinationType": "ENGAGEMENT", "messageId": 1}', "`$.messageId`"),
        (
            b'{"body": "x", "destinationId": 1, "destinationType": "ENGAGEMENT", "messageDataMap": {"a\\nb": "v"}}',
            "`$.messageDataMap",
        ),
        (
            b'{"body": "x", "destinationId": 1, "destinationType": "ENGAGEMENT", "messageDataMap": {"k": 1}}',
            "`$.messageDataMap",
        ),
        (b'{"body": "\xff", "destinationId": 1, "destinationType": "ENGAGEMENT"}', "postMessage"),
    ],
)
def test_every_invalid_body_is_400_naming_the_field(body: bytes, fragment: str) -> None:
    event = first_event(request_bytes(body))
    assert isinstance(event, cp.InvalidRequest)
    assert (event.status, event.code, event.operation, event.site) == (400, "INVALID_FIELD", POST_MESSAGE, SITE)
    assert event.message.startswith("invalid postMessage request body: ")
    assert fragment in event.message


# --- other paths ---------------------------------------------------------------------------


def test_other_paths_are_plain_http_requests() -> None:
    data = b"GET /emulator/engagements/7/messages?x=1&y=%20 HTTP/1.1\r\nHost: h\r\nX-Custom: V\xe9\r\n\r\n"
    assert first_event(data) == cp.HTTPRequestReceived(
        "GET", "/emulator/engagements/7/messages", "x=1&y=%20", (("host", "h"), ("x-custom", "V\u00e9")), b""
    )
    body = b'{"agentId": "12"}'
    data = b"POST /emulator/sessions HTTP/1.1\r\nHost: h\r\n" + JSON_HEAD + b"Content-Length: 17\r\n\r\n" + body
    event = first_event(data)
    assert event == cp.HTTPRequestReceived(
        "POST",
        "/emulator/sessions",
        "",
        (("host", "h"), ("content-type", "application/json; charset=utf-8"), ("content-length", "17")),
        body,
    )
    assert isinstance(first_event(b"GET /engagement/api/agent HTTP/1.1\r\nHost: h\r\n\r\n"), cp.HTTPRequestReceived)


# --- responses, byte for byte ------------------------------------------------------------------------


def answered(respond: object) -> bytes:
    record = drive_server(cp.ServerConnection(), [request_bytes(VALID)], respond=respond)  # type: ignore[arg-type]
    assert isinstance(record[1], bytes)
    return record[1]


def test_send_response_with_a_model() -> None:
    response = cp.PostMessageResponse(
        chat_post_result=cp.ChatPostResult(0), sequence_number=5, sequence_number_string="5"
    )
    body = (
        b'{"chatPostResult":{"clientReset":0},"chatSystemError":null,"clientSendTime":null,"serviceStartTime":null,'
        b'"serviceFinishTime":null,"sessionId":null,"clientId":null,"clientIdString":null,"sequenceNumber":5,'
        b'"sequenceNumberString":"5"}'
    )
    assert answered(lambda conn, event: conn.send_response(200, response)) == (
        b"HTTP/1.1 200 OK\r\n" + JSON_HEAD + b"Content-Length: %d\r\n\r\n" % len(body) + body
    )


def test_send_response_with_bytes_builtins_no_body_extra_headers_and_close() -> None:
    assert answered(lambda conn, event: conn.send_response(200, b"raw")) == (
        b"HTTP/1.1 200 OK\r\n" + JSON_HEAD + b"Content-Length: 3\r\n\r\nraw"
    )
    assert answered(lambda conn, event: conn.send_response(201, [1, {"a": None}])) == (
        b"HTTP/1.1 201 \r\n" + JSON_HEAD + b'Content-Length: 14\r\n\r\n[1,{"a":null}]'
    )
    assert answered(lambda conn, event: conn.send_response(503)) == (
        b"HTTP/1.1 503 Service Unavailable\r\n" + JSON_HEAD + b"Content-Length: 0\r\n\r\n"
    )
    assert answered(lambda conn, event: conn.send_response(200, {}, headers=[("X-Extra", "1")], close=True)) == (
        b"HTTP/1.1 200 OK\r\n" + JSON_HEAD + b"Content-Length: 2\r\nX-Extra: 1\r\nConnection: close\r\n\r\n{}"
    )


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (400, b"Bad Request"),
        (403, b"Forbidden"),
        (404, b"Not Found"),
        (409, b"Conflict"),
        (500, b"Internal Server Error"),
    ],
)
def test_send_error(status: int, reason: bytes) -> None:
    body = b'{"exceptionCode":"INVALID_FIELD","message":"destinationId \\"x\\" is invalid"}'
    assert answered(lambda conn, event: conn.send_error(status, "INVALID_FIELD", 'destinationId "x" is invalid')) == (
        b"HTTP/1.1 %d %s\r\n" % (status, reason) + JSON_HEAD + b"Content-Length: %d\r\n\r\n" % len(body) + body
    )


def test_an_error_answer_decodes_on_the_client() -> None:
    client = cp.ClientConnection(make_session())
    server = cp.ServerConnection()
    server.receive_data(client.send(simple_request()))
    assert isinstance(server.next_event(), cp.RequestReceived)
    client.receive_data(server.send_error(409, "CONFLICT", "The lead participant has left the engagement."))
    event = client.next_event()
    assert event == cp.ErrorReceived(
        simple_request(sequence_number=1), 409, "CONFLICT", "The lead participant has left the engagement.", None
    )


def test_responding_without_a_request_or_twice_is_refused() -> None:
    server = cp.ServerConnection()
    with pytest.raises(cp.LocalProtocolError, match="no request is awaiting a response"):
        server.send_response(200)
    with pytest.raises(cp.LocalProtocolError, match="no request is awaiting a response"):
        server.send_error(400, "X", "y")
    server.receive_data(request_bytes(VALID))
    server.next_event()
    server.send_response(200)
    with pytest.raises(cp.LocalProtocolError, match="no request is awaiting a response"):
        server.send_response(200)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"status": 200, "body": object()}, "cannot be encoded"),
        ({"status": 200, "body": "\ud800"}, "cannot be encoded"),
        ({"status": 200, "body": SELF_CONTAINING}, "cannot be encoded"),
        ({"status": 200, "headers": [("X-Bad", "a\r\nInjected: 1")]}, "cannot send this response"),
        ({"status": 200, "headers": [("Bad Name", "v")]}, "cannot send this response"),
        ({"status": 99}, "cannot send this response"),
        ({"status": 1000}, "cannot send this response"),
        ({"status": "200"}, "cannot send this response"),
    ],
)
def test_an_invalid_response_is_refused_and_a_valid_one_can_follow(kwargs: dict[str, object], fragment: str) -> None:
    server = cp.ServerConnection()
    server.receive_data(request_bytes(VALID))
    assert isinstance(server.next_event(), cp.RequestReceived)
    with pytest.raises(cp.LocalProtocolError, match=fragment):
        server.send_response(**kwargs)  # type: ignore[arg-type]
    assert server.send_response(200).startswith(b"HTTP/1.1 200 OK\r\n")
    assert server.can_reuse


# --- connection handling ---------------------------------------------------------------------------


def test_pipelined_requests_are_served_one_at_a_time() -> None:
    server = cp.ServerConnection()
    second = request_bytes(VALID.replace(b"Hi", b"Yo"))
    server.receive_data(request_bytes(VALID) + second + b"GET /x HTTP/1.1\r\nHost: h\r\n\r\n")
    first = server.next_event()
    assert isinstance(first, cp.RequestReceived)
    assert first.request.body == "Hi"  # type: ignore[attr-defined]
    assert server.next_event() is cp.NEED_DATA  # nothing more until it is answered
    assert not server.can_reuse
    server.send_response(200)
    event = server.next_event()
    assert isinstance(event, cp.RequestReceived)
    assert event.request.body == "Yo"  # type: ignore[attr-defined]
    server.send_response(200)
    assert isinstance(server.next_event(), cp.HTTPRequestReceived)
    server.send_response(200)
    assert server.next_event() is cp.NEED_DATA
    assert server.can_reuse


def test_pipelined_requests_give_the_same_events_however_they_are_cut() -> None:
    data = request_bytes(VALID) * 3 + request_bytes(b"{}") + b"GET /x HTTP/1.1\r\nHost: h\r\n\r\n"
    record = server_outcome(data, eof=True)
    assert [type(item) for item in record[::2]] == [
        cp.RequestReceived,
        cp.RequestReceived,
        cp.RequestReceived,
        cp.InvalidRequest,
        cp.HTTPRequestReceived,
        cp.ConnectionClosed,
    ]
    assert record[-1] is False  # the client ended the stream


def test_keep_alive_serves_many_exchanges() -> None:
    client = cp.ClientConnection(make_session())
    server = cp.ServerConnection()
    for number in range(1, 6):
        server.receive_data(client.send(simple_request()))
        event = server.next_event()
        assert isinstance(event, cp.RequestReceived)
        assert event.request.sequence_number == number  # type: ignore[attr-defined]
        client.receive_data(server.send_response(200, {"sequenceNumber": number}))
        assert isinstance(client.next_event(), cp.ResponseReceived)
        assert server.can_reuse
        assert client.can_reuse


@pytest.mark.parametrize(
    "data",
    [
        request_bytes(VALID, headers=[(b"Connection", b"close")]),
        b"GET /x HTTP/1.0\r\n\r\n",
    ],
)
def test_a_client_that_will_close_leaves_the_connection_unusable(data: bytes) -> None:
    record = server_outcome(data, eof=True)
    assert record[-2:] == [cp.ConnectionClosed(), False]
    # h11 says so in the answer.
    assert record[1] == b"HTTP/1.1 200 OK\r\n" + JSON_HEAD + b"Content-Length: 2\r\nConnection: close\r\n\r\n{}"


def test_answering_with_close_leaves_the_connection_unusable() -> None:
    record = server_outcome(
        request_bytes(VALID) + request_bytes(VALID), respond=lambda conn, event: conn.send_response(200, close=True)
    )
    # The server said it would close: a second request on the connection is an error.
    assert [type(item) for item in record] == [cp.RequestReceived, bytes, tuple, bool]
    assert record[2:] == [("raised", cp.RemoteProtocolError), False]


def test_the_end_of_stream() -> None:
    assert server_outcome(b"", eof=True) == [cp.ConnectionClosed(), False]
    data = request_bytes(VALID)
    for cut in (1, 20, data.index(b"\r\n\r\n") + 4, len(data) - 1):
        assert server_outcome(data[:cut], eof=True) == [("raised", cp.PeerClosedEarly), False]


def test_data_after_the_end_of_stream_fails_the_connection() -> None:
    server = cp.ServerConnection()
    server.receive_data(b"")
    with pytest.raises(cp.RemoteProtocolError, match="after the end of the stream"):
        server.receive_data(b"GET / HTTP/1.1\r\n")
    with pytest.raises(cp.RemoteProtocolError, match="already failed"):
        server.next_event()
    assert not server.can_reuse


@pytest.mark.parametrize(
    ("data", "status", "reason"),
    [
        (b"GARBAGE\r\n\r\n", 400, b"Bad Request"),
        (b"GET / HTTP/1.1\r\n\r\n", 400, b"Bad Request"),  # no Host
        (b"GET / HTTP/1.1\r\nHost: h\r\nbad line\r\n\r\n", 400, b"Bad Request"),
        (b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", 400, b"Bad Request"),
        (b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n", 501, b""),
        (b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n", 400, b"Bad Request"),
    ],
)
def test_malformed_http_raises_and_send_error_for_answers_it(data: bytes, status: int, reason: bytes) -> None:
    assert server_outcome(data) == [("raised", cp.RemoteProtocolError), False]
    server = cp.ServerConnection()
    server.receive_data(data)
    with pytest.raises(cp.RemoteProtocolError) as info:
        server.next_event()
    error = info.value
    assert type(error) is cp.RemoteProtocolError
    assert error.error_status_hint == status
    body = b'{"exceptionCode":"BAD_REQUEST","message":' + msgspec.json.encode(str(error)) + b"}"
    assert server.send_error_for(error) == (
        b"HTTP/1.1 %d %s\r\n" % (status, reason)
        + JSON_HEAD
        + b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)
        + body
    )
    with pytest.raises(cp.RemoteProtocolError, match="already failed"):
        server.next_event()
    assert not server.can_reuse


def test_send_error_for_gives_nothing_when_no_response_can_be_sent() -> None:
    server = cp.ServerConnection()
    server.receive_data(request_bytes(VALID, headers=[(b"Connection", b"close")]) + b"more")
    assert isinstance(server.next_event(), cp.RequestReceived)
    server.send_response(200)
    with pytest.raises(cp.RemoteProtocolError) as info:
        server.next_event()
    assert server.send_error_for(info.value) == b""


def test_a_head_request_is_answered_without_a_body() -> None:
    data = b"HEAD /emulator/sessions HTTP/1.1\r\nHost: h\r\n\r\nGET /emulator/sessions HTTP/1.1\r\nHost: h\r\n\r\n"
    record = server_outcome(data, respond=lambda conn, event: conn.send_response(200, {"a": 1}))
    assert record == [
        cp.HTTPRequestReceived("HEAD", "/emulator/sessions", "", (("host", "h"),), b""),
        b"HTTP/1.1 200 OK\r\n" + JSON_HEAD + b"Content-Length: 7\r\n\r\n",  # the size the body would have
        cp.HTTPRequestReceived("GET", "/emulator/sessions", "", (("host", "h"),), b""),
        b"HTTP/1.1 200 OK\r\n" + JSON_HEAD + b'Content-Length: 7\r\n\r\n{"a":1}',
        True,
    ]


@pytest.mark.parametrize("status", [204, 304])
def test_a_response_that_has_no_body_is_sent_without_one(status: int) -> None:
    server = cp.ServerConnection()
    server.receive_data(request_bytes(VALID))
    assert isinstance(server.next_event(), cp.RequestReceived)
    with pytest.raises(cp.LocalProtocolError, match=f"a {status} response cannot carry a body"):
        server.send_response(status, {"a": 1})
    # Refused before anything was sent: the request can still be answered.
    answer = server.send_response(status)
    assert answer == b"HTTP/1.1 %d \r\n" % status + JSON_HEAD + b"\r\n"  # no Content-Length
    assert server.can_reuse
    client = cp.ClientConnection(make_session())
    client.send(simple_request())
    client.receive_data(answer)
    assert client.next_event() == cp.ErrorReceived(simple_request(sequence_number=1), status, None, None)
    assert client.state is cp.ConnectionState.MUST_CLOSE  # not a 200: an error answer
