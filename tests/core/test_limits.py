"""`Limits`: defaults, validation, and each limit enforced the same however the bytes are cut."""

from __future__ import annotations

import pytest

import chatproto as cp

from .helpers import (
    chunked,
    client_outcome,
    http_response,
    request_bytes,
    server_outcome,
    simple_request,
)

State = cp.ConnectionState
SENT = simple_request(sequence_number=1)
OK = [cp.ResponseReceived(SENT, cp.PostMessageResponse()), State.IDLE]


def exceeded(name: str, limit: int) -> list[object]:
    return [("raised", cp.LimitExceeded, name, limit), State.ERROR]


def test_the_documented_defaults() -> None:
    limits = cp.Limits()
    assert limits.max_header_bytes == 64 * 1024
    assert limits.max_body_bytes == 1024 * 1024
    assert limits.max_json_depth == 64


@pytest.mark.parametrize("name", ["max_header_bytes", "max_body_bytes", "max_json_depth"])
@pytest.mark.parametrize("value", [0, -1, True, 1.5, "10", None])
def test_each_limit_must_be_a_positive_int(name: str, value: object) -> None:
    with pytest.raises(cp.LocalProtocolError, match=f"Limits.{name} must be a positive int"):
        cp.Limits(**{name: value})  # type: ignore[arg-type]


def test_limits_are_frozen_values() -> None:
    limits = cp.Limits(max_body_bytes=10)
    assert limits == cp.Limits(max_body_bytes=10)
    with pytest.raises(AttributeError):
        limits.max_body_bytes = 11  # type: ignore[misc]


# --- head bytes -------------------------------------------------------------------

RESPONSE = http_response(200, b"{}")
CHUNKED_HEAD = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
HEAD = len(RESPONSE) - 2  # everything but the body
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


def test_a_head_of_exactly_the_limit_is_accepted() -> None:
    assert client_outcome(RESPONSE, limits=cp.Limits(max_header_bytes=HEAD)) == OK


def test_a_head_one_byte_over_the_limit_is_refused_whole_or_byte_by_byte() -> None:
    # Whole, h11 parses the head in one go and the reader measures it; byte by
    # byte, h11's own incomplete-event bound fires first.  Same outcome.
    assert client_outcome(RESPONSE, limits=cp.Limits(max_header_bytes=HEAD - 1)) == exceeded(
        "max_header_bytes (response head)", HEAD - 1
    )


def test_an_incomplete_head_over_the_limit_is_refused_without_waiting_for_its_end() -> None:
    partial = b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 300
    assert client_outcome(partial, limits=cp.Limits(max_header_bytes=200)) == exceeded(
        "max_header_bytes (response head)", 200
    )


def test_informational_heads_count_toward_the_head() -> None:
    data = CONTINUE + CONTINUE + RESPONSE
    exact = HEAD + 2 * len(CONTINUE)
    assert client_outcome(data, limits=cp.Limits(max_header_bytes=exact)) == OK
    assert client_outcome(data, limits=cp.Limits(max_header_bytes=exact - 1)) == exceeded(
        "max_header_bytes (response head)", exact - 1
    )


def test_informational_heads_alone_can_exceed_the_limit() -> None:
    data = CONTINUE * 20
    limit = 5 * len(CONTINUE)
    assert client_outcome(data, limits=cp.Limits(max_header_bytes=limit)) == exceeded(
        "max_header_bytes (response head)", limit
    )
    # A limit the bytes already exceed outranks the close that follows them.
    assert client_outcome(data, eof=True, limits=cp.Limits(max_header_bytes=limit)) == exceeded(
        "max_header_bytes (response head)", limit
    )


def test_the_head_limit_restarts_with_each_response() -> None:
    limits = cp.Limits(max_header_bytes=HEAD)
    conn = cp.ClientConnection(_session(), limits=limits)
    for _ in range(3):
        conn.send(simple_request())
        conn.receive_data(RESPONSE)
        assert isinstance(conn.next_event(), cp.ResponseReceived)


def _session() -> cp.AgentSession:
    return cp.AgentSession(host="h", site="s", agent_id="1", session_id="j")


# --- body bytes ----------------------------------------------------------------------


def test_a_body_of_exactly_the_limit_is_accepted() -> None:
    body = b'{"sessionId": "' + b"x" * 20 + b'"}'
    limits = cp.Limits(max_body_bytes=len(body))
    record = client_outcome(http_response(200, body), limits=limits)
    assert isinstance(record[0], cp.ResponseReceived)
    record = client_outcome(CHUNKED_HEAD + chunked(body, 3, 5), limits=limits)
    assert isinstance(record[0], cp.ResponseReceived)
    assert client_outcome(CHUNKED_HEAD + chunked(body + b" ", 3, 5), limits=limits) == exceeded(
        "max_body_bytes", len(body)
    )


