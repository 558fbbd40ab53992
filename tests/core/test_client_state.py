"""`ClientConnection` states: every (state, action) pair, keep-alive, closes and errors."""

from __future__ import annotations

from collections.abc import Callable

import pytest

import chatproto as cp

from .helpers import (
    client_outcome,
    client_outcome_with_trailing,
    http_response,
    make_session,
    sent_client,
    simple_request,
)

State = cp.ConnectionState


def idle() -> cp.ClientConnection:
    return cp.ClientConnection(make_session())


def awaiting() -> cp.ClientConnection:
    return sent_client()


def must_close() -> cp.ClientConnection:
    conn = sent_client()
    conn.receive_data(http_response(200, b"{}", headers=[(b"Connection", b"close")]))
    assert isinstance(conn.next_event(), cp.ResponseReceived)
    return conn


def closed() -> cp.ClientConnection:
    conn = idle()
    conn.receive_data(b"")
    assert conn.next_event() == cp.ConnectionClosed()
    return conn


def failed() -> cp.ClientConnection:
    conn = sent_client()
    conn.send_failed()
    return conn


REACH: dict[State, Callable[[], cp.ClientConnection]] = {
    State.IDLE: idle,
    State.AWAITING_RESPONSE: awaiting,
    State.MUST_CLOSE: must_close,
    State.CLOSED: closed,
    State.ERROR: failed,
}


@pytest.mark.parametrize("state", list(State))
def test_each_state_is_reachable_and_only_idle_can_be_reused(state: State) -> None:
    conn = REACH[state]()
    assert conn.state is state
    assert conn.can_reuse is (state is State.IDLE)
    # A failed send keeps the request whose outcome is unknown.
    assert (conn.pending_request is not None) is (state in (State.AWAITING_RESPONSE, State.ERROR))


@pytest.mark.parametrize("state", list(State))
def test_send_in_each_state(state: State) -> None:
    conn = REACH[state]()
    before = conn.session.last_sequence_number
    if state is State.IDLE:
        assert conn.send(simple_request()).startswith(b"POST ")
        assert conn.state is State.AWAITING_RESPONSE
        return
    message = "already in flight" if state is State.AWAITING_RESPONSE else f"state {state.name}"
    with pytest.raises(cp.LocalProtocolError, match=message):
        conn.send(simple_request())
    assert conn.state is state  # a refused send changes nothing
    assert conn.session.last_sequence_number == before


NEXT_EVENT: dict[State, object] = {
    State.IDLE: cp.NEED_DATA,
    State.AWAITING_RESPONSE: cp.NEED_DATA,
    State.MUST_CLOSE: cp.NEED_DATA,
    State.CLOSED: cp.ConnectionClosed(),
}


@pytest.mark.parametrize("state", list(State))
def test_next_event_in_each_state(state: State) -> None:
    conn = REACH[state]()
    if state is State.ERROR:
        with pytest.raises(cp.RemoteProtocolError, match="already failed"):
            conn.next_event()
    else:
        assert conn.next_event() == NEXT_EVENT[state]
        assert conn.next_event() == NEXT_EVENT[state]  # asking again changes nothing
    assert conn.state is state


@pytest.mark.parametrize("state", list(State))
def test_bytes_in_each_state(state: State) -> None:
    conn = REACH[state]()
    if state is State.CLOSED:
        with pytest.raises(cp.RemoteProtocolError, match="after the end of the stream"):
            conn.receive_data(b"HTTP/1.1")
        assert conn.state is State.ERROR
        return
    conn.receive_data(b"HTTP/1.1")
    if state is State.AWAITING_RESPONSE:
        assert conn.next_event() is cp.NEED_DATA  # the start of its response
        assert conn.state is State.AWAITING_RESPONSE
        return
    # No request is outstanding: these bytes answer nothing.
    with pytest.raises(cp.RemoteProtocolError):
        conn.next_event()
    assert conn.state is State.ERROR
    assert not conn.can_reuse


