"""The errors of the HTTP reader: fixed messages of our own, h11's error as the cause.

h11's messages quote the line they refuse (which may hold a credential) and
may be worded differently in another release, so the core neither shows nor
parses them.  It names the line from its own copy of the head, and tells an
end of stream from a malformed message by where h11 was when the end came.
"""

from __future__ import annotations

import h11
import pytest

import chatproto as cp

from .hardening_helpers import TOKEN, client_outcome, post_message, response, server_outcome, session

OK = response()


def _client_error(stream: bytes, *, eof: bool = False) -> cp.RemoteProtocolError:
    conn = cp.ClientConnection(session())
    conn.send(post_message())
    conn.receive_data(stream)
    if eof:
        conn.receive_data(b"")
    with pytest.raises(cp.RemoteProtocolError) as caught:
        conn.next_event()
    return caught.value


def _server_error(stream: bytes, *, eof: bool = False) -> cp.RemoteProtocolError:
    server = cp.ServerConnection()
    server.receive_data(stream)
    if eof:
        server.receive_data(b"")
    with pytest.raises(cp.RemoteProtocolError) as caught:
        server.next_event()
    return caught.value


@pytest.mark.parametrize(
    ("stream", "message", "status"),
    [
        (b"HTTP/11 200 OK\r\n\r\n", "the status line is invalid", 400),
        (b"ICY 200 OK\r\nContent-Length: 2\r\n\r\n{}", "the status line is invalid", 400),
        (b"\x16\x03\x01\x02\x00", "the status line starts with whitespace or a control byte", 400),
        (b"\r\n" + OK, "the status line starts with whitespace or a control byte", 400),
        (response(b"X-A: 1\r\nNo colon here\r\n"), "head line 3 is not a valid header field", 400),
        (response(b"X-A: a\x00b\r\n"), "head line 2 is not a valid header field", 400),
        (response(b" folded\r\n"), "obsolete line folding at head line 2", 400),
        (response(b"Content-Length: 5\r\nContent-Length: 6\r\n"), "Content-Length given more than once", 400),
        (response(b"Content-Length: -1\r\n"), "Content-Length is not a valid length", 400),
        (response(b"Content-Length: " + b"9" * 5000 + b"\r\n"), "Content-Length is not a valid length", 400),
        (response(b"Content-Length: " + b"9" * 21 + b"\r\n"), "Content-Length is not a valid length", 400),
        (response(b"Transfer-Encoding: gzip\r\n"), "a transfer coding other than chunked", 501),
        (
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n",
            "a switch of protocols that was never asked for",
            400,
        ),
        (
            response(b"Transfer-Encoding: chunked\r\n", b"zz\r\n"),
            "invalid chunk framing (a chunk-size line, a chunk's end or trailers)",
            400,
        ),
        # A bare LF on the status line, and a line h11 refuses: the line h11 refused is named.
        (b"HTTP/1.1 200 OK\nX\x00: 1\r\n\r\n", "head line 2 is not a valid header field", 400),
        # A bare LF, and a bad Content-Length h11 refuses after it: the first in the head is named.
        (b"HTTP/1.1 200 OK\r\nX: 1\nContent-Length: x\r\n\r\n", "head line 2 ends in a bare LF, not CRLF", 400),
    ],
    ids=lambda value: repr(value)[:40],
)
def test_a_refused_response_names_what_is_wrong(stream: bytes, message: str, status: int) -> None:
    error = _client_error(stream)
    assert type(error) is cp.RemoteProtocolError
    assert (str(error), error.error_status_hint) == (f"malformed response: {message}", status)
    # The same whether the end of the stream came with the bytes or not.
    assert str(_client_error(stream, eof=True)) == str(error)


@pytest.mark.parametrize(
    ("stream", "message"),
    [
        (b"GET /x y HTTP/1.1\r\nHost: h\r\n\r\n", "the request line is invalid"),
        (b"G@T /x HTTP/1.1\r\nHost: h\r\n\r\n", "the request line is invalid"),
        (b"GET /x HTTP/1.1\r\n\r\n", "the Host field is missing or repeated"),
        (b"GET /x HTTP/1.1\r\nHost: h\r\nHost: i\r\n\r\n", "the Host field is missing or repeated"),
        (b"GET /x HTTP/1.0\r\nHost: h\r\nHost: i\r\n\r\n", "the Host field is missing or repeated"),
        (b"GET /x HTTP/1.1\r\nHost: h\r\nX-AID 12\r\n\r\n", "head line 3 is not a valid header field"),
    ],
    ids=lambda value: repr(value)[:40],
)
def test_a_refused_request_names_what_is_wrong(stream: bytes, message: str) -> None:
    error = _server_error(stream)
    assert (type(error), str(error)) == (cp.RemoteProtocolError, f"malformed request: {message}")
    assert str(_server_error(stream, eof=True)) == str(error)


def test_an_http_1_0_request_needs_no_host() -> None:
    outcome = server_outcome(b"GET /x HTTP/1.0\r\n\r\n")
    assert isinstance(outcome.events[0], cp.HTTPRequestReceived)


