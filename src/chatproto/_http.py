"""HTTP/1.1 message reading over h11, under `Limits`, for either role.

h11 parses; this module adds what h11 leaves to its users: limits that hold
however the bytes are chunked (h11 checks its buffer size only while an
event is incomplete), a declared Content-Length refused before any body is
buffered, an explicit end of stream, and h11's errors turned into ours.

A head is measured as the bytes consumed from the start of the message up to
the end of the head (informational responses included), so it is the same
number whether the head arrived whole or one byte at a time.
"""

from __future__ import annotations

import re

import h11

from ._errors import LimitExceeded, PeerClosedEarly, RemoteProtocolError
from ._limits import Limits

#: A complete message: its head event and its whole body.
Message = tuple[h11.Request | h11.Response, bytes]

# The end of a head as h11 finds it: a blank line, bare LF line endings included.
_HEAD_END = re.compile(rb"\n\r?\n")
# After a line break: a folded line, a blank line, Content-Length (its value
# captured) or Transfer-Encoding.
# What a head without CRLF CRLF is read as: one blank line, found the slow way.
_BARE_LF = [(b"", b"\n", b"", b"")]
_HEAD_FIELDS = re.compile(rb"\n(?:([ \t])|(\r?\n)|(?i:content-length):([^\n]*)|((?i:transfer-encoding)):)")