@pytest.mark.parametrize("state", list(State))
def test_end_of_stream_in_each_state(state: State) -> None:
    conn = REACH[state]()
    conn.receive_data(b"")
    conn.receive_data(b"")  # idempotent
    if state is State.AWAITING_RESPONSE:
        with pytest.raises(cp.PeerClosedEarly):
            conn.next_event()
        assert conn.state is State.ERROR
    elif state is State.ERROR:
        with pytest.raises(cp.RemoteProtocolError):
            conn.next_event()
    else:
        assert conn.next_event() == cp.ConnectionClosed()
        assert conn.next_event() == cp.ConnectionClosed()
        assert conn.state is State.CLOSED
    assert not conn.can_reuse


@pytest.mark.parametrize("state", list(State))
def test_send_failed_in_each_state_is_final(state: State) -> None:
    conn = REACH[state]()
    conn.send_failed()
    conn.send_failed()
    assert conn.state is State.ERROR
    assert not conn.can_reuse
    with pytest.raises(cp.LocalProtocolError):
        conn.send(simple_request())
    with pytest.raises(cp.RemoteProtocolError, match="already failed"):
        conn.next_event()


def test_send_failed_keeps_the_first_error() -> None:
    conn = sent_client()
    conn.receive_data(b"garbage\r\n\r\n")
    with pytest.raises(cp.RemoteProtocolError) as first:
        conn.next_event()
    conn.send_failed()
    with pytest.raises(cp.RemoteProtocolError) as again:
        conn.next_event()
    assert str(first.value) in str(again.value)


# --- keep-alive ---------------------------------------------------------------


def test_keep_alive_carries_many_exchanges_on_one_connection() -> None:
    session = make_session()
    conn = cp.ClientConnection(session)
    for number in range(1, 7):
        data = conn.send(simple_request())
        assert b'"sequenceNumber":%d' % number in data
        assert conn.next_event() is cp.NEED_DATA
        # The answer arrives split in two, as it may from a socket.
        answer = http_response(200, b'{"sequenceNumber": %d}' % number)
        conn.receive_data(answer[:7])
        assert conn.next_event() is cp.NEED_DATA
        conn.receive_data(answer[7:])
        event = conn.next_event()
        assert isinstance(event, cp.ResponseReceived)
        assert event.request.sequence_number == number  # type: ignore[attr-defined]
        assert conn.state is State.IDLE
        assert conn.can_reuse
    conn.receive_data(b"")
    assert conn.next_event() == cp.ConnectionClosed()


@pytest.mark.parametrize("status", [400, 403, 404, 409, 500, 302])
def test_an_error_answer_ends_the_connections_use(status: int) -> None:
    # The architecture: can_reuse is false after an error.  The server's state
    # for the connection is unknown; adapters open a fresh one.
    session = make_session()
    conn = cp.ClientConnection(session)
    conn.send(simple_request())
    conn.receive_data(http_response(status, b"{}"))
    assert isinstance(conn.next_event(), cp.ErrorReceived)
    assert conn.state is State.MUST_CLOSE
    assert not conn.can_reuse
    with pytest.raises(cp.LocalProtocolError, match="cannot carry another request"):
        conn.send(simple_request())
    assert conn.next_event() is cp.NEED_DATA
    conn.receive_data(b"")
    assert conn.next_event() == cp.ConnectionClosed()


def test_explicit_keep_alive_is_reusable() -> None:
    data = http_response(200, b"{}", headers=[(b"Connection", b"keep-alive")])
    assert client_outcome_with_trailing(data)[-1] is State.IDLE


@pytest.mark.parametrize(
    "data",
    [
        http_response(200, b"{}", headers=[(b"Connection", b"close")]),
        http_response(200, b"{}", headers=[(b"Connection", b"Close")]),
        http_response(400, b"{}", headers=[(b"Connection", b"close")]),
        http_response(200, b"{}", version=b"1.0"),
        http_response(200, b"{}", version=b"1.0", headers=[(b"Connection", b"keep-alive")]),
    ],
)
def test_a_connection_the_server_will_close_must_close(data: bytes) -> None:
    record = client_outcome(data)
    assert record[-1] is State.MUST_CLOSE
    assert isinstance(record[0], cp.ResponseReceived | cp.ErrorReceived)
    # The close that follows is the expected end, not an error.
    assert client_outcome(data, eof=True)[-2:] == [cp.ConnectionClosed(), State.CLOSED]


