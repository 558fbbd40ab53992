"""HTTP/1.1 message reading over h11, under `Limits`, for either role.

h11 parses; `MessageReader` adds what h11 leaves to its users and hands
over its own types (`ResponseHead`, `RequestHead`, `CLOSED`), so
that no caller depends on h11's events or on the wording of its errors:

- limits that hold however the bytes are chunked (`_http_limits`);
- the strictness h11 lacks: no bare LF line endings, no folded lines, one
  Content-Length and never with Transfer-Encoding (`_http_strictness`);
- an end of stream told apart from a malformed message by where h11 was
  when the end came, never by what its error says;
- errors of our own, with fixed messages that name a line of the head but
  never quote it (`_http_diagnosis`), and h11's error chained as the cause.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Final, Generic, Literal, TypeAlias, TypeVar

import h11
import msgspec

from ._errors import PeerClosedEarly, RemoteProtocolError
from ._http_diagnosis import describe_refused_head
from ._http_limits import LimitCounters
from ._http_strictness import check_head
from ._limits import Limits


# Frozen structs, not named tuples: built once per message, three times faster.
class ResponseHead(msgspec.Struct, frozen=True, gc=False):
    """A response's status line.

    No header field is copied out: the client reads none, and h11 acts on
    the framing and Connection fields itself.
    """

    status: int
    http_version: bytes


class RequestHead(msgspec.Struct, frozen=True, gc=False):
    """A request's request line and header fields (names lowercased, in order)."""

    method: bytes
    target: bytes
    http_version: bytes
    headers: tuple[tuple[bytes, bytes], ...]


HeadT = TypeVar("HeadT", ResponseHead, RequestHead)

#: A complete message: its head and its whole body.
Message: TypeAlias = tuple[HeadT, bytes]


class StreamEnd(enum.Enum):
    """The peer ended the stream between two messages."""

    CLOSED = "CLOSED"


CLOSED: Final = StreamEnd.CLOSED