def test_a_declared_length_over_the_limit_is_refused_before_the_body_arrives() -> None:
    head_only = b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n"
    assert client_outcome(head_only, limits=cp.Limits(max_body_bytes=10)) == exceeded(
        "max_body_bytes (declared Content-Length)", 10
    )
    conn = cp.ClientConnection(_session(), limits=cp.Limits(max_body_bytes=10))
    conn.send(simple_request())
    conn.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 999999999999\r\n\r\n")
    with pytest.raises(cp.LimitExceeded) as info:
        conn.next_event()
    assert (info.value.limit_name, info.value.limit, info.value.observed) == (
        "max_body_bytes (declared Content-Length)",
        10,
        999999999999,
    )
    assert info.value.error_status_hint == 413


def test_a_chunked_body_over_the_limit_is_refused() -> None:
    data = CHUNKED_HEAD + chunked(b"{" + b" " * 9 + b"}", 4, 4)
    assert client_outcome(data, limits=cp.Limits(max_body_bytes=10)) == exceeded("max_body_bytes", 10)
    assert client_outcome(data, limits=cp.Limits(max_body_bytes=11))[0] == OK[0]


def test_a_body_delimited_by_the_close_over_the_limit_is_refused() -> None:
    data = b"HTTP/1.0 200 OK\r\n\r\n{" + b" " * 20 + b"}"
    assert client_outcome(data, eof=True, limits=cp.Limits(max_body_bytes=21)) == exceeded("max_body_bytes", 21)


def test_an_error_body_over_the_limit_is_refused_too() -> None:
    assert client_outcome(http_response(500, b"x" * 11), limits=cp.Limits(max_body_bytes=10)) == exceeded(
        "max_body_bytes (declared Content-Length)", 10
    )


# --- chunk framing (chunk-size lines, extensions, trailers) -------------------------------

FRAMING = cp.Limits(max_header_bytes=200)


@pytest.mark.parametrize(
    "framing",
    [
        b"2;ext=" + b"x" * 300 + b"\r\n{}\r\n0\r\n\r\n",  # a long chunk extension
        b"2\r\n{}\r\n0\r\nX-Trailer: " + b"x" * 300 + b"\r\n\r\n",  # long trailers
        b"".join(b"1\r\n%c\r\n" % c for c in b'{"sessionId":"' + b"a" * 40 + b'"}') + b"0\r\n\r\n",  # tiny chunks
    ],
)
def test_chunk_framing_counts_against_the_head_limit_however_it_is_cut(framing: bytes) -> None:
    # h11 bounds only an incomplete chunk line: a long one used to pass whole
    # and fail byte by byte.
    expected = exceeded("max_header_bytes (response chunk framing)", 200)
    assert client_outcome(CHUNKED_HEAD + framing, limits=FRAMING) == expected
    assert client_outcome(CHUNKED_HEAD + framing, limits=FRAMING, eof=True) == expected


def test_chunk_framing_under_the_limit_is_accepted_with_bytes_after_it() -> None:
    data = CHUNKED_HEAD + b"2;e=1\r\n{}\r\n0\r\nX-T: 1\r\n\r\n"
    assert client_outcome(data, limits=FRAMING) == OK
    # Bytes beyond the message are not framing.
    record = client_outcome(data + b"x" * 300, limits=FRAMING)
    assert record == [OK[0], ("raised", cp.RemoteProtocolError), State.ERROR]


def test_the_end_of_stream_inside_framing_under_the_limit_is_peer_closed_early() -> None:
    data = CHUNKED_HEAD + b"2;e=1\r\n{}\r\n0\r\nX-T: 1\r\n"
    assert client_outcome(data, limits=FRAMING, eof=True) == [("raised", cp.PeerClosedEarly), State.ERROR]


# --- JSON nesting --------------------------------------------------------------------------


def nested(depth: int) -> bytes:
    """An object whose unknown field nests ``depth`` levels in all."""
    return b'{"unknown": ' + b"[" * (depth - 1) + b"]" * (depth - 1) + b"}"


def test_nesting_up_to_the_limit_is_accepted_and_one_more_is_refused() -> None:
    assert client_outcome(http_response(200, nested(64))) == OK
    assert client_outcome(http_response(200, nested(65))) == exceeded("max_json_depth", 64)
    assert client_outcome(http_response(200, nested(3)), limits=cp.Limits(max_json_depth=2)) == exceeded(
        "max_json_depth", 2
    )


