"""HTTP/1.1 grammar, strictly: what the core must refuse, and what it accepts on purpose.

Crash-only fuzzing does not catch a parser that is too lenient (h11 accepted
any two bytes after a chunk until 0.16, CVE-2025-43859), so each leniency is
tested here.  Every case runs whole, byte by byte and cut at random points
(`client_outcome`/`server_outcome`), and must give the same outcome each way.

What h11 0.16 accepts and we keep, documented by the tests below:
- bare LF line endings in trailers (RFC 9112 section 2.2 lets a recipient
  accept them; the reader keeps no copy of the chunk framing to check them);
- a status line or request line with any ``HTTP/1.x`` version;
- chunk extensions (ignored) and trailers (ignored), within max_header_bytes.
What h11 accepts and we refuse: bare LF line endings in a head, obsolete line
folding, Content-Length more than once, and with Transfer-Encoding.
Chunk framing is exact: a chunk-size line ends in CRLF, and a chunk's data is
followed by exactly CRLF.
"""

from __future__ import annotations

import pytest

import chatproto as cp

from .hardening_helpers import REFERENCE_BODY, chunked, client_outcome, post_message, response, server_outcome, session

BODY = REFERENCE_BODY
OK = response()


def test_a_well_formed_response_is_accepted() -> None:
    outcome = client_outcome(OK)
    assert outcome.error is None
    assert isinstance(outcome.events[0], cp.ResponseReceived)


def test_a_well_formed_chunked_response_is_accepted() -> None:
    outcome = client_outcome(response(b"Transfer-Encoding: chunked\r\n", chunked(BODY, 5, 9)))
    assert outcome.error is None
    assert outcome.events[0].response.sequence_number == 1


# -- Chunk framing: exact ------------------------------------------------------------------


@pytest.mark.parametrize(
    "terminator",
    [b"XX", b"\n", b"\r", b"\rX", b"\n\r", b" \r\n", b"\r\r\n", b"\x00\x00", b"\r\x0b"],
    ids=repr,
)
def test_anything_but_crlf_after_chunk_data_is_refused(terminator: bytes) -> None:
    # CVE-2025-43859: h11 before 0.16 took any two bytes here.
    outcome = client_outcome(response(b"Transfer-Encoding: chunked\r\n", chunked(BODY, 7, terminator=terminator)))
    assert outcome.events == []
    assert outcome.error in ("RemoteProtocolError", "PeerClosedEarly")


@pytest.mark.parametrize(
    "size_line",
    [b"-1\r\n", b"+5\r\n", b"0x5\r\n", b"5 5\r\n", b"g\r\n", b"\r\n", b"5\n", b"5\r", b" 5\r\n", b"5\x00\r\n"],
    ids=repr,
)
def test_a_malformed_chunk_size_line_is_refused(size_line: bytes) -> None:
    outcome = client_outcome(response(b"Transfer-Encoding: chunked\r\n", size_line + b"{}\r\n0\r\n\r\n"))
    assert outcome.events == []
    assert outcome.error in ("RemoteProtocolError", "PeerClosedEarly")


def test_bare_lf_is_refused_in_every_part_of_chunked_framing() -> None:
    framing = b"%x\n%s\n0\n\n" % (len(BODY), BODY)
    outcome = client_outcome(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + framing)
    assert outcome.events == []
    assert outcome.error == "PeerClosedEarly"  # the chunk-size line never ends
    # With bare LF in the head too, the head is refused first.
    outcome = client_outcome(b"HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n" + framing)
    assert outcome.events == []
    assert outcome.error == "RemoteProtocolError"


def test_a_chunk_size_beyond_the_body_limit_is_refused_once_its_data_exceeds_it() -> None:
    limits = cp.Limits(max_body_bytes=100)
    huge = b"ffffffffffffffffffff\r\n" + b"x" * 101
    assert client_outcome(response(b"Transfer-Encoding: chunked\r\n", huge), limits).error == "LimitExceeded"
    # Cut short before the limit: the stream ended inside the chunk.
    short = b"ffffffffffffffffffff\r\n" + b"x" * 50
    assert client_outcome(response(b"Transfer-Encoding: chunked\r\n", short), limits).error == "PeerClosedEarly"


# -- Heads: exact, bare LF line endings included ----------------------------------------------

