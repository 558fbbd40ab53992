"""Helpers for the core tests, after h11's ``tests/helpers.py``.

`drive_client` and `drive_server` feed a connection pieces of bytes and record
everything that comes out: events, the error (by type and its structured
attributes, since a limit's observed count depends on where the bytes were cut)
and the final state.  `client_outcome`/`server_outcome` run the same bytes whole,
one byte at a time and in pieces of a few sizes, and assert the records are
identical, so every receive-side test is also a chunking-invariance test
(random split points are the hypothesis tests' job).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

import msgspec

import chatproto as cp

DATA = Path(__file__).resolve().parent.parent / "data"

# The reference page's example: its cURL command and its request body.
HOST = "chat_rest_server_domain.com"
SITE = "day001_221100_sql_001h"
AGENT_ID = "12"
SESSION_ID = "node01h8m13tljpm7ns8nayp0pid91"
POOL = "297:1"
TOKEN = "eyJhbGciOi.Jsb2dvbi/+=="


def golden(name: str) -> bytes:
    """The bytes of the golden exchange file ``tests/data/<name>``."""
    return (DATA / name).read_bytes()


def make_session(**overrides: object) -> cp.AgentSession:
    """The reference example's session; keyword arguments replace its values."""
    values: dict[str, object] = {
        "host": HOST,
        "site": SITE,
        "agent_id": AGENT_ID,
        "session_id": SESSION_ID,
        "pool": POOL,
    }
    values.update(overrides)
    return cp.AgentSession(**values)  # type: ignore[arg-type]


def reference_request(**overrides: object) -> cp.PostMessageRequest:
    """The reference page's request body (``richText`` and ``messageDataMap`` left unset)."""
    values: dict[str, object] = {
        "body": "Sample message text.",
        "destination_id": 27,
        "destination_type": cp.DestinationType.ENGAGEMENT,
        "message_type": cp.MessageType.TEXT,
        "message_id": "1",
        "sequence_number": 5,
        "time_created": 1621869388454,
        "visibility": cp.Visibility.ALL,
    }
    values.update(overrides)
    return cp.PostMessageRequest(**values)  # type: ignore[arg-type]


def simple_request(**overrides: object) -> cp.PostMessageRequest:
    """A minimal valid postMessage; the session numbers it."""
    values: dict[str, object] = {
        "body": "Hi",
        "destination_id": 27,
        "destination_type": cp.DestinationType.ENGAGEMENT,
    }
    values.update(overrides)
    return cp.PostMessageRequest(**values)  # type: ignore[arg-type]


def http_response(
    status: int = 200,
    body: bytes = b"{}",
    *,
    reason: bytes = b"OK",
    headers: Sequence[tuple[bytes, bytes]] = (),
    version: bytes = b"1.1",
    content_length: bool = True,
) -> bytes:
    """A response as a server would write it; ``content_length=False`` leaves framing to ``headers``."""
    lines = [b"HTTP/%s %d %s" % (version, status, reason)]
    lines.append(b"Content-Type: application/json;charset=utf-8")
    if content_length:
        lines.append(b"Content-Length: %d" % len(body))
    lines.extend(name + b": " + value for name, value in headers)
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def chunked(body: bytes, *sizes: int) -> bytes:
    """``body`` in chunked transfer coding, cut into chunks of ``sizes`` (the rest in one)."""
    out = bytearray()
    rest = body
    for size in sizes:
        piece, rest = rest[:size], rest[size:]
        out += b"%x\r\n%s\r\n" % (len(piece), piece)
    if rest:
        out += b"%x\r\n%s\r\n" % (len(rest), rest)
    return bytes(out + b"0\r\n\r\n")


# ---------------------------------------------------------------------------
# Recording what a connection does with some bytes


def signature(exc: BaseException) -> tuple[object, ...]:
    """What identifies an error however the bytes were cut (not its observed count)."""
    sig: tuple[object, ...] = ("raised", type(exc))
    if isinstance(exc, cp.LimitExceeded):
        sig += (exc.limit_name, exc.limit)
    if isinstance(exc, cp.SequenceMismatch):
        sig += (exc.expected, exc.got)
    return sig


def bytewise(data: bytes) -> list[bytes]:
    return strides(data, 1)