@pytest.mark.parametrize(
    "text",
    [
        b"[" * 100,
        b"{" * 100 + b"}" * 3,
        b'\\"' + b"[" * 100,  # an escaped quote does not end the string
        b"\\\\" + b"{" * 100,
    ],
)
def test_brackets_inside_strings_are_not_nesting(text: bytes) -> None:
    body = b'{"sessionId": "' + text + b'", "unknown": [[]]}'
    record = client_outcome(http_response(200, body))
    assert isinstance(record[0], cp.ResponseReceived)
    assert record[0].response.session_id.endswith(("[", "{", "}"))


def test_an_unterminated_string_does_not_make_depth_checking_quadratic() -> None:
    # Each quote used to start a scan to the end of the body.
    body = b"[" * 65 + b'"' + b'\\"' * 100_000
    conn = cp.ClientConnection(_session())
    conn.send(simple_request())
    conn.receive_data(http_response(200, body))
    with pytest.raises(cp.LimitExceeded, match="max_json_depth exceeded: 65 > 64"):
        conn.next_event()


def test_nesting_beyond_the_interpreter_recursion_limit_is_a_remote_protocol_error() -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    limits = cp.Limits(max_json_depth=10**6, max_body_bytes=10**6)
    conn = cp.ClientConnection(_session(), limits=limits)
    conn.send(simple_request())
    conn.receive_data(http_response(200, b'{"unknown": ' + deep + b"}"))
    with pytest.raises(cp.RemoteProtocolError) as info:
        conn.next_event()
    assert type(info.value) is cp.RemoteProtocolError
    assert "recursion" in str(info.value)
    # In an error body it only costs the code and message.
    conn = cp.ClientConnection(_session(), limits=limits)
    conn.send(simple_request())
    conn.receive_data(http_response(500, deep))
    event = conn.next_event()
    assert isinstance(event, cp.ErrorReceived)
    assert (event.code, event.message) == (None, None)


# --- the server role ----------------------------------------------------------------------


def test_a_request_head_over_the_limit_is_refused_with_431() -> None:
    data = request_bytes(b"{}", headers=[(b"X-Long", b"a" * 300)])
    record = server_outcome(data, limits=cp.Limits(max_header_bytes=200))
    assert record == [("raised", cp.LimitExceeded, "max_header_bytes (request head)", 200), False]
    server = cp.ServerConnection(limits=cp.Limits(max_header_bytes=200))
    server.receive_data(data)
    with pytest.raises(cp.LimitExceeded) as info:
        server.next_event()
    answer = server.send_error_for(info.value)
    assert answer.startswith(b"HTTP/1.1 431 Request Header Fields Too Large\r\n")
    assert b"\r\nConnection: close\r\n" in answer
    assert answer.endswith(b'{"exceptionCode":"LIMIT_EXCEEDED","message":"' + str(info.value).encode() + b'"}')


def test_a_request_body_declared_over_the_limit_is_refused_with_413() -> None:
    data = request_bytes(b"{" + b" " * 100 + b"}")
    limits = cp.Limits(max_body_bytes=50)
    head_only = data[: data.index(b"\r\n\r\n") + 4]
    assert server_outcome(head_only, limits=limits) == [
        ("raised", cp.LimitExceeded, "max_body_bytes (declared Content-Length)", 50),
        False,
    ]
    server = cp.ServerConnection(limits=limits)
    server.receive_data(head_only)
    with pytest.raises(cp.LimitExceeded) as info:
        server.next_event()
    assert server.send_error_for(info.value).startswith(b"HTTP/1.1 413 Content Too Large\r\n")


def test_a_request_body_nested_too_deep_is_an_invalid_request() -> None:
    body = b'{"body": "x", "destinationId": 1, "destinationType": "ENGAGEMENT", "u": ' + b"[" * 70 + b"]" * 70 + b"}"
    record = server_outcome(request_bytes(body))
    event = record[0]
    assert isinstance(event, cp.InvalidRequest)
    assert (event.status, event.code) == (400, "BAD_REQUEST")
    assert "max_json_depth" in event.message
    assert record[-1] is True  # the connection carries on


# --- malformed and over the limit: the limit wins, as it does byte by byte ------------------------


@pytest.mark.parametrize(
    "head",
    [
        b"GARBAGE" + b"x" * 300 + b"\r\n\r\n",
        b"POST /x HTTP/1.1\r\nHost: h\r\nbad line " + b"x" * 300 + b"\r\n\r\n",
        b"POST /x HTTP/1.1\r\nContent-Length: 1\r\nX-Long: " + b"x" * 300 + b"\r\n\r\n",  # no Host
    ],
)
def test_a_malformed_request_head_over_the_limit_is_over_the_limit(head: bytes) -> None:
    limits = cp.Limits(max_header_bytes=200)
    assert server_outcome(head, limits=limits) == [
        ("raised", cp.LimitExceeded, "max_header_bytes (request head)", 200),
        False,
    ]
    # Under the limit, the same head is simply malformed.
    assert server_outcome(head, limits=cp.Limits(max_header_bytes=len(head))) == [
        ("raised", cp.RemoteProtocolError),
        False,
    ]