# Each a response whose head has a bare LF somewhere, and the line it is on.
BARE_LF_RESPONSES = [
    (OK.replace(b"\r\n", b"\n"), 1),  # every line
    (OK.replace(b"\r\n", b"\n", 1), 1),  # the status line only
    (response(b"X-A: 1\nX-B: 2\r\n"), 2),  # one header line
    (OK.replace(b"\r\n\r\n", b"\r\n\n"), 3),  # the blank line only
    (OK.replace(b"\r\n\r\n", b"\n\r\n"), 2),  # the last header line, before a CRLF blank line
    (response(b"X-A: 1\r\n\n"), 3),  # a blank line that ends the head early, for h11
    (b"HTTP/1.1 100 Continue\n\n" + OK, 1),  # an informational head
    (b"HTTP/1.1 100 Continue\r\n\r\n" + response(b"X-A: 1\n"), 2),  # the head after it
]


@pytest.mark.parametrize(("stream", "line"), BARE_LF_RESPONSES, ids=lambda value: repr(value)[:40])
def test_bare_lf_in_a_response_head_is_refused(stream: bytes, line: int) -> None:
    # RFC 9112 section 2.2 lets a recipient accept a bare LF (h11 does), but
    # another parser may end the line elsewhere: refused, however it is cut.
    outcome = client_outcome(stream)
    assert outcome.events == []
    assert (outcome.error, outcome.state) == ("RemoteProtocolError", "ERROR")
    # The same with bytes after it: another response, or junk.
    assert client_outcome(stream + OK) == outcome
    assert client_outcome(stream + b"\n\n\x00junk") == outcome
    conn = cp.ClientConnection(session())
    conn.send(post_message())
    conn.receive_data(stream)
    with pytest.raises(cp.RemoteProtocolError) as caught:
        conn.next_event()
    assert type(caught.value) is cp.RemoteProtocolError
    assert str(caught.value) == f"malformed response: head line {line} ends in a bare LF, not CRLF"


def test_bare_lf_in_trailers_is_accepted() -> None:
    body = chunked(BODY)[: -len(b"\r\n")] + b"X-Trailer: 1\n\n"
    outcome = client_outcome(response(b"Transfer-Encoding: chunked\r\n", body))
    assert outcome.error is None


@pytest.mark.parametrize(
    "stream",
    [
        OK.replace(b"\r\n", b"\r"),  # bare CR line endings
        b"HTTP/1.1 200 OK\r\nX-A: a\rb\r\nContent-Length: 2\r\n\r\n{}",  # CR inside a value
        b"HTTP/1.1 200 OK\r\nX-A: a\x00b\r\nContent-Length: 2\r\n\r\n{}",  # NUL inside a value
        b"HTTP/1.1 200 OK\r\nX\x01A: 1\r\nContent-Length: 2\r\n\r\n{}",  # a control in a name
        b"HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\n{}",  # space before the colon
        b"HTTP/1.1 200 OK\r\nNo colon here\r\nContent-Length: 2\r\n\r\n{}",
        b"HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\n{}",
        b"HTTP/1.1 OK\r\nContent-Length: 2\r\n\r\n{}",
        b"HTTP/11 200 OK\r\nContent-Length: 2\r\n\r\n{}",
        b"ICY 200 OK\r\nContent-Length: 2\r\n\r\n{}",
        b"\r\n" + OK,  # an empty line before the status line
        b" HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}",
        b"<html>oops</html>\r\n\r\n",
    ],
    ids=lambda stream: repr(stream[:40]),
)
def test_a_malformed_head_is_refused(stream: bytes) -> None:
    outcome = client_outcome(stream)
    assert outcome.events == []
    # A bare CR never ends a line, so that head never completes: PeerClosedEarly.
    assert outcome.error in ("RemoteProtocolError", "PeerClosedEarly")


def test_other_controls_in_a_response_header_value_are_accepted() -> None:
    # RFC 9110 section 5.5: only CR, LF and NUL must be refused; a recipient may
    # keep other controls.  The client reads no header but the framing ones.
    outcome = client_outcome(response(b"X-A: a\x7fb\x01c\x1bd\r\n"))
    assert outcome == client_outcome(OK)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        (b"X-AID", b"1\x7f2"),
        (b"X-AID", b"1\x1b[31m"),
        (b"X-JSESSIONID", b"node\x01x"),
        (b"X-JSESSIONID", b"node x"),
        (b"X-JSESSIONID", b"../../x"),
        (b"Authorization", b"Bearer tok\x7fen"),
        (b"Authorization", b"Bearer tok en"),
    ],
    ids=repr,
)
def test_a_server_refuses_identity_headers_a_client_could_not_send(name: bytes, value: bytes) -> None:
    wire = cp.ClientConnection(session()).send(post_message())
    head, _, body = wire.partition(b"\r\n\r\n")
    lines = [line for line in head.split(b"\r\n") if not line.lower().startswith(name.lower() + b":")]
    outcome = server_outcome(b"\r\n".join([*lines, name + b": " + value]) + b"\r\n\r\n" + body)
    event = outcome.events[0]
    assert isinstance(event, cp.InvalidRequest)
    assert (event.status, event.code) == (400, "BAD_REQUEST")
    assert value.decode("latin-1") not in event.message  # it names the character, not the value
    assert outcome.error is None  # and the connection carries on