def test_a_body_delimited_by_the_close() -> None:
    data = b"HTTP/1.0 200 OK\r\n\r\n{}"
    assert client_outcome(data) == [State.AWAITING_RESPONSE]  # it may go on
    assert client_outcome(data, eof=True) == [
        cp.ResponseReceived(simple_request(sequence_number=1), cp.PostMessageResponse()),
        cp.ConnectionClosed(),
        State.CLOSED,
    ]


def test_bytes_beyond_the_response_in_the_same_read_mean_must_close() -> None:
    conn = sent_client()
    conn.receive_data(http_response(200, b"{}") + b"HTTP/1.1 200 OK\r\n")
    assert isinstance(conn.next_event(), cp.ResponseReceived)
    assert conn.state is State.MUST_CLOSE
    with pytest.raises(cp.RemoteProtocolError, match="no request was outstanding"):
        conn.next_event()
    assert conn.state is State.ERROR


def test_bytes_while_idle_fail_the_connection_before_the_next_send() -> None:
    conn = idle()
    conn.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
    assert conn.state is State.ERROR
    with pytest.raises(cp.LocalProtocolError):
        conn.send(simple_request())
    with pytest.raises(cp.RemoteProtocolError, match="no request was outstanding"):
        conn.next_event()


# --- ends of stream -------------------------------------------------------------

FULL = http_response(200, b'{"sequenceNumber": 1}')
CHUNKED = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"


@pytest.mark.parametrize(
    "partial",
    [
        b"",
        FULL[:1],
        FULL[:20],
        FULL[: FULL.index(b"\r\n\r\n") + 2],
        FULL[: FULL.index(b"\r\n\r\n") + 4],  # the head, and no body
        FULL[:-1],  # all but the last byte of the body
        CHUNKED[:-5],  # chunked, before the last chunk
        CHUNKED[:-2],  # chunked, before the final CRLF
        b"HTTP/1.1 100 Continue\r\n\r\n",
    ],
)
def test_the_end_of_stream_inside_a_response_is_peer_closed_early(partial: bytes) -> None:
    record = client_outcome(partial, eof=True)
    assert record == [("raised", cp.PeerClosedEarly), State.ERROR]
    conn = sent_client()
    conn.receive_data(partial)
    conn.receive_data(b"")
    with pytest.raises(cp.PeerClosedEarly, match="before the response was complete"):
        conn.next_event()
    with pytest.raises(cp.RemoteProtocolError, match="already failed"):
        conn.next_event()


def test_a_close_the_client_has_not_yet_noticed_surfaces_after_the_send() -> None:
    conn = idle()
    conn.receive_data(b"")  # the server closed the idle connection
    conn.send(simple_request())  # the adapter wrote before reading
    with pytest.raises(cp.PeerClosedEarly):
        conn.next_event()


def test_data_after_the_end_of_stream_is_an_error() -> None:
    conn = sent_client()
    conn.receive_data(FULL[:10])
    conn.receive_data(b"")
    with pytest.raises(cp.RemoteProtocolError, match="10 bytes received after the end of the stream"):
        conn.receive_data(FULL[10:20])
    assert conn.state is State.ERROR
    with pytest.raises(cp.RemoteProtocolError, match="already failed"):
        conn.next_event()


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview])
def test_any_bytes_like_object_is_accepted(kind: type) -> None:
    conn = sent_client()
    conn.receive_data(kind(FULL))
    assert isinstance(conn.next_event(), cp.ResponseReceived)


@pytest.mark.parametrize(
    "garbage",
    [
        b"garbage\r\n\r\n",
        b"HTTP/1.1 2000 OK\r\n\r\n",
        b"HTTP/2 200 OK\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nbad header line\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: " + b"9" * 5000 + b"\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}XX0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX: a\x00b\r\n\r\n",
    ],
)
def test_malformed_http_is_a_remote_protocol_error_and_is_sticky(garbage: bytes) -> None:
    record = client_outcome(garbage)
    assert record == [("raised", cp.RemoteProtocolError), State.ERROR]
    conn = sent_client()
    conn.receive_data(garbage)
    with pytest.raises(cp.RemoteProtocolError) as info:
        conn.next_event()
    assert type(info.value) is cp.RemoteProtocolError
    assert "malformed response" in str(info.value)
    with pytest.raises(cp.RemoteProtocolError, match="already failed"):
        conn.next_event()
    with pytest.raises(cp.LocalProtocolError):
        conn.send(simple_request())