@pytest.mark.parametrize("lead", [b" ", b"\x00", b"\x16", b"\r"])
def test_a_head_refused_at_its_first_byte_is_malformed_whatever_its_length(lead: bytes) -> None:
    # h11 refuses a head starting below 0x21 as soon as that byte arrives
    # (a TLS handshake on a plain port, say), so the limit is never reached.
    head = lead + b"GET /x HTTP/1.1\r\nHost: h\r\nX-Long: " + b"x" * 300 + b"\r\n\r\n"
    assert server_outcome(head, limits=cp.Limits(max_header_bytes=200)) == [("raised", cp.RemoteProtocolError), False]
    response = lead + b"HTTP/1.1 200 OK\r\nX-Long: " + b"x" * 300 + b"\r\n\r\n"
    assert client_outcome(response, limits=cp.Limits(max_header_bytes=200)) == [
        ("raised", cp.RemoteProtocolError),
        State.ERROR,
    ]


def test_a_malformed_head_after_informational_heads_counts_them() -> None:
    data = CONTINUE * 4 + b"HTTP/1.1 200 OK\r\nbad line\r\n\r\n"
    limit = len(data) - 1
    assert client_outcome(data, limits=cp.Limits(max_header_bytes=limit)) == exceeded(
        "max_header_bytes (response head)", limit
    )
    assert client_outcome(data, limits=cp.Limits(max_header_bytes=len(data))) == [
        ("raised", cp.RemoteProtocolError),
        State.ERROR,
    ]
    # After an informational head, a head refused at its first byte stays malformed.
    data = CONTINUE * 4 + b" HTTP/1.1 200 OK\r\nbad line\r\n\r\n"
    assert client_outcome(data, limits=cp.Limits(max_header_bytes=len(data) - 5)) == [
        ("raised", cp.RemoteProtocolError),
        State.ERROR,
    ]


def test_a_malformed_chunk_line_after_framing_over_the_limit_is_over_the_limit() -> None:
    data = CHUNKED_HEAD + b"2;e=" + b"x" * 300 + b"\r\n{}\r\nzz\r\n"
    assert client_outcome(data, limits=FRAMING) == exceeded("max_header_bytes (response chunk framing)", 200)
    small = CHUNKED_HEAD + b"2;e=x\r\n{}\r\nzz\r\n"
    assert client_outcome(small, limits=FRAMING) == [("raised", cp.RemoteProtocolError), State.ERROR]


def test_bytes_are_counted_as_bytes_whatever_the_memoryview_format() -> None:
    response = next(
        data
        for data in (http_response(200, b"{}", headers=[(b"X-Long", b"x" * (300 + pad))]) for pad in range(4))
        if len(data) % 4 == 0
    )
    conn = cp.ClientConnection(_session(), limits=cp.Limits(max_header_bytes=200))
    conn.send(simple_request())
    conn.receive_data(memoryview(response).cast("I"))  # 4-byte items: len() is a quarter of the bytes
    with pytest.raises(cp.LimitExceeded, match="max_header_bytes"):
        conn.next_event()


def test_a_head_over_the_limit_with_a_bare_lf_is_over_the_limit() -> None:
    # The limit is checked before the strictness checks, as it is crossed byte
    # by byte before the head is complete.
    data = http_response(200, b"{}", headers=[(b"X-Long", b"x" * 300)]).replace(b"OK\r\n", b"OK\n", 1)
    assert client_outcome(data, limits=cp.Limits(max_header_bytes=200)) == exceeded(
        "max_header_bytes (response head)", 200
    )
    assert client_outcome(data, limits=cp.Limits(max_header_bytes=len(data))) == [
        ("raised", cp.RemoteProtocolError),
        State.ERROR,
    ]
    request = request_bytes(b"{}", headers=[(b"X-Long", b"a" * 300)]).replace(b"\r\nHost", b"\nHost", 1)
    assert server_outcome(request, limits=cp.Limits(max_header_bytes=200)) == [
        ("raised", cp.LimitExceeded, "max_header_bytes (request head)", 200),
        False,
    ]
    assert server_outcome(request, limits=cp.Limits(max_header_bytes=len(request))) == [
        ("raised", cp.RemoteProtocolError),
        False,
    ]