@pytest.mark.parametrize("name", [b"X-AID", b"X-JSESSIONID", b"Authorization"])
def test_a_server_refuses_a_repeated_identity_header(name: bytes) -> None:
    wire = cp.ClientConnection(session()).send(post_message())
    head, _, body = wire.partition(b"\r\n\r\n")
    value = {b"X-AID": b"13", b"X-JSESSIONID": b"node0other", b"Authorization": b"Bearer other"}[name]
    outcome = server_outcome(head + b"\r\n" + name + b": " + value + b"\r\n\r\n" + body)
    event = outcome.events[0]
    assert isinstance(event, cp.InvalidRequest)
    assert event.message == f"{name.decode().lower()} given more than once"


# -- Folding and framing headers: refused although h11 accepts them ---------------------------


@pytest.mark.parametrize("fold", [b"\r\n ", b"\r\n\t", b"\r\n   \t"], ids=repr)
def test_obsolete_line_folding_is_refused(fold: bytes) -> None:
    stream = response(b"X-Folded: first" + fold + b"second\r\n")
    outcome = client_outcome(stream)
    assert outcome.events == []
    assert outcome.error == "RemoteProtocolError"


@pytest.mark.parametrize("ending", [b"\n", b"\r\n"], ids=repr)
def test_obsolete_line_folding_in_a_head_with_bare_lf_lines_is_refused(ending: bytes) -> None:
    # A head whose lines end in bare LF (which h11 reads) is refused, folded or not.
    body = b'{"sequenceNumber": 1}'
    folded = b"HTTP/1.1 200 OK\nX-Folded: first\n second\nContent-Length: %d\n" % len(body) + ending
    assert client_outcome(folded + body).error == "RemoteProtocolError"
    pretty = b'{\n "sequenceNumber": 1}'
    plain = b"HTTP/1.1 200 OK\nContent-Length: %d\n" % len(pretty) + ending + pretty
    assert client_outcome(plain).error == "RemoteProtocolError"
    # A fold in the body is not a fold.
    outcome = client_outcome(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(pretty) + pretty)
    assert outcome.error is None
    assert isinstance(outcome.events[0], cp.ResponseReceived)  # then the end of the stream


def test_obsolete_line_folding_in_a_request_is_refused_with_400() -> None:
    wire = cp.ClientConnection(session()).send(post_message())
    folded = wire.replace(b"\r\nX-AID", b"\r\nX-Note: a\r\n b\r\nX-AID", 1)
    outcome = server_outcome(folded)
    assert outcome.events == []
    assert (outcome.error, outcome.error_status) == ("RemoteProtocolError", 400)


@pytest.mark.parametrize(
    "lines",
    [
        b"Content-Length: %d\r\nContent-Length: %d\r\n" % (len(BODY), len(BODY)),  # repeated, equal
        b"Content-Length: %d, %d\r\n" % (len(BODY), len(BODY)),  # a list, equal
        b"Content-Length: %d\r\nContent-Length: 5\r\n" % len(BODY),  # conflicting
        b"Content-Length: %d,5\r\n" % len(BODY),
    ],
    ids=repr,
)
def test_content_length_more_than_once_is_refused(lines: bytes) -> None:
    outcome = client_outcome(response(lines))
    assert outcome.events == []
    assert outcome.error == "RemoteProtocolError"


@pytest.mark.parametrize(
    "lines",
    [
        b"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n",
        b"Transfer-Encoding: chunked\r\nContent-Length: 3\r\n",
        b"Transfer-Encoding: chunked\r\nContent-Length: %d\r\n" % len(chunked(BODY)),
    ],
    ids=repr,
)
def test_content_length_with_transfer_encoding_is_refused(lines: bytes) -> None:
    # RFC 9112 section 6.1: a sender must not send both; a request-smuggling vector.
    outcome = client_outcome(response(lines, chunked(BODY)))
    assert outcome.events == []
    assert outcome.error == "RemoteProtocolError"


