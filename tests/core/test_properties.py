"""Hypothesis properties: chunking invariance, wire round trips, the fuzz invariant, sequence numbers."""

from __future__ import annotations

import string

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chatproto as cp

from .helpers import (
    DATA,
    drive_client,
    drive_server,
    golden,
    http_response,
    make_session,
    reference_request,
    sent_client,
    split_at,
)

BOUNDED = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
INT32 = st.integers(min_value=-(2**31), max_value=2**31 - 1)
RESPONSES = sorted(p.name for p in DATA.glob("response-*.http"))
REQUESTS = sorted(p.name for p in DATA.glob("request-*.http"))


def splits(data: bytes) -> st.SearchStrategy[list[int]]:
    return st.lists(st.integers(min_value=0, max_value=len(data)), max_size=12)


# --- random split points leave the events unchanged ----------------------------------------


@BOUNDED
@given(
    name=st.sampled_from(RESPONSES),
    eof=st.booleans(),
    trailing=st.sampled_from([b"", b"X", b"HTTP/1.1 200 OK\r\n"]),
    data=st.data(),
)
def test_a_response_cut_anywhere_gives_the_same_record(
    name: str, eof: bool, trailing: bytes, data: st.DataObject
) -> None:
    message = golden(name) + trailing
    points = data.draw(splits(message))
    request = reference_request()
    whole = drive_client(sent_client(request), [message], eof=eof)
    assert drive_client(sent_client(request), split_at(message, points), eof=eof) == whole


@BOUNDED
@given(name=st.sampled_from(REQUESTS), copies=st.integers(1, 3), eof=st.booleans(), data=st.data())
def test_requests_cut_anywhere_give_the_same_record(name: str, copies: int, eof: bool, data: st.DataObject) -> None:
    message = golden(name) * copies
    points = data.draw(splits(message))
    whole = drive_server(cp.ServerConnection(), [message], eof=eof)
    assert drive_server(cp.ServerConnection(), split_at(message, points), eof=eof) == whole


@BOUNDED
@given(
    body=st.binary(max_size=300),
    sizes=st.lists(st.integers(1, 40), max_size=6),
    limits=st.builds(
        cp.Limits,
        max_header_bytes=st.integers(60, 400),
        max_body_bytes=st.integers(1, 400),
        max_json_depth=st.integers(1, 4),
    ),
    data=st.data(),
)
def test_limits_hold_the_same_however_a_chunked_response_is_cut(
    body: bytes, sizes: list[int], limits: cp.Limits, data: st.DataObject
) -> None:
    out = bytearray(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    rest = body
    for size in sizes:
        piece, rest = rest[:size], rest[size:]
        if piece:
            extension = data.draw(st.sampled_from([b"", b";e=" + b"x" * 30]))
            out += b"%x%s\r\n%s\r\n" % (len(piece), extension, piece)
    out += b"%x\r\n%s\r\n0\r\n\r\n" % (len(rest), rest) if rest else b"0\r\n\r\n"
    message = bytes(out)
    points = data.draw(splits(message))
    whole = drive_client(sent_client(limits=limits), [message])
    assert drive_client(sent_client(limits=limits), split_at(message, points)) == whole


# --- wire round trips -----------------------------------------------------------------------

KEYS = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=8)
TEXT = st.text(max_size=30)  # Hypothesis leaves lone surrogates out of text by default

post_message_requests = st.builds(
    cp.PostMessageRequest,
    body=TEXT,
    destination_id=INT64,
    destination_type=st.sampled_from(cp.DestinationType),
    message_type=st.just(cp.MessageType.TEXT),
    message_data_map=st.none() | st.dictionaries(KEYS, TEXT, max_size=4),
    message_id=st.none() | TEXT,
    rich_text=st.none() | st.booleans(),
    sequence_number=st.none() | st.integers(min_value=1, max_value=2**63 - 1),
    time_created=st.none() | INT64,
    visibility=st.none() | st.sampled_from(cp.Visibility),
)


@BOUNDED
@given(
    request=post_message_requests,
    token=st.none() | st.text(string.ascii_letters + string.digits + "-._~+/=", min_size=1),
)
def test_a_request_survives_the_wire(request: cp.PostMessageRequest, token: str | None) -> None:
    client = cp.ClientConnection(make_session(token=token))
    server = cp.ServerConnection()
    server.receive_data(client.send(request))
    event = server.next_event()
    assert isinstance(event, cp.RequestReceived)
    number = request.sequence_number if request.sequence_number is not None else 1
    assert event.request == msgspec.structs.replace(request, sequence_number=number)
    assert (event.token, event.session_id) == (token, client.session.session_id)


def post_message_responses(number: int) -> st.SearchStrategy[cp.PostMessageResponse]:
    time = st.none() | INT64 | TEXT
    return st.builds(
        cp.PostMessageResponse,
        chat_post_result=st.none() | st.builds(cp.ChatPostResult, client_reset=st.none() | INT32),
        chat_system_error=st.none() | st.just(cp.ChatSystemError()),  # one that reports nothing
        client_send_time=time,
        service_start_time=time,
        service_finish_time=time,
        session_id=st.none() | TEXT,
        client_id=st.none() | INT64,
        client_id_string=st.none() | TEXT,
        sequence_number=st.sampled_from([None, number]),
        sequence_number_string=st.sampled_from([None, str(number), "", "n/a"]),
    )


