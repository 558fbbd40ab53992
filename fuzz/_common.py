"""What the harnesses share: a byte reader, fixed sessions, and the drivers that
feed bytes to a connection and record what comes out.

Every harness is a plain function of bytes (``test_one_input``) that raises on a
finding, so the same code runs under atheris (``python fuzz/fuzz_x.py``), over
the seed corpora in the test suite, and on one crash file to reproduce it.
None of it imports atheris.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import msgspec

import chatproto as cp

FUZZ_DIR = Path(__file__).resolve().parent
SEEDS_DIR = FUZZ_DIR / "seeds"
DICTIONARY = FUZZ_DIR / "chatproto.dict"

#: Small limits, so a fuzzer reaches every limit with inputs of a few hundred bytes.
SMALL_LIMITS = cp.Limits(max_header_bytes=160, max_body_bytes=240, max_json_depth=5)
LIMIT_PROFILES = (cp.Limits(), SMALL_LIMITS)
#: Limits no fuzzer input can reach: what a stream does with no limits at all.
NO_LIMITS = cp.Limits(max_header_bytes=2**40, max_body_bytes=2**40, max_json_depth=2**20)

SITE = "day001_221100_sql_001h"
AGENT_ID = "12"
SESSION_ID = "node01h8m13tljpm7ns8nayp0pid91"
POOL = "297:1"
TOKEN = "eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl"


def session() -> cp.AgentSession:
    """The reference example's session, with a token so every operation can be sent."""
    return cp.AgentSession(
        host="chat.example.com", site=SITE, agent_id=AGENT_ID, session_id=SESSION_ID, pool=POOL, token=TOKEN
    )


def post_message(**overrides: Any) -> cp.PostMessageRequest:
    """The reference example's request body; keyword arguments replace its values."""
    values: dict[str, Any] = {
        "body": "Sample message text.",
        "destination_id": 27,
        "destination_type": cp.DestinationType.ENGAGEMENT,
        "message_id": "1",
        "time_created": 1621869388454,
        "visibility": cp.Visibility.ALL,
    }
    return cp.PostMessageRequest(**{**values, **overrides})


class Reader:
    """Reads structure out of fuzzer bytes; past the end it reads zeros, never fails."""

    __slots__ = ("_data", "_pos")

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    def byte(self) -> int:
        if self._pos >= len(self._data):
            return 0
        value = self._data[self._pos]
        self._pos += 1
        return value

    def below(self, bound: int) -> int:
        """An int in ``range(bound)``, from one byte (two when ``bound`` > 256)."""
        value = self.byte()
        if bound > 256:
            value = value << 8 | self.byte()
        return value % bound

    def take(self, count: int) -> bytes:
        chunk = self._data[self._pos : self._pos + count]
        self._pos += len(chunk)
        return chunk

    def sized(self, max_len: int = 64) -> bytes:
        """A length byte, then that many bytes."""
        return self.take(self.below(max_len + 1))

    def text(self, max_len: int = 64) -> str:
        """A str from UTF-8 bytes; invalid bytes become lone surrogates, which must be refused."""
        return self.sized(max_len).decode("utf-8", "surrogateescape")

    def rest(self) -> bytes:
        chunk = self._data[self._pos :]
        self._pos = len(self._data)
        return chunk


def split_points(reader: Reader) -> list[int]:
    """Up to seven cut positions (two bytes each), to be taken modulo the length of what is cut."""
    return [reader.below(65536) for _ in range(reader.below(8))]


def cut(data: bytes, points: Sequence[int]) -> list[bytes]:
    """``data`` cut at ``points`` (modulo its length + 1); no piece is empty, since ``b""`` would
    mean the end of the stream."""
    pieces = []
    start = 0
    for point in [*sorted(point % (len(data) + 1) for point in points), len(data)]:
        if point > start:
            pieces.append(data[start:point])
            start = point
    return pieces


class Outcome(msgspec.Struct):
    """What a connection made of a stream: its events, in order, and how it ended."""

    events: list[Any]
    error: str | None  # the exception's class name, or None
    state: str
    #: The status a server answers the error with (its message may name
    #: different bytes, so only the status is compared).
    error_status: int | None = None


def _check_error(exc: cp.RemoteProtocolError) -> None:
    if isinstance(exc, cp.LimitExceeded):
        assert exc.observed > exc.limit, (exc.limit_name, exc.observed, exc.limit)
    # A 4xx, or h11's 501 for a transfer coding it does not implement.
    assert 400 <= exc.error_status_hint <= 499 or exc.error_status_hint == 501, exc.error_status_hint