def test_content_length_with_transfer_encoding_in_a_request_is_refused() -> None:
    wire = cp.ClientConnection(session()).send(post_message())
    head, _, body = wire.partition(b"\r\n\r\n")
    smuggled = head + b"\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(body) + b"GET /admin HTTP/1.1\r\n\r\n"
    outcome = server_outcome(smuggled)
    assert outcome.events == []
    assert (outcome.error, outcome.error_status) == ("RemoteProtocolError", 400)


@pytest.mark.parametrize(
    "value",
    [b"-1", b"+20", b"0x14", b"1e3", b"20 20", b"", b"99999999999999999999999", b"9" * 5000, b"\xd9\xa1"],
    ids=lambda value: repr(value[:24]),
)
def test_a_bad_content_length_is_refused(value: bytes) -> None:
    outcome = client_outcome(response(b"Content-Length: " + value + b"\r\n"))
    assert outcome.events == []
    assert outcome.error == "RemoteProtocolError"


@pytest.mark.parametrize("coding", [b"gzip", b"chunked, chunked", b"identity", b"gzip, chunked", b"chunked;q=1"])
def test_a_transfer_coding_other_than_chunked_is_refused(coding: bytes) -> None:
    outcome = client_outcome(response(b"Transfer-Encoding: " + coding + b"\r\n", chunked(BODY)))
    assert outcome.events == []
    assert outcome.error == "RemoteProtocolError"


# -- Responses nobody asked for, and bytes after the end ----------------------------------------


def test_a_response_to_a_request_never_sent_is_refused() -> None:
    conn = cp.ClientConnection(session())
    conn.receive_data(OK)
    with pytest.raises(cp.RemoteProtocolError):
        conn.next_event()
    assert conn.state is cp.ConnectionState.ERROR
    with pytest.raises(cp.LocalProtocolError):
        conn.send(post_message())


def test_a_second_response_to_one_request_is_refused() -> None:
    outcome = client_outcome(OK + OK)
    assert isinstance(outcome.events[0], cp.ResponseReceived)
    assert outcome.error == "RemoteProtocolError"


@pytest.mark.parametrize("extra", [b"x", b"\r\n", b"HTTP/1.1 200 OK\r\n"], ids=repr)
def test_bytes_after_a_complete_response_are_refused(extra: bytes) -> None:
    outcome = client_outcome(OK + extra)
    assert len(outcome.events) == 1
    assert outcome.error == "RemoteProtocolError"


def test_data_after_the_end_of_the_stream_is_refused_on_both_sides() -> None:
    client = cp.ClientConnection(session())
    client.send(post_message())
    client.receive_data(b"")
    with pytest.raises(cp.RemoteProtocolError):
        client.receive_data(OK)
    with pytest.raises(cp.RemoteProtocolError):
        client.next_event()
    server = cp.ServerConnection()
    server.receive_data(b"")
    with pytest.raises(cp.RemoteProtocolError):
        server.receive_data(b"GET / HTTP/1.1\r\n\r\n")
    with pytest.raises(cp.RemoteProtocolError):
        server.next_event()