@BOUNDED
@given(number=st.integers(1, 2**63 - 1), data=st.data())
def test_a_response_survives_the_wire(number: int, data: st.DataObject) -> None:
    response = data.draw(post_message_responses(number))
    client = cp.ClientConnection(make_session(last_sequence_number=number - 1))
    server = cp.ServerConnection()
    server.receive_data(client.send(cp.PostMessageRequest("Hi", 27, cp.DestinationType.ENGAGEMENT)))
    assert isinstance(server.next_event(), cp.RequestReceived)
    client.receive_data(server.send_response(200, response))
    event = client.next_event()
    assert isinstance(event, cp.ResponseReceived)
    assert event.response == response


@BOUNDED
@given(status=st.integers(200, 599), code=st.none() | TEXT, message=st.none() | TEXT)
def test_an_error_answer_survives_the_wire(status: int, code: str | None, message: str | None) -> None:
    client = cp.ClientConnection(make_session())
    server = cp.ServerConnection()
    server.receive_data(client.send(cp.PostMessageRequest("Hi", 27, cp.DestinationType.ENGAGEMENT)))
    assert isinstance(server.next_event(), cp.RequestReceived)
    body = {"exceptionCode": code, "message": message}
    if status in (204, 304):  # statuses without a body
        code = message = None
        body = None  # type: ignore[assignment]
    client.receive_data(server.send_response(status, body))
    event = client.next_event()
    if status == 200:
        assert isinstance(event, cp.ResponseReceived)
    else:
        assert isinstance(event, cp.ErrorReceived)
        assert (event.status, event.code, event.message) == (status, code or None, message or None)


# --- the fuzz invariant: arbitrary bytes only ever raise RemoteProtocolError ---------------------------

HTTPISH = st.sampled_from(
    [
        b"",
        b"HTTP/1.1 200 OK\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"HTTP/1.0 500 X\r\n\r\n",
    ]
)


@BOUNDED
@given(prefix=HTTPISH, noise=st.binary(max_size=200), data=st.data())
def test_arbitrary_bytes_into_a_client_raise_only_remote_protocol_errors(
    prefix: bytes, noise: bytes, data: st.DataObject
) -> None:
    message = prefix + noise
    points = data.draw(splits(message))
    conn = sent_client()
    try:
        for piece in split_at(message, points):
            conn.receive_data(piece)
            while (event := conn.next_event()) is not cp.NEED_DATA and not isinstance(event, cp.ConnectionClosed):
                pass
        conn.receive_data(b"")
        for _ in range(3):
            conn.next_event()
    except cp.RemoteProtocolError:
        assert conn.state is cp.ConnectionState.ERROR


REQUESTISH = st.sampled_from(
    [
        b"",
        b"POST /engagement/api/agent/s/v1/postMessage HTTP/1.1\r\nHost: h\r\n"
        b"Content-Type: application/json\r\nContent-Length: 40\r\n\r\n",
        b"GET /engagement/api/agent/s/v1/rerouteAvailability?request=",
        b"POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n",
    ]
)


@BOUNDED
@given(prefix=REQUESTISH, noise=st.binary(max_size=200), data=st.data())
def test_arbitrary_bytes_into_a_server_raise_only_remote_protocol_errors(
    prefix: bytes, noise: bytes, data: st.DataObject
) -> None:
    message = prefix + noise
    points = data.draw(splits(message))
    conn = cp.ServerConnection()
    try:
        for piece in split_at(message, points):
            conn.receive_data(piece)
            while (event := conn.next_event()) is not cp.NEED_DATA and not isinstance(event, cp.ConnectionClosed):
                if isinstance(event, cp.InvalidRequest):
                    conn.send_error(event.status, event.code, event.message)
                else:
                    conn.send_response(200, b"{}")
        conn.receive_data(b"")
        conn.next_event()
    except cp.RemoteProtocolError as exc:
        conn.send_error_for(exc)  # never raises


@BOUNDED
@given(body=st.binary(max_size=300), status=st.sampled_from([200, 400, 403, 500]))
def test_arbitrary_bodies_decode_to_an_event_or_a_remote_protocol_error(body: bytes, status: int) -> None:
    conn = sent_client()
    conn.receive_data(http_response(status, body))
    try:
        event = conn.next_event()
    except cp.RemoteProtocolError:
        assert status == 200
    else:
        assert isinstance(event, cp.ResponseReceived | cp.ErrorReceived)


# --- sequence numbers -------------------------------------------------------------------------------------


@BOUNDED
@given(steps=st.lists(st.tuples(st.integers(0, 2), st.none() | st.integers(-3, 40)), max_size=25))
def test_numbers_handed_out_are_strictly_increasing_across_connections(steps: list[tuple[int, int | None]]) -> None:
    session = make_session()
    connections = [cp.ClientConnection(session) for _ in range(3)]
    sent: list[int] = []
    for index, explicit in steps:
        conn = connections[index]
        if conn.state is cp.ConnectionState.AWAITING_RESPONSE:
            conn.receive_data(http_response(200, b"{}"))
            assert isinstance(conn.next_event(), cp.ResponseReceived)
        last = session.last_sequence_number
        try:
            data = conn.send(cp.PostMessageRequest("Hi", 27, cp.DestinationType.ENGAGEMENT, sequence_number=explicit))
        except cp.LocalProtocolError:
            assert explicit is not None
            assert explicit <= last
            assert session.last_sequence_number == last
            continue
        number = explicit if explicit is not None else last + 1
        assert b'"sequenceNumber":%d' % number in data
        assert session.last_sequence_number == number
        sent.append(number)
    assert sent == sorted(set(sent))