def drive_client(pieces: Sequence[bytes], limits: cp.Limits, request: cp.Request | None = None) -> Outcome:
    """Send ``request``, feed ``pieces`` then the end of the stream, draining events after each.

    Only events or `cp.RemoteProtocolError` may come out; after an error the
    connection must stay failed.
    """
    conn = cp.ClientConnection(session(), limits=limits)
    conn.send(request if request is not None else post_message())
    events: list[Any] = []
    try:
        for piece in [*pieces, b""]:
            conn.receive_data(piece)
            while True:
                event = conn.next_event()
                if event is cp.NEED_DATA:
                    break
                assert isinstance(event, cp.ResponseReceived | cp.ErrorReceived | cp.ConnectionClosed), event
                events.append(event)
                if isinstance(event, cp.ConnectionClosed):
                    assert conn.next_event() == event  # stays closed
                    break
    except cp.RemoteProtocolError as exc:
        _check_error(exc)
        assert conn.state is cp.ConnectionState.ERROR
        assert not conn.can_reuse
        _must_raise(conn.next_event, cp.RemoteProtocolError)
        _must_raise(lambda: conn.send(post_message()), cp.LocalProtocolError)
        return Outcome(events, type(exc).__name__, conn.state.name)
    return Outcome(events, None, conn.state.name)


def _must_raise(call: Callable[[], object], kind: type[BaseException]) -> None:
    try:
        call()
    except kind:
        return
    raise AssertionError(f"{call} did not raise {kind.__name__}")


def answer(conn: cp.ServerConnection, event: cp.ServerEvent) -> bytes:
    """A plain server's answer to ``event``; sending it must never fail."""
    if isinstance(event, cp.InvalidRequest):
        assert 400 <= event.status <= 499, event
        return conn.send_error(event.status, event.code, event.message)
    if isinstance(event, cp.RequestReceived):
        return conn.send_response(200, event.operation.response_type())
    assert isinstance(event, cp.HTTPRequestReceived), event
    return conn.send_error(404, "NOT_FOUND", "no such resource")


def drive_server(
    pieces: Sequence[bytes],
    limits: cp.Limits,
    respond: Callable[[cp.ServerConnection, cp.ServerEvent], bytes] = answer,
) -> Outcome:
    """Feed ``pieces`` then the end of the stream to a `cp.ServerConnection`,
    answering each request as it comes; the answers are recorded with the events."""
    conn = cp.ServerConnection(limits=limits)
    events: list[Any] = []
    try:
        for piece in [*pieces, b""]:
            conn.receive_data(piece)
            while True:
                event = conn.next_event()
                if event is cp.NEED_DATA:
                    break
                events.append(event)
                if isinstance(event, cp.ConnectionClosed):
                    break
                reply = respond(conn, event)
                assert reply.startswith(b"HTTP/1.1 "), reply[:40]
                events.append(reply)
    except cp.RemoteProtocolError as exc:
        _check_error(exc)
        reply = conn.send_error_for(exc)
        assert reply == b"" or reply.startswith((b"HTTP/1.1 4", b"HTTP/1.1 501 ")), reply[:40]
        _must_raise(conn.next_event, cp.RemoteProtocolError)
        status = int(reply[9:12]) if reply else None
        return Outcome(events, type(exc).__name__, "ERROR", status)
    return Outcome(events, None, "REUSABLE" if conn.can_reuse else "DONE")


def same_outcome(whole: Outcome, split: Outcome, what: str, unlimited: Callable[[], Outcome]) -> None:
    """Chunking must change nothing: the same events, the same error class, the same state.

    One difference is allowed: a stream that is both over a limit and
    malformed (or cut short) may be reported as either, depending on which
    the connection saw first.  So when the error classes differ, one must be
    `cp.LimitExceeded`, and the stream must fail even with no limits at all.
    """
    if whole == split:
        return
    both_failed = whole.error is not None and split.error is not None
    over_a_limit = "LimitExceeded" in (whole.error, split.error)
    if both_failed and over_a_limit and whole.events == split.events and unlimited().error is not None:
        return
    raise AssertionError(f"{what}: whole and split differ\n whole: {whole!r}\n split: {split!r}")


def whole_and_split(data: bytes, drive: Callable[[list[bytes], cp.Limits], Outcome], what: str) -> None:
    """The receive harnesses' body: a flags byte (bit 0: small limits), the
    split points, then the stream, driven whole and then cut at the points,
    each ending with the end of the stream; both must come out the same."""
    reader = Reader(data)
    limits = LIMIT_PROFILES[reader.byte() & 1]
    points = split_points(reader)
    stream = reader.rest()
    pieces = [stream] if stream else []
    same_outcome(drive(pieces, limits), drive(cut(stream, points), limits), what, lambda: drive(pieces, NO_LIMITS))


def run_main(test_one_input: Callable[[bytes], None]) -> None:
    """Run a harness under atheris, with libFuzzer's arguments from the command line."""
    import atheris  # only the fuzzing campaign needs it

    atheris.instrument_all()
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