def test_a_switch_of_protocols_is_refused() -> None:
    outcome = client_outcome(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n")
    assert outcome.events == []
    assert outcome.error == "RemoteProtocolError"


def test_an_informational_response_before_the_answer_is_skipped() -> None:
    assert client_outcome(b"HTTP/1.1 100 Continue\r\n\r\n" + OK) == client_outcome(OK)


def test_the_framing_fields_of_an_informational_head_are_not_read() -> None:
    # A 1xx response has no body, so its Content-Length and Transfer-Encoding frame nothing.
    informational = b"HTTP/1.1 100 Continue\r\nContent-Length: 5, 5\r\nTransfer-Encoding: chunked\r\n\r\n"
    assert client_outcome(informational + OK) == client_outcome(OK)
    # Its lines are held to the same rules as any head's.
    assert client_outcome(informational.replace(b"\r\nTransfer", b"\nTransfer") + OK).error == "RemoteProtocolError"
    assert client_outcome(informational.replace(b"\r\nTransfer", b"\r\n Transfer") + OK).error == "RemoteProtocolError"


def test_a_response_cut_short_is_peer_closed_early_at_every_byte() -> None:
    for end in range(len(OK)):
        outcome = client_outcome(OK[:end])
        assert outcome.events == []
        assert outcome.error == "PeerClosedEarly", end


# -- Server side ------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["every line", "the request line", "one header line", "the blank line"])
def test_bare_lf_in_a_request_head_is_refused_with_400(which: str) -> None:
    wire = cp.ClientConnection(session()).send(post_message())
    head, _, body = wire.partition(b"\r\n\r\n")
    stream, line = {
        "every line": (head.replace(b"\r\n", b"\n") + b"\n\n" + body, 1),
        "the request line": (wire.replace(b"\r\n", b"\n", 1), 1),
        "one header line": (
            wire.replace(b"\r\nX-AID", b"\nX-AID", 1),
            head[: head.index(b"\r\nX-AID")].count(b"\n") + 1,
        ),
        "the blank line": (head + b"\r\n\n" + body, head.count(b"\n") + 2),
    }[which]
    outcome = server_outcome(stream)
    assert outcome.events == []
    assert (outcome.error, outcome.error_status) == ("RemoteProtocolError", 400)
    # The same with bytes after it: a well-formed request, pipelined.
    assert server_outcome(stream + wire) == outcome
    server = cp.ServerConnection()
    server.receive_data(stream)
    with pytest.raises(cp.RemoteProtocolError) as caught:
        server.next_event()
    assert str(caught.value) == f"malformed request: head line {line} ends in a bare LF, not CRLF"
    answer = server.send_error_for(caught.value)
    assert answer.startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert b"ends in a bare LF" in answer


def test_a_pipelined_request_with_bare_lf_is_refused_after_the_first_is_answered() -> None:
    wire = cp.ClientConnection(session()).send(post_message())
    outcome = server_outcome(wire + wire.replace(b"\r\n", b"\n", 1))
    assert isinstance(outcome.events[0], cp.RequestReceived)
    assert outcome.events[1].startswith(b"HTTP/1.1 200 OK\r\n")
    assert (len(outcome.events), outcome.error, outcome.error_status) == (2, "RemoteProtocolError", 400)


def test_a_chunked_request_with_a_bad_terminator_is_refused() -> None:
    wire = cp.ClientConnection(session()).send(post_message())
    head, _, body = wire.partition(b"\r\n\r\n")
    head = head.replace(b"Content-Length: %d" % len(body), b"Transfer-Encoding: chunked")
    good = server_outcome(head + b"\r\n\r\n" + chunked(body))
    assert good.error is None
    assert isinstance(good.events[0], cp.RequestReceived)
    bad = server_outcome(head + b"\r\n\r\n" + chunked(body, terminator=b"XX"))
    assert bad.events == []
    assert (bad.error, bad.error_status) == ("RemoteProtocolError", 400)


def test_a_head_request_is_answered_without_a_body() -> None:
    # Found by fuzz_server_receive: h11 refuses a body after HEAD, so answering
    # one raised LocalProtocolError and left the connection unusable.
    server = cp.ServerConnection()
    server.receive_data(b"HEAD /emulator/faults HTTP/1.1\r\nHost: x\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\n\r\n")
    event = server.next_event()
    assert isinstance(event, cp.HTTPRequestReceived)
    assert event.method == "HEAD"
    answer = server.send_error(405, "METHOD_NOT_ALLOWED", "no")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 405 ")
    assert b"Content-Length: " in head
    assert body == b""
    follow_up = server.next_event()  # the connection keeps serving, and bodies come back
    assert isinstance(follow_up, cp.HTTPRequestReceived)
    assert server.send_error(404, "NOT_FOUND", "no").endswith(b'"message":"no"}')


def test_the_answer_to_a_malformed_request_after_a_head_request_has_its_body() -> None:
    server = cp.ServerConnection()
    server.receive_data(b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGARBAGE\r\n\r\n")
    assert isinstance(server.next_event(), cp.HTTPRequestReceived)
    server.send_response(200)
    with pytest.raises(cp.RemoteProtocolError) as caught:
        server.next_event()
    answer = server.send_error_for(caught.value)
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert answer.endswith(b"}")


def test_a_folded_content_length_is_refused_as_folding() -> None:
    # Found by fuzzing: the value, unfolded by h11, is a number; folded, it is none.
    stream = response(b"Content-Length:\r\n\t %d\r\n" % len(BODY))
    outcome = client_outcome(stream)
    assert outcome.events == []
    assert outcome.error == "RemoteProtocolError"
