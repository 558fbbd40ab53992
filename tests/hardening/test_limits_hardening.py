"""Limits that hold however the bytes are cut: head, body (declared and chunked),
chunk framing, JSON nesting, and what a server buffers while a response is awaited.

Each case runs whole, byte by byte and at fixed random cuts (`client_outcome`);
the hypothesis properties add random cuts, with bounded examples for CI.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chatproto as cp

from .hardening_helpers import (
    chunked,
    client_outcome,
    cut,
    drive_client,
    drive_server,
    post_message,
    response,
    server_outcome,
    session,
)

LIMITS = cp.Limits(max_header_bytes=200, max_body_bytes=300, max_json_depth=4)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _head_of(size: int) -> bytes:
    """A response head of exactly ``size`` bytes (padding in one header)."""
    base = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Pad: \r\n\r\n"
    return base.replace(b"X-Pad: ", b"X-Pad: " + b"p" * (size - len(base)))


@pytest.mark.parametrize(("size", "error"), [(200, None), (201, "LimitExceeded")])
def test_a_head_at_and_over_the_limit(size: int, error: str | None) -> None:
    head = _head_of(size)
    assert len(head) == size
    assert client_outcome(head + b"{}", LIMITS).error == error


def test_informational_heads_count_toward_the_head_limit() -> None:
    informational = b"HTTP/1.1 100 Continue\r\nX-Pad: " + b"p" * 100 + b"\r\n\r\n"
    assert client_outcome(_head_of(120) + b"{}", LIMITS).error is None
    assert client_outcome(informational + _head_of(120) + b"{}", LIMITS).error == "LimitExceeded"


def test_an_endless_head_is_refused_once_past_the_limit_without_the_end_of_the_stream() -> None:
    conn = cp.ClientConnection(session(), limits=LIMITS)
    conn.send(post_message())
    conn.receive_data(b"HTTP/1.1 200 OK\r\n")
    assert conn.next_event() is cp.NEED_DATA

    def drip() -> None:
        for _ in range(100):
            conn.receive_data(b"X: y\r\n")
            assert conn.next_event() is cp.NEED_DATA

    with pytest.raises(cp.LimitExceeded) as caught:
        drip()
    assert caught.value.limit_name.startswith("max_header_bytes")
    assert caught.value.error_status_hint == 431


def test_a_declared_length_over_the_limit_is_refused_before_any_body_byte() -> None:
    conn = cp.ClientConnection(session(), limits=LIMITS)
    conn.send(post_message())
    conn.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 301\r\n\r\n")  # no body yet
    with pytest.raises(cp.LimitExceeded) as caught:
        conn.next_event()
    assert (caught.value.limit, caught.value.observed, caught.value.error_status_hint) == (300, 301, 413)


@pytest.mark.parametrize(("size", "error"), [(300, None), (301, "LimitExceeded")])
def test_a_chunked_body_is_counted_in_real_bytes(size: int, error: str | None) -> None:
    body = b'{"x":"' + b"a" * (size - 8) + b'"}'
    assert len(body) == size
    stream = response(b"Transfer-Encoding: chunked\r\n", chunked(body, 1, 2, 3, 50))
    outcome = client_outcome(stream, LIMITS)
    assert outcome.error == error


def test_a_body_delimited_by_the_end_of_the_stream_is_counted() -> None:
    stream = b"HTTP/1.0 200 OK\r\n\r\n" + b" " * 299 + b"{}"
    assert client_outcome(stream, LIMITS).error == "LimitExceeded"
    assert client_outcome(b"HTTP/1.0 200 OK\r\n\r\n" + b" " * 298 + b"{}", LIMITS).error is None


@pytest.mark.parametrize(
    "body",
    [
        b"1;" + b"e" * 250 + b"\r\n{\r\n1\r\n}\r\n0\r\n\r\n",  # a chunk extension
        chunked(b"{}")[: -len(b"\r\n")] + b"X-T: " + b"t" * 250 + b"\r\n\r\n",  # trailers
        b"".join(b"1\r\n \r\n" for _ in range(60)) + chunked(b"{}"),  # many small chunks
    ],
    ids=["long chunk extension", "long trailers", "many one-byte chunks"],
)
def test_chunk_framing_counts_against_the_head_limit(body: bytes) -> None:
    # h11 bounds only an incomplete chunk line: whole, a long one would pass.
    assert client_outcome(response(b"Transfer-Encoding: chunked\r\n", body), LIMITS).error == "LimitExceeded"


@pytest.mark.parametrize(("depth", "error"), [(4, None), (5, "LimitExceeded")])
def test_json_nesting_at_and_over_the_limit(depth: int, error: str | None) -> None:
    # The body object itself is one level.
    body = b'{"x":' + b"[" * (depth - 1) + b"]" * (depth - 1) + b',"sequenceNumber":1}'
    assert client_outcome(response(body=body), LIMITS).error == error


def test_nesting_inside_strings_is_not_counted() -> None:
    body = b'{"x":"[[[[[[[[{{{{{{\\"[[[[[","sequenceNumber":1}'
    assert client_outcome(response(body=body), LIMITS).error is None


@pytest.mark.parametrize("opener", [b"[", b"{", b'{"a":'])
def test_deep_nesting_fails_the_limit_not_the_interpreter(opener: bytes) -> None:
    limits = cp.Limits(max_json_depth=64, max_body_bytes=2_000_000)
    body = opener * 200_000
    outcome = drive_client([response(body=body)], limits)
    assert outcome.error == "LimitExceeded"
    # An error body just loses its details: it is still an answer.
    error = drive_client([response(body=body, status=b"500 Internal Server Error")], limits)
    assert error.error is None
    assert isinstance(error.events[0], cp.ErrorReceived)
    assert error.events[0].code is None


def test_a_request_nested_too_deeply_is_an_invalid_request() -> None:
    wire = cp.ClientConnection(session()).send(post_message())
    head, _, body = wire.partition(b"\r\n\r\n")
    deep = body[:-1] + b',"x":' + b"[" * 10 + b"]" * 10 + b"}"
    head = head.replace(b"Content-Length: %d" % len(body), b"Content-Length: %d" % len(deep))
    outcome = server_outcome(head + b"\r\n\r\n" + deep, cp.Limits(max_json_depth=4))
    event = outcome.events[0]
    assert isinstance(event, cp.InvalidRequest)
    assert (event.status, event.code) == (400, "BAD_REQUEST")
    assert "max_json_depth" in event.message


# -- What a server buffers ------------------------------------------------------------------


def test_pipelined_requests_are_parsed_one_at_a_time() -> None:
    request = b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
    server = cp.ServerConnection()
    server.receive_data(request * 5)
    assert isinstance(server.next_event(), cp.HTTPRequestReceived)
    assert server.next_event() is cp.NEED_DATA  # nothing more is parsed before the answer
    for _ in range(4):
        server.send_response(404)
        assert isinstance(server.next_event(), cp.HTTPRequestReceived)
    server.send_response(404)
    assert server.next_event() is cp.NEED_DATA


def test_a_server_does_not_buffer_pipelined_bytes_without_bound() -> None:
    # A client that never waits, to an adapter that reads whenever told NEED_DATA.
    limits = cp.Limits(max_header_bytes=100, max_body_bytes=100)
    request = b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
    server = cp.ServerConnection(limits=limits)
    server.receive_data(request)
    assert isinstance(server.next_event(), cp.HTTPRequestReceived)

    def flood() -> None:
        for _ in range(1000):
            assert server.next_event() is cp.NEED_DATA
            server.receive_data(request)

    with pytest.raises(cp.LimitExceeded) as caught:
        flood()
    assert caught.value.limit == 2 * (2 * 100 + 100)
    assert not server.can_reuse
    with pytest.raises(cp.RemoteProtocolError):
        server.next_event()
    assert server.send_error_for(caught.value).startswith(b"HTTP/1.1 400 ")


def test_pipelined_bytes_within_one_more_request_are_fine() -> None:
    limits = cp.Limits(max_header_bytes=100, max_body_bytes=100)
    request = b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
    server = cp.ServerConnection(limits=limits)
    server.receive_data(request)
    assert isinstance(server.next_event(), cp.HTTPRequestReceived)
    server.receive_data(request * 10)  # 280 more bytes: at most 600 may wait
    server.send_response(404)
    assert isinstance(server.next_event(), cp.HTTPRequestReceived)


def test_a_client_never_holds_a_second_response() -> None:
    outcome = client_outcome(response() + response(), LIMITS)
    assert len(outcome.events) == 1
    assert outcome.error == "RemoteProtocolError"


# -- Properties -------------------------------------------------------------------------------

_STREAMS = st.sampled_from(
    [
        response(),
        response(b"Transfer-Encoding: chunked\r\n", chunked(b'{"sequenceNumber":1}', 3, 4)),
        _head_of(200) + b"{}",
        _head_of(201) + b"{}",
        response(body=b'{"x":' + b"[" * 4 + b"]" * 4 + b"}"),
        response(b"Transfer-Encoding: chunked\r\n", b"1;" + b"e" * 190 + b"\r\n{\r\n1\r\n}\r\n0\r\n\r\n"),
        b"HTTP/1.1 100 Continue\r\n\r\n" + response(b"Connection: close\r\n"),
    ]
)


@SETTINGS
@given(stream=_STREAMS, data=st.data())
def test_random_cuts_change_nothing_near_the_limits(stream: bytes, data: st.DataObject) -> None:
    points = data.draw(st.lists(st.integers(0, len(stream)), max_size=8))
    assert drive_client(cut(stream, points), LIMITS) == drive_client([stream], LIMITS)


@SETTINGS
@given(stream=st.binary(max_size=400), points=st.lists(st.integers(0, 400), max_size=6))
def test_any_bytes_give_the_client_only_events_or_remote_protocol_errors(stream: bytes, points: list[int]) -> None:
    # drive_client asserts the event types and that errors are RemoteProtocolError
    # (anything else propagates); chunking may only swap a limit for a malformation.
    whole = drive_client([stream] if stream else [], LIMITS)
    split = drive_client(cut(stream, points), LIMITS)
    assert whole.events == split.events
    assert (whole.error is None) == (split.error is None)


@SETTINGS
@given(stream=st.binary(max_size=400), points=st.lists(st.integers(0, 400), max_size=6))
def test_any_bytes_give_the_server_only_events_or_remote_protocol_errors(stream: bytes, points: list[int]) -> None:
    whole = drive_server([stream] if stream else [], LIMITS)
    split = drive_server(cut(stream, points), LIMITS)
    assert whole.events == split.events
    assert (whole.error is None) == (split.error is None)