class MessageReader(Generic[HeadT]):
    """Pulls whole messages (head and body) out of an `h11.Connection`.

    Build one with `response_reader` (client role) or `request_reader` (server role).
    """

    __slots__ = (
        "_chunks",
        "_counts",
        "_eof",
        "_eof_passed",
        "_h11",
        "_head",
        "_head_from",
        "_head_parts",
        "_head_size",
        "_limits",
        "_make_head",
        "_what",
    )

    def __init__(
        self,
        connection: h11.Connection,
        limits: Limits,
        what: str,
        make_head: Callable[[h11.Request | h11.Response], HeadT],
    ) -> None:
        self._h11 = connection
        self._limits = limits
        self._what = what  # "response" or "request", for messages
        self._make_head: Callable[[h11.Request | h11.Response], HeadT] = make_head
        self._counts = LimitCounters(limits, what, lambda: connection.trailing_data[0])
        # The end of the stream: received, and passed on to h11.  It is passed
        # on only once h11 needs more data, so h11 has parsed all it could
        # without it, and any error it raises after is caused by the end.
        self._eof = False
        self._eof_passed = False
        self._head: HeadT | None = None
        self._chunks: list[bytes] = []
        # The chunks received until the final head is parsed (past
        # max_header_bytes no more are kept), for what h11 hides once it has
        # parsed a head, and to name the line of one it refuses.  References,
        # not copies: a head that arrives in one read costs nothing here.  The
        # head being read starts at _head_from (after any informational heads).
        self._head_parts: list[bytes] = []
        self._head_size = 0
        self._head_from = 0

    @property
    def eof(self) -> bool:
        """Whether the peer has ended the stream."""
        return self._eof

    @property
    def fed(self) -> int:
        """Bytes received since the current message began (its own, and any after it)."""
        return self._counts.fed

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        """Buffer ``data``; ``b""`` marks the end of the stream (idempotent).

        Raises:
            RemoteProtocolError: data after the end of the stream.
        """
        if self._eof:
            if data:
                raise RemoteProtocolError(f"{len(data)} bytes received after the end of the stream")
            return
        if data:
            chunk = bytes(data)
            counts = self._counts
            if counts.in_head and self._head_size <= self._limits.max_header_bytes:
                self._head_parts.append(chunk)
                self._head_size += len(chunk)
            counts.fed += len(chunk)
            self._h11.receive_data(chunk)
        else:
            self._eof = True

    def buffered(self) -> bytes:
        """Bytes received but not yet parsed."""
        return self._h11.trailing_data[0]

    def begin(self, rest: bytes = b"") -> None:
        """Start measuring the next message, of which ``rest`` (the bytes still
        buffered, from `buffered`) has already arrived."""
        self._counts.restart(rest)
        self._head = None
        self._chunks = []
        self._head_parts = [rest] if rest else []
        self._head_size = len(rest)
        self._head_from = 0

    def next_message(self) -> Message[HeadT] | Literal[StreamEnd.CLOSED] | None:
        """The next complete message, `CLOSED` (the stream ended between
        messages), or None for "need data".

        Raises:
            LimitExceeded: a head, body or incomplete event over its limit.
            PeerClosedEarly: the stream ended inside a message.
            RemoteProtocolError: malformed HTTP.
        """
        counts = self._counts
        connection = self._h11
        while True:
            try:
                event = connection.next_event()
            except h11.RemoteProtocolError as exc:
                withhold_text(exc)  # first: a limit raised below carries it as context
                raise self._refusal(exc) from exc
            kind = type(event)
            if kind is h11.Data:
                data = event.data  # type: ignore[union-attr]
                counts.add_body(len(data))
                self._chunks.append(data)
            elif kind is h11.EndOfMessage:
                counts.check_end()
                head = self._head
                assert head is not None
                chunks = self._chunks
                # The caller has them now: hold nothing of the message while it is answered (a
                # server may hold a request, such as a long poll, for a long time).
                self._head, self._chunks = None, []
                body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
                return head, bytes(body)
            elif kind is h11.Response or kind is h11.Request:
                counts.check_head()
                _, declared, chunked = check_head(self._raw_head(final=True), self._head_from, self._what)
                counts.body_begins(declared, chunked)
                self._head = self._make_head(event)  # type: ignore[arg-type]
            elif kind is h11.InformationalResponse:
                counts.check_head()
                self._head_from, _, _ = check_head(
                    self._raw_head(final=False), self._head_from, self._what, final=False
                )
            elif kind is h11.ConnectionClosed:
                return CLOSED
            else:
                # NEED_DATA.  (h11.PAUSED never comes: each call returns at the
                # end of a message, and neither role reads again before both
                # sides are DONE and the cycle restarted, or one must close.)
                counts.check_incomplete()
                if self._eof and not self._eof_passed:
                    self._eof_passed = True
                    connection.receive_data(b"")
                    continue
                return None

    def _raw_head(self, *, final: bool) -> bytes:
        parts = self._head_parts
        raw = parts[0] if len(parts) == 1 else b"".join(parts)
        # After the final head keep no reference to the body; after an
        # informational head the next one starts where this one ends.
        self._head_parts = [] if final else [raw]
        return raw

    def _refusal(self, exc: h11.RemoteProtocolError) -> RemoteProtocolError:
        """Our error for h11's refusal ``exc``, told apart by where h11 was, not by its text."""
        if self._eof_passed:
            # h11 had parsed all it could before it was told of the end: the
            # end is what it refuses (inside a head, a body or chunk framing).
            return PeerClosedEarly(f"the peer closed the connection before the {self._what} was complete")
        counts = self._counts
        hint = exc.error_status_hint
        if hint == 431:
            return counts.incomplete_event_exceeded()
        raw = b"".join(self._head_parts)  # empty once the final head is parsed
        start = self._head_from
        counts.check_before_malformed(raw[start] if start < len(raw) else -1)
        if counts.in_head:
            message = describe_refused_head(raw, start, self._what, hint)
        else:
            # Past the head h11 refuses only chunk framing: a body framed by its
            # length or by the end of the stream cannot be malformed.
            message = f"malformed {self._what}: invalid chunk framing (a chunk-size line, a chunk's end or trailers)"
        return RemoteProtocolError(message, error_status_hint=hint)


def withhold_text(exc: h11.ProtocolError) -> None:
    """Replace the text of h11's error, which is chained to ours: h11 quotes
    the offending line, which may hold a bearer token or a session id."""
    exc.args = ("h11's description is withheld, as it may quote a header (a session id, a token)",)


def _response_head(event: h11.Request | h11.Response) -> ResponseHead:
    assert type(event) is h11.Response  # a client's h11 reads responses only
    return ResponseHead(event.status_code, event.http_version)


def _request_head(event: h11.Request | h11.Response) -> RequestHead:
    assert type(event) is h11.Request  # a server's h11 reads requests only
    return RequestHead(event.method, event.target, event.http_version, tuple(event.headers))


def response_reader(connection: h11.Connection, limits: Limits) -> MessageReader[ResponseHead]:
    """The reader of the responses arriving on a client's ``connection``."""
    return MessageReader(connection, limits, "response", _response_head)


def request_reader(connection: h11.Connection, limits: Limits) -> MessageReader[RequestHead]:
    """The reader of the requests arriving on a server's ``connection``."""
    return MessageReader(connection, limits, "request", _request_head)