def strides(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


#: Besides whole and byte by byte, every receive test also feeds pieces of these sizes.
STRIDES = (2, 7)


def split_at(data: bytes, points: Iterable[int]) -> list[bytes]:
    """``data`` cut at the given offsets (out-of-range and repeated offsets are fine)."""
    cuts = sorted({min(max(p, 0), len(data)) for p in points} | {0, len(data)})
    return [data[a:b] for a, b in pairwise(cuts)]


def _drain_client(conn: cp.ClientConnection, out: list[object]) -> None:
    while True:
        event = conn.next_event()
        if event is cp.NEED_DATA:
            return
        out.append(event)
        if isinstance(event, cp.ConnectionClosed):
            return


def drive_client(conn: cp.ClientConnection, pieces: Iterable[bytes], *, eof: bool = False) -> list[object]:
    """Feed ``pieces`` (then the end of the stream if ``eof``), draining events after each.

    Returns the events, then the error's `signature` if one was raised, then the final state.
    """
    out: list[object] = []
    try:
        for piece in pieces:
            conn.receive_data(piece)
            _drain_client(conn, out)
        if eof:
            conn.receive_data(b"")
            _drain_client(conn, out)
    except cp.RemoteProtocolError as exc:  # anything else fails the test
        out.append(signature(exc))
    out.append(conn.state)
    return out


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


def client_outcome(
    data: bytes,
    *,
    eof: bool = False,
    request: cp.Request | None = None,
    limits: cp.Limits | None = None,
    make: Callable[[], cp.ClientConnection] | None = None,
) -> list[object]:
    """The record of ``data`` into a client that sent ``request``, asserted identical whole and byte by byte."""

    def fresh() -> cp.ClientConnection:
        return make() if make is not None else sent_client(request, limits=limits)

    whole = drive_client(fresh(), [data] if data else [], eof=eof)
    assert drive_client(fresh(), bytewise(data), eof=eof) == whole
    for size in STRIDES:
        assert drive_client(fresh(), strides(data, size), eof=eof) == whole
    return whole


def client_outcome_with_trailing(
    data: bytes, junk: bytes = b"HTTP/1.1 200 OK\r\n\r\n", **kwargs: object
) -> list[object]:
    """For a complete response: the same events, then the junk is an error, whole and byte by byte."""
    clean = client_outcome(data, **kwargs)  # type: ignore[arg-type]
    assert clean[-1] in (cp.ConnectionState.IDLE, cp.ConnectionState.MUST_CLOSE)
    expected = [*clean[:-1], ("raised", cp.RemoteProtocolError), cp.ConnectionState.ERROR]
    assert client_outcome(data + junk, **kwargs) == expected  # type: ignore[arg-type]
    return clean


Responder = Callable[[cp.ServerConnection, object], bytes]


def answer_ok(conn: cp.ServerConnection, event: object) -> bytes:
    """Answer an invalid request with its error, anything else with ``200 {}``."""
    if isinstance(event, cp.InvalidRequest):
        return conn.send_error(event.status, event.code, event.message)
    return conn.send_response(200, b"{}")


def _drain_server(conn: cp.ServerConnection, out: list[object], respond: Responder) -> None:
    while True:
        event = conn.next_event()
        if event is cp.NEED_DATA:
            return
        out.append(event)
        if isinstance(event, cp.ConnectionClosed):
            return
        out.append(respond(conn, event))


def drive_server(
    conn: cp.ServerConnection,
    pieces: Iterable[bytes],
    *,
    eof: bool = False,
    respond: Responder = answer_ok,
) -> list[object]:
    """Like `drive_client`: events interleaved with the bytes answered, the error, then ``can_reuse``."""
    out: list[object] = []
    try:
        for piece in pieces:
            conn.receive_data(piece)
            _drain_server(conn, out, respond)
        if eof:
            conn.receive_data(b"")
            _drain_server(conn, out, respond)
    except cp.RemoteProtocolError as exc:  # anything else fails the test
        out.append(signature(exc))
    out.append(conn.can_reuse)
    return out


def server_outcome(
    data: bytes,
    *,
    eof: bool = False,
    limits: cp.Limits | None = None,
    respond: Responder = answer_ok,
) -> list[object]:
    """The record of ``data`` into a fresh server, asserted identical whole and byte by byte."""

    def fresh() -> cp.ServerConnection:
        return cp.ServerConnection() if limits is None else cp.ServerConnection(limits=limits)

    whole = drive_server(fresh(), [data] if data else [], eof=eof, respond=respond)
    assert drive_server(fresh(), bytewise(data), eof=eof, respond=respond) == whole
    for size in STRIDES:
        assert drive_server(fresh(), strides(data, size), eof=eof, respond=respond) == whole
    return whole


def request_bytes(
    body: bytes,
    *,
    target: bytes = b"/engagement/api/agent/" + SITE.encode() + b"/v1/postMessage?pool=297:1",
    method: bytes = b"POST",
    headers: Sequence[tuple[bytes, bytes]] | None = None,
    content_type: bytes | None = b"application/json; charset=utf-8",
) -> bytes:
    """A request as a client would write it (Host, Content-Type, X-AID, X-JSESSIONID, Content-Length)."""
    lines = [method + b" " + target + b" HTTP/1.1", b"Host: " + HOST.encode()]
    if content_type is not None:
        lines.append(b"Content-Type: " + content_type)
    if headers is None:
        headers = [(b"X-AID", AGENT_ID.encode()), (b"X-JSESSIONID", SESSION_ID.encode())]
    lines.extend(name + b": " + value for name, value in headers)
    lines.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def minimal(info: msgspec.inspect.Type) -> Any:
    """The simplest valid value of a field type (required fields only, for structs)."""
    if isinstance(info, msgspec.inspect.StructType):
        return info.cls(**{f.name: minimal(f.type) for f in info.fields if f.required})
    if isinstance(info, msgspec.inspect.IntType):
        return max(info.ge if info.ge is not None else 1, 1) if info.le is None or info.le >= 1 else info.le
    if isinstance(info, msgspec.inspect.StrType):
        return "x"
    if isinstance(info, msgspec.inspect.BoolType):
        return True
    if isinstance(info, msgspec.inspect.EnumType):
        return next(iter(info.cls))
    if isinstance(info, msgspec.inspect.DictType):
        return {}
    if isinstance(info, msgspec.inspect.ListType):
        return []
    if isinstance(info, msgspec.inspect.UnionType):
        return minimal(next(t for t in info.types if not isinstance(t, msgspec.inspect.NoneType)))
    raise AssertionError(f"no minimal value for {info!r}")


def minimal_request(operation: cp.Operation) -> cp.Request:
    request = minimal(msgspec.inspect.type_info(operation.request_type))
    assert isinstance(request, operation.request_type)
    return request  # type: ignore[no-any-return]