def test_the_cause_is_h11s_error_with_its_text_withheld() -> None:
    line = b"Authorization: Bearer " + TOKEN.encode() + b"\x00"
    error = _server_error(b"GET /x HTTP/1.1\r\nHost: h\r\n" + line + b"\r\n\r\n")
    assert str(error) == "malformed request: head line 3 is not a valid header field"
    cause = error.__cause__
    assert isinstance(cause, h11.RemoteProtocolError)
    assert cause.error_status_hint == 400
    assert TOKEN not in str(cause)
    assert TOKEN not in repr(cause)
    assert cause.__cause__ is None
    assert cause.__context__ is None


def test_what_h11_accepts_and_the_core_refuses_has_no_cause() -> None:
    for stream in (OK.replace(b"\r\n", b"\n"), response(b"X: a\r\n b\r\n"), response(b"Content-Length: 2, 2\r\n")):
        error = _client_error(stream)
        assert type(error) is cp.RemoteProtocolError
        assert error.__cause__ is None


# -- The end of the stream: told apart by where h11 was, not by what it said ---------------------


def test_a_malformed_head_that_arrives_with_the_end_of_the_stream_is_malformed() -> None:
    error = _client_error(response(b"X: a\x00b\r\n"), eof=True)
    assert type(error) is cp.RemoteProtocolError
    error = _server_error(b"GET /x HTTP/1.1\r\n\r\n", eof=True)
    assert type(error) is cp.RemoteProtocolError


@pytest.mark.parametrize(
    "stream",
    [
        b"",  # nothing at all
        b"HTTP/1.1 200 OK\r\nContent-",  # inside the head
        response(b"", b"{}")[:-1],  # inside a body framed by its length
        response(b"Transfer-Encoding: chunked\r\n", b"2\r\n{}\r"),  # inside the chunk framing
        b"HTTP/1.1 100 Continue\r\n\r\n",  # after an informational head
    ],
    ids=repr,
)
def test_the_end_of_the_stream_inside_a_response_is_peer_closed_early(stream: bytes) -> None:
    error = _client_error(stream, eof=True)
    assert type(error) is cp.PeerClosedEarly
    assert str(error) == "the peer closed the connection before the response was complete"
    assert isinstance(error.__cause__, h11.RemoteProtocolError)
    assert client_outcome(stream).error == "PeerClosedEarly"


def test_a_body_delimited_by_the_end_of_the_stream_arrives_whole_with_it() -> None:
    conn = cp.ClientConnection(session())
    conn.send(post_message())
    conn.receive_data(b"HTTP/1.0 200 OK\r\n\r\n" + response().partition(b"\r\n\r\n")[2])
    conn.receive_data(b"")
    event = conn.next_event()
    assert isinstance(event, cp.ResponseReceived)
    assert conn.state is cp.ConnectionState.MUST_CLOSE


def test_the_end_of_the_stream_between_requests_closes_the_server_connection() -> None:
    wire = cp.ClientConnection(session()).send(post_message())
    server = cp.ServerConnection()
    server.receive_data(wire)
    server.receive_data(b"")
    assert isinstance(server.next_event(), cp.RequestReceived)
    server.send_response(200, cp.PostMessageResponse())
    assert server.next_event() == cp.ConnectionClosed()
    assert server.next_event() == cp.ConnectionClosed()


def test_the_end_of_the_stream_inside_a_pipelined_request_is_peer_closed_early() -> None:
    wire = cp.ClientConnection(session()).send(post_message())
    server = cp.ServerConnection()
    server.receive_data(wire + wire[:30])
    server.receive_data(b"")
    assert isinstance(server.next_event(), cp.RequestReceived)
    server.send_response(200, cp.PostMessageResponse())
    with pytest.raises(cp.PeerClosedEarly, match="before the request was complete"):
        server.next_event()
    # A malformed pipelined request stays malformed, end of stream or not.
    server = cp.ServerConnection()
    server.receive_data(wire + b"GET /x HTTP/1.1\r\n\r\n")
    server.receive_data(b"")
    assert isinstance(server.next_event(), cp.RequestReceived)
    server.send_response(200, cp.PostMessageResponse())
    with pytest.raises(cp.RemoteProtocolError) as caught:
        server.next_event()
    assert str(caught.value) == "malformed request: the Host field is missing or repeated"


def test_a_refused_head_over_the_limit_chains_no_quoted_secret() -> None:
    # Whole, h11 refuses the line first and the limit outranks it; the limit
    # error then carries h11's error as its context, text withheld.
    line = b"Authorization: Bearer " + TOKEN.encode() + b"\x00"
    head = b"GET /x HTTP/1.1\r\nHost: h\r\n" + line + b"\r\nX-Long: " + b"x" * 300 + b"\r\n\r\n"
    server = cp.ServerConnection(limits=cp.Limits(max_header_bytes=200))
    server.receive_data(head)
    with pytest.raises(cp.LimitExceeded) as caught:
        server.next_event()
    seen: BaseException | None = caught.value
    chain = []
    while seen is not None:
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    assert [type(error) for error in chain] == [cp.LimitExceeded, h11.RemoteProtocolError]
    for error in chain:
        assert TOKEN not in str(error)
        assert TOKEN not in repr(error)
