"""Feeding bytes to a connection and recording what comes out: the one set of
drivers that the test suite and the fuzz harnesses share (after h11's
``tests/helpers.py``).

`feed` gives a `cp.ClientConnection`, a `cp.SiteConnection` or a `cp.ServerConnection` pieces of
bytes (then, if asked, the end of the stream), drains its events after each
piece, and answers each of a server's events with a responder.  On every
stream it checks what the core promises whatever the bytes:

- a client gives only `ResponseReceived`, `ErrorReceived` or
  `ConnectionClosed`, a server only its request events or `ConnectionClosed`,
  and `ConnectionClosed`, once given, is given again;
- the only exception is `cp.RemoteProtocolError`, with a 4xx status hint (or
  h11's 501 for a transfer coding it does not implement), and a
  `cp.LimitExceeded` observed more than its limit; after one the connection
  stays failed: a client refuses to send, and a server's `send_error_for`
  answers with a 4xx (or 501) or nothing.

What a run saw is read in one of two forms:

- a *record*, a list (`Fed.record`, `drive_client`, `client_outcome`): the
  events, a server's each followed by the bytes it answered, then the error's
  `signature`, then the client's state or the server's ``can_reuse``.  The
  core tests compare records with the lists they expect.
- an `Outcome` (`Fed.outcome`, `stream_into_client`,
  `client_stream_outcome`): the events, the error's class name, the final
  state's name and the status a server answered the error with.  The fuzz
  harnesses and the hardening tests compare these.

Every "the same however it is cut" check runs the pieces of `ways_to_cut`:
whole, byte by byte, in strides, and at seeded random points.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, TypeVar

import msgspec

import chatproto as cp

from .reference import bearer_session, make_session, post_message, simple_request

#: The client role's connections: the chat server's and the B2C site's.
ClientRole = cp.ClientConnection | cp.SiteConnection
Connection = ClientRole | cp.ServerConnection
Responder = Callable[[cp.ServerConnection, Any], bytes]
T = TypeVar("T")

_CLIENT_EVENTS = (cp.ResponseReceived, cp.ErrorReceived, cp.ConnectionClosed)
_SITE_EVENTS = (cp.SiteResponseReceived, cp.SiteErrorReceived, cp.ConnectionClosed)
_SERVER_EVENTS = (cp.RequestReceived, cp.InvalidRequest, cp.HTTPRequestReceived, cp.ConnectionClosed)
DEFAULT_LIMITS = cp.Limits()

# --- ways to cut a stream ----------------------------------------------------------------------

#: Besides whole and byte by byte, every "however it is cut" check feeds pieces of these sizes.
STRIDES = (2, 7)


def strides(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def bytewise(data: bytes) -> list[bytes]:
    return strides(data, 1)


def split_at(data: bytes, points: Iterable[int]) -> list[bytes]:
    """``data`` cut at ``points``, each taken modulo ``len(data) + 1`` (so a fuzzer's number lands
    anywhere, and an offset in range is itself); no piece is empty, since ``b""`` is the end of
    the stream."""
    cuts = sorted({point % (len(data) + 1) for point in points} | {0, len(data)})
    return [data[start:end] for start, end in pairwise(cuts)]


def ways_to_cut(data: bytes) -> list[list[bytes]]:
    """Whole, byte by byte, in `STRIDES`, and at three sets of random points seeded by the length
    (so a failure reproduces)."""
    rng = random.Random(len(data))
    ways = [[data] if data else [], bytewise(data), *(strides(data, size) for size in STRIDES)]
    for _ in range(3):
        ways.append(split_at(data, [rng.randrange(len(data) + 1) for _ in range(rng.randrange(1, 6))]))
    return ways


def same_however_cut(data: bytes, run: Callable[[list[bytes]], T]) -> T:
    """``run`` over every one of `ways_to_cut`; all must give the same; that result."""
    ways = ways_to_cut(data)
    first = run(ways[0])
    for pieces in ways[1:]:
        other = run(pieces)
        assert other == first, f"cut into {len(pieces)} pieces:\n {other!r}\nwhole:\n {first!r}"
    return first


# --- responders ---------------------------------------------------------------------------------


def answer_ok(conn: cp.ServerConnection, event: Any) -> bytes:
    """Answer an invalid request with its error, anything else with ``200 {}``."""
    if isinstance(event, cp.InvalidRequest):
        return conn.send_error(event.status, event.code, event.message)
    return conn.send_response(200, b"{}")


def answer_typed(conn: cp.ServerConnection, event: Any) -> bytes:
    """A plain server's answer: an invalid request's error (a 4xx), a 200 of the operation's own
    response type, and 404 for any other path."""
    if isinstance(event, cp.InvalidRequest):
        assert 400 <= event.status <= 499, event
        return conn.send_error(event.status, event.code, event.message)
    if isinstance(event, cp.RequestReceived):
        return conn.send_response(200, event.operation.response_type())
    assert isinstance(event, cp.HTTPRequestReceived), event
    return conn.send_error(404, "NOT_FOUND", "no such resource")


# --- feeding -------------------------------------------------------------------------------------


def signature(exc: BaseException) -> tuple[object, ...]:
    """What identifies an error however the bytes were cut (not its observed count)."""
    sig: tuple[object, ...] = ("raised", type(exc))
    if isinstance(exc, cp.LimitExceeded):
        sig += (exc.limit_name, exc.limit)
    if isinstance(exc, cp.SequenceMismatch):
        sig += (exc.expected, exc.got)
    return sig


class Outcome(msgspec.Struct):
    """What a connection made of a stream: its events, in order, and how it ended."""

    events: list[Any]
    error: str | None  # the exception's class name, or None
    state: str  # a client's state; a server's REUSABLE, DONE or ERROR
    #: The status a server answers the error with (its message may name
    #: different bytes, so only the status is compared).
    error_status: int | None = None


@dataclass
class Fed:
    """What `feed` saw: the events (a server's each followed by its answer) and the error, if any."""

    conn: Connection
    events: list[object]
    error: cp.RemoteProtocolError | None = None
    #: What a server's ``send_error_for`` answered the error with.
    error_answer: bytes = b""

    def record(self) -> list[object]:
        """The events, the error's `signature`, then a client's state or a server's ``can_reuse``."""
        ending = [] if self.error is None else [signature(self.error)]
        final = self.conn.can_reuse if isinstance(self.conn, cp.ServerConnection) else self.conn.state
        return [*self.events, *ending, final]

    def outcome(self) -> Outcome:
        error = None if self.error is None else type(self.error).__name__
        if not isinstance(self.conn, cp.ServerConnection):
            return Outcome(self.events, error, self.conn.state.name)
        if self.error is not None:
            return Outcome(self.events, error, "ERROR", int(self.error_answer[9:12]) if self.error_answer else None)
        return Outcome(self.events, None, "REUSABLE" if self.conn.can_reuse else "DONE")


def events_of(conn: Connection, pieces: Iterable[bytes]) -> Iterator[Any]:
    """The events of ``pieces``, fed one after another, each drained down to `cp.NEED_DATA` or
    `cp.ConnectionClosed`; whatever the caller does with an event (a server answers it) happens
    before the next is asked for."""
    kinds = (
        _CLIENT_EVENTS
        if isinstance(conn, cp.ClientConnection)
        else _SITE_EVENTS
        if isinstance(conn, cp.SiteConnection)
        else _SERVER_EVENTS
    )
    for piece in pieces:
        conn.receive_data(piece)
        while (event := conn.next_event()) is not cp.NEED_DATA:
            assert isinstance(event, kinds), event
            yield event
            if isinstance(event, cp.ConnectionClosed):
                assert conn.next_event() == event  # it stays closed
                break


def feed(conn: Connection, pieces: Iterable[bytes], *, eof: bool = False, respond: Responder = answer_ok) -> Fed:
    """Feed ``pieces`` (then the end of the stream if ``eof``), answering a server's events with
    ``respond``; only events or `cp.RemoteProtocolError` may come out (anything else fails)."""
    events: list[object] = []
    try:
        for event in events_of(conn, [*pieces, b""] if eof else pieces):
            events.append(event)
            if isinstance(conn, cp.ServerConnection) and not isinstance(event, cp.ConnectionClosed):
                reply = respond(conn, event)
                assert reply.startswith(b"HTTP/1.1 "), reply[:40]
                events.append(reply)
    except cp.RemoteProtocolError as exc:
        return Fed(conn, events, exc, _check_failed(conn, exc))
    return Fed(conn, events)


def _check_failed(conn: Connection, exc: cp.RemoteProtocolError) -> bytes:
    """The error is well formed and sticky; a server's answer to it (``b""`` for a client)."""
    if isinstance(exc, cp.LimitExceeded):
        assert exc.observed > exc.limit, (exc.limit_name, exc.observed, exc.limit)
    # A 4xx, or h11's 501 for a transfer coding it does not implement.
    assert 400 <= exc.error_status_hint <= 499 or exc.error_status_hint == 501, exc.error_status_hint
    answer = b""
    if isinstance(conn, cp.ClientConnection):
        assert conn.state is cp.ConnectionState.ERROR
        assert not conn.can_reuse
        _must_raise(conn.next_event, cp.RemoteProtocolError)
        _must_raise(lambda: conn.send(post_message()), cp.LocalProtocolError)
    elif isinstance(conn, cp.SiteConnection):
        assert conn.state is cp.ConnectionState.ERROR
        assert not conn.can_reuse
        _must_raise(conn.next_event, cp.RemoteProtocolError)
        _must_raise(lambda: conn.send(cp.ServiceSettingsRequest()), cp.LocalProtocolError)
    else:
        answer = conn.send_error_for(exc)
        assert answer == b"" or answer.startswith((b"HTTP/1.1 4", b"HTTP/1.1 501 ")), answer[:40]
        _must_raise(conn.next_event, cp.RemoteProtocolError)
    return answer


def _must_raise(call: Callable[[], object], kind: type[BaseException]) -> None:
    try:
        call()
    except kind:
        return
    raise AssertionError(f"{call} did not raise {kind.__name__}")


# --- records: the core tests' form ----------------------------------------------------------------


def sent_client(
    request: cp.Request | None = None,
    *,
    session: cp.AgentSession | None = None,
    limits: cp.Limits | None = None,
) -> cp.ClientConnection:
    """A client connection that has sent ``request`` (by default a fresh `simple_request`)."""
    session = session or make_session()
    conn = cp.ClientConnection(session) if limits is None else cp.ClientConnection(session, limits=limits)
    conn.send(request if request is not None else simple_request())
    return conn


def drive_client(conn: ClientRole, pieces: Iterable[bytes], *, eof: bool = False) -> list[object]:
    """The record of ``pieces`` (then the end of the stream if ``eof``) into ``conn``."""
    return feed(conn, pieces, eof=eof).record()


def drive_server(
    conn: cp.ServerConnection, pieces: Iterable[bytes], *, eof: bool = False, respond: Responder = answer_ok
) -> list[object]:
    """Like `drive_client`: events interleaved with the bytes answered, the error, then ``can_reuse``."""
    return feed(conn, pieces, eof=eof, respond=respond).record()


def client_outcome(
    data: bytes,
    *,
    eof: bool = False,
    request: cp.Request | None = None,
    limits: cp.Limits | None = None,
    make: Callable[[], ClientRole] | None = None,
) -> list[object]:
    """The record of ``data`` into a client that sent ``request``, the same however it is cut."""

    def fresh() -> ClientRole:
        return make() if make is not None else sent_client(request, limits=limits)

    return same_however_cut(data, lambda pieces: drive_client(fresh(), pieces, eof=eof))


def client_outcome_with_trailing(data: bytes, junk: bytes = b"HTTP/1.1 200 OK\r\n\r\n", **kwargs: Any) -> list[object]:
    """For a complete response: the same events, then the junk is an error, however it is cut."""
    clean = client_outcome(data, **kwargs)
    assert clean[-1] in (cp.ConnectionState.IDLE, cp.ConnectionState.MUST_CLOSE)
    expected = [*clean[:-1], ("raised", cp.RemoteProtocolError), cp.ConnectionState.ERROR]
    assert client_outcome(data + junk, **kwargs) == expected
    return clean


def server_outcome(
    data: bytes,
    *,
    eof: bool = False,
    limits: cp.Limits | None = None,
    respond: Responder = answer_ok,
) -> list[object]:
    """The record of ``data`` into a fresh server, the same however it is cut."""

    def fresh() -> cp.ServerConnection:
        return cp.ServerConnection() if limits is None else cp.ServerConnection(limits=limits)

    return same_however_cut(data, lambda pieces: drive_server(fresh(), pieces, eof=eof, respond=respond))


def first_server_event(
    data: bytes, trailing: bytes = b"GET / HTTP/1.1\r\n"
) -> tuple[cp.ServerConnection, cp.ServerEvent]:
    """A server's first event from ``data``: the same however it is cut and with ``trailing`` bytes
    after it.  Returns it with the connection fed ``data`` whole, ready to answer."""

    def first(pieces: Sequence[bytes]) -> tuple[cp.ServerConnection, Any]:
        conn = cp.ServerConnection()
        return conn, next(events_of(conn, pieces), cp.NEED_DATA)

    conn, event = first([data])
    assert event is not cp.NEED_DATA
    for pieces in [*ways_to_cut(data)[1:], [data + trailing]]:
        assert first(pieces)[1] == event, pieces
    return conn, event


# --- outcomes: the fuzz harnesses' and the hardening tests' form -----------------------------------


def stream_into_client(pieces: Sequence[bytes], limits: cp.Limits, request: cp.Request | None = None) -> Outcome:
    """A fresh client of `bearer_session` sends ``request`` (by default the reference's
    `post_message`) and is fed ``pieces``, then the end of the stream."""
    conn = sent_client(request if request is not None else post_message(), session=bearer_session(), limits=limits)
    return feed(conn, pieces, eof=True).outcome()


def stream_into_server(pieces: Sequence[bytes], limits: cp.Limits, respond: Responder = answer_typed) -> Outcome:
    """A fresh server is fed ``pieces``, then the end of the stream, answering each request as it comes."""
    return feed(cp.ServerConnection(limits=limits), pieces, eof=True, respond=respond).outcome()


def client_stream_outcome(
    stream: bytes, limits: cp.Limits = DEFAULT_LIMITS, request: cp.Request | None = None
) -> Outcome:
    """What a client that sent ``request`` makes of ``stream``, the same however it is cut."""
    return same_however_cut(stream, lambda pieces: stream_into_client(pieces, limits, request))


def server_stream_outcome(stream: bytes, limits: cp.Limits = DEFAULT_LIMITS) -> Outcome:
    """What a server makes of ``stream`` (answering each request), the same however it is cut."""
    return same_however_cut(stream, lambda pieces: stream_into_server(pieces, limits))