class MessageReader:
    """Pulls whole messages (head and body) out of an `h11.Connection`."""

    __slots__ = (
        "_body_bytes",
        "_chunks",
        "_eof",
        "_fed",
        "_framing_start",
        "_h11",
        "_head",
        "_head_from",
        "_head_parts",
        "_head_size",
        "_lead",
        "_limits",
        "_what",
    )

    def __init__(self, connection: h11.Connection, limits: Limits, what: str) -> None:
        self._h11 = connection
        self._limits = limits
        self._what = what  # "response" or "request", for messages
        self._fed = 0  # bytes received since the current message began
        self._eof = False
        self._head: h11.Request | h11.Response | None = None
        self._chunks: list[bytes] = []
        self._body_bytes = 0
        # Bytes of the message consumed up to the end of its head when its body
        # is chunked, else -1: the chunk framing after it is measured from there.
        self._framing_start = -1
        # The first byte of the head being read, -1 until it arrives: h11
        # refuses a head that starts below 0x21 as soon as that byte arrives.
        self._lead = -1
        # The chunks received until the head is parsed (past max_header_bytes
        # no more are kept), for what h11 hides once it has parsed them:
        # folded lines and repeated Content-Length fields.  References, not
        # copies: a head that arrives in one read costs nothing here.  The
        # head being read starts at _head_from (after any informational heads).
        self._head_parts: list[bytes] = []
        self._head_size = 0
        self._head_from = 0

    @property
    def eof(self) -> bool:
        return self._eof

    @property
    def fed(self) -> int:
        """Bytes received since the current message began (its own, and any after it)."""
        return self._fed

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
            if self._lead < 0:
                self._lead = chunk[0]
            if self._head is None and self._head_size <= self._limits.max_header_bytes:
                self._head_parts.append(chunk)
                self._head_size += len(chunk)
            self._fed += len(chunk)
            self._h11.receive_data(chunk)
        else:
            self._eof = True
            self._h11.receive_data(b"")

    def buffered(self) -> bytes:
        """Bytes received but not yet parsed."""
        return self._h11.trailing_data[0]

    def begin(self, rest: bytes = b"") -> None:
        """Start measuring the next message, of which ``rest`` (the bytes still
        buffered, from `buffered`) has already arrived."""
        self._fed = len(rest)
        self._head = None
        self._chunks = []
        self._body_bytes = 0
        self._framing_start = -1
        self._lead = rest[0] if rest else -1
        self._head_parts = [rest] if rest else []
        self._head_size = len(rest)
        self._head_from = 0

    def next_message(self) -> Message | h11.ConnectionClosed | None:
        """The next complete message, `h11.ConnectionClosed`, or None for "need data".

        Raises:
            LimitExceeded: a head, body or incomplete event over its limit.
            PeerClosedEarly: the stream ended inside a message.
            RemoteProtocolError: malformed HTTP.
        """
        limits = self._limits
        while True:
            try:
                event = self._h11.next_event()
            except h11.RemoteProtocolError as exc:
                # Chained as the cause, h11's error would carry the line it quotes.
                raise self._translate(exc) from h11.RemoteProtocolError(_words_of(exc), exc.error_status_hint)
            kind = type(event)
            if kind is h11.Data:
                self._body_bytes += len(event.data)  # type: ignore[union-attr]
                if self._body_bytes > limits.max_body_bytes:
                    raise LimitExceeded(
                        "max_body_bytes", limits.max_body_bytes, self._body_bytes, error_status_hint=413
                    )
                self._chunks.append(event.data)  # type: ignore[union-attr]
            elif kind is h11.EndOfMessage:
                assert self._head is not None
                if self._framing_start >= 0:
                    framing = self._fed - self._framing_start - self._body_bytes
                    if framing > limits.max_header_bytes:
                        # That count includes any bytes past this message: measure exactly.
                        self._check_framing(framing - len(self.buffered()))
                chunks = self._chunks
                body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
                return self._head, bytes(body)
            elif kind is h11.Response or kind is h11.Request:
                # Only when more than the limit has arrived can the head exceed it.
                if self._fed > limits.max_header_bytes:
                    self._check_head_bytes()
                self._head = event  # type: ignore[assignment]
                if self._check_head():
                    self._framing_start = self._fed - len(self.buffered())
            elif kind is h11.InformationalResponse:
                self._check_head_bytes()
                self._head_fields(final=False)
                rest = self.buffered()  # rare enough to copy: the next head starts here
                self._lead = rest[0] if rest else -1
            elif kind is h11.ConnectionClosed:
                return event  # type: ignore[return-value]
            else:
                # NEED_DATA.  (h11.PAUSED never comes: each call returns at the
                # end of a message, and neither role reads again before both
                # sides are DONE and the cycle restarted, or one must close.)
                self._check_incomplete()
                return None

    def _check_head_bytes(self) -> None:
        limit = self._limits.max_header_bytes
        # Only when more than the limit has arrived can the head exceed it,
        # which keeps the buffer copy off the common path.
        if self._fed > limit:
            consumed = self._fed - len(self.buffered())
            if consumed > limit:
                raise LimitExceeded(f"max_header_bytes ({self._what} head)", limit, consumed, error_status_hint=431)

    def _check_incomplete(self) -> None:
        """Check the unfinished head, or chunk framing, against ``max_header_bytes``.

        h11 bounds only an incomplete event (a head, a chunk-size line, the
        trailers), so a long chunk-size line passed when it arrived whole and
        failed when it arrived byte by byte.  Counting all of a chunked body's
        framing here and at its end gives the same outcome however it is split.
        """
        limit = self._limits.max_header_bytes
        if self._head is None:
            if self._fed > limit:
                raise LimitExceeded(f"max_header_bytes ({self._what} head)", limit, self._fed, error_status_hint=431)
        elif self._framing_start >= 0:
            # Everything received since the head that is not body is framing.
            self._check_framing(self._fed - self._framing_start - self._body_bytes)

    def _check_framing(self, framing: int) -> None:
        limit = self._limits.max_header_bytes
        if framing > limit:
            raise LimitExceeded(f"max_header_bytes ({self._what} chunk framing)", limit, framing, error_status_hint=431)

    def _head_fields(self, *, final: bool) -> list[tuple[bytes, bytes, bytes, bytes]]:
        """What the raw head h11 just parsed says that h11 hides once parsed:
        one ``(fold, blank, content_length, transfer_encoding)`` tuple per line
        that folds, or carries Content-Length or Transfer-Encoding.

        One regular expression over the head does it: on this path a single C
        call costs about as much as the check it makes.
        """
        parts = self._head_parts
        raw = parts[0] if len(parts) == 1 else b"".join(parts)
        # After the final head keep no reference to the body; after an
        # informational head the next one starts where this one ends.
        self._head_parts = [] if final else [raw]
        start = self._head_from
        # The usual head ends at the first CRLF CRLF; the region checked keeps
        # the last line's CRLF and leaves the blank line out.
        end = raw.find(b"\r\n\r\n", start) + 2
        fields = _HEAD_FIELDS.findall(raw, start, end) if end >= 2 else _BARE_LF
        self._head_from = end + 2
        for fold, blank, _, _ in fields:
            if blank:
                # A bare LF ends a line too, as h11 reads it: the head ends earlier.
                found = _HEAD_END.search(raw, start)
                assert found is not None  # the head is complete, and within max_header_bytes
                fields = _HEAD_FIELDS.findall(raw, start, found.start() + 1)
                self._head_from = found.end()
                if any(fold for fold, _, _, _ in fields):
                    raise self._folded()
                return fields
            if fold:
                raise self._folded()
        return fields

    def _folded(self) -> RemoteProtocolError:
        # Obsolete line folding (RFC 9112 section 5.2): senders must not fold,
        # and the unfolded value depends on the parser.
        return RemoteProtocolError(f"malformed {self._what}: obsolete line folding in the head")

    def _check_head(self) -> bool:
        """Check the final head for what h11 accepts but a strict reader must
        not, and refuse a declared Content-Length over the limit before any of
        the body is kept.  Returns whether the body is chunked.

        Read from the raw head, because h11 hides what matters once parsed: it
        folds a repeated Content-Length (``5`` twice, or ``5, 5``) into one,
        and two parsers could frame such a body differently (RFC 9110 section
        8.6 lets a recipient refuse it).
        """
        chunked = False
        declared = -1
        for _, _, length, coding in self._head_fields(final=True):
            if coding:
                chunked = True  # h11 accepts no coding but chunked
            elif declared >= 0 or b"," in length:
                raise RemoteProtocolError(f"malformed {self._what}: Content-Length given more than once")
            else:
                declared = int(length)  # h11 has checked it is digits (int() skips spaces and CR)
        if declared < 0:
            return chunked
        if chunked:
            # RFC 9112 section 6.1: a sender must not send both; h11 lets
            # Transfer-Encoding win, a smuggling vector between parsers.
            raise RemoteProtocolError(f"malformed {self._what}: both Content-Length and Transfer-Encoding")
        limit = self._limits.max_body_bytes
        if declared > limit:
            raise LimitExceeded("max_body_bytes (declared Content-Length)", limit, declared, error_status_hint=413)
        return False

    def _translate(self, exc: h11.RemoteProtocolError) -> RemoteProtocolError:
        if exc.error_status_hint == 431:
            # h11's own buffer check: an incomplete event (head line, chunk
            # header) grew over max_incomplete_event_size, which we set to
            # max_header_bytes.
            return LimitExceeded(
                f"max_header_bytes ({self._what} {'head' if self._head is None else 'chunk framing'})",
                self._limits.max_header_bytes,
                self._limits.max_header_bytes + 1,
                error_status_hint=431,
            )
        text = str(exc)
        if self._eof and ("closed" in text or "ConnectionClosed" in text):
            # A limit the bytes so far exceed outranks the close, as it does
            # when the same bytes arrive one at a time before the close.
            self._check_incomplete()
            return PeerClosedEarly(f"the peer closed the connection before the {self._what} was complete")
        # h11 finds a head or chunk line malformed only once it is complete;
        # byte by byte, one over the limit would have failed the limit first
        # (unless its first byte was already refused, as h11 does below 0x21).
        if self._head is None:
            if self._lead >= 0x21:
                self._check_head_bytes()
        elif self._framing_start >= 0:
            self._check_framing(self._fed - len(self.buffered()) - self._framing_start - self._body_bytes)
        return RemoteProtocolError(f"malformed {self._what}: {_words_of(exc)}", error_status_hint=exc.error_status_hint)


def _words_of(exc: h11.RemoteProtocolError) -> str:
    """h11's message without the line it quotes, which may hold a bearer token or a
    session id (an Authorization line with a stray byte, say)."""
    return str(exc).partition(": bytearray(")[0]
