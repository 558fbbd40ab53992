"""The limit accounting of `MessageReader`: byte counters checked against `Limits`.

Theory of operation.  A peer decides how its bytes are cut into reads, so a
limit must give the same outcome whether a message arrives whole, one byte
at a time, or split anywhere.  h11 alone does not: it bounds only an
incomplete event, so a long chunk-size line passes when it arrives in one
read and fails when it arrives byte by byte.  The counters below measure
positions in the message's own byte stream instead, never the size of a
read or of a buffer:

- ``fed``: bytes received since the message began, including any already
  past its end (pipelined, or junk).  The reader adds every read to it;
  `restart` sets it to the bytes already buffered for the next message.
- ``body``: body bytes h11 has handed over.  h11 hands every body byte over
  exactly once, so the total does not depend on the cuts.
- ``framing_start``: for a chunked body, the offset in the message at which
  its head ended; -1 otherwise.
- ``in_head``: whether the final head is still being read.

From those come the three things limited.  The *head* is what h11 has
consumed when it hands the head over (``fed`` less what it has not parsed;
informational heads before it included, as they belong to the same
exchange).  The *framing* of a chunked body is everything consumed after the
head that is not body: chunk-size lines, extensions, chunk ends, trailers.
The *body* is ``body``, and before any of it the declared Content-Length.

Each is checked at the event that completes it (the head, each piece of
body, the end of the message), and at every "need data" for the part still
incomplete, where everything received belongs to that part (h11 would
otherwise have produced an event).  Every check compares a count of a prefix
of the message, which only grows with the prefix, and the check at the
completing event is made however the bytes were cut, on the whole count.  So
a part over its limit fails whole and split alike (split, it may fail
earlier, at a "need data"), and a part within it fails neither way.  Two
orderings need a rule to keep that true:

- a part both over its limit and malformed fails on the limit: byte by byte
  the limit is crossed before h11 sees the part complete, so the reader asks
  `check_before_malformed` before it reports the malformation, and checks a
  head's limit before its strictness.  Except a head whose first byte is
  below 0x21, which h11 refuses as soon as that byte arrives, before any
  limit can be crossed;
- a limit the bytes so far exceed outranks the end of the stream inside the
  part, as it does when they arrive before it (the reader checks
  `check_incomplete` before it passes the end of the stream on to h11).

Only when more than a limit has arrived can a part exceed it, so the usual
path never asks h11 for its unparsed bytes (which copies them).
"""

from __future__ import annotations

from collections.abc import Callable

from ._errors import LimitExceeded
from ._limits import Limits


class LimitCounters:
    """The counters of the message being read, checked against ``limits``.

    Args:
        limits: the bounds.
        what: ``"response"`` or ``"request"``, for the names of the limits.
        unparsed: the bytes received but not yet parsed by h11.
    """

    __slots__ = ("_limits", "_unparsed", "_what", "body", "fed", "framing_start", "in_head")

    def __init__(self, limits: Limits, what: str, unparsed: Callable[[], bytes]) -> None:
        self._limits = limits
        self._what = what
        self._unparsed = unparsed
        self.fed = 0
        self.body = 0
        self.framing_start = -1
        self.in_head = True  # until the final head has been handed over

    def restart(self, rest: bytes) -> None:
        """A new message begins, of which ``rest`` has already been received."""
        self.fed = len(rest)
        self.body = 0
        self.framing_start = -1
        self.in_head = True

    def check_head(self) -> None:
        """At a head event (informational or final): the heads so far against ``max_header_bytes``."""
        limit = self._limits.max_header_bytes
        if self.fed > limit:
            consumed = self.fed - len(self._unparsed())
            if consumed > limit:
                raise self._head_exceeded(consumed)

    def body_begins(self, declared: int, chunked: bool) -> None:
        """After the final head: refuse a declared Content-Length (-1 for none) over
        ``max_body_bytes`` before any of the body is kept, and for a chunked body
        start measuring its framing."""
        self.in_head = False
        if declared >= 0:
            limit = self._limits.max_body_bytes
            if declared > limit:
                raise LimitExceeded("max_body_bytes (declared Content-Length)", limit, declared, error_status_hint=413)
        elif chunked:
            self.framing_start = self.fed - len(self._unparsed())

    def add_body(self, size: int) -> None:
        """Count ``size`` more bytes of body against ``max_body_bytes``."""
        self.body += size
        limit = self._limits.max_body_bytes
        if self.body > limit:
            raise LimitExceeded("max_body_bytes", limit, self.body, error_status_hint=413)

    def check_end(self) -> None:
        """At the end of the message: all of a chunked body's framing against ``max_header_bytes``."""
        if self.framing_start >= 0:
            framing = self.fed - self.framing_start - self.body
            if framing > self._limits.max_header_bytes:
                # That count includes any bytes past this message: measure exactly.
                self._check_framing(framing - len(self._unparsed()))

    def check_incomplete(self) -> None:
        """At "need data": the part still incomplete (head or chunk framing) against ``max_header_bytes``."""
        limit = self._limits.max_header_bytes
        if self.in_head:
            if self.fed > limit:
                raise self._head_exceeded(self.fed)
        elif self.framing_start >= 0:
            self._check_framing(self.fed - self.framing_start - self.body)

    def check_before_malformed(self, lead: int) -> None:
        """Before h11's refusal of a head or a chunk line is reported: what was
        consumed until then against ``max_header_bytes``, as the same bytes one
        at a time would have been (see the module's docstring).  ``lead`` is
        the first byte of the head being read, -1 if none has arrived."""
        if self.in_head:
            if lead >= 0x21:
                self.check_head()
        elif self.framing_start >= 0:
            self._check_framing(self.fed - len(self._unparsed()) - self.framing_start - self.body)

    def incomplete_event_exceeded(self) -> LimitExceeded:
        """h11's own bound fired: an incomplete event (a head, a chunk line, the
        trailers) grew over ``max_incomplete_event_size``, set to ``max_header_bytes``."""
        limit = self._limits.max_header_bytes
        part = "head" if self.in_head else "chunk framing"
        return LimitExceeded(f"max_header_bytes ({self._what} {part})", limit, limit + 1, error_status_hint=431)

    def _check_framing(self, framing: int) -> None:
        limit = self._limits.max_header_bytes
        if framing > limit:
            raise LimitExceeded(f"max_header_bytes ({self._what} chunk framing)", limit, framing, error_status_hint=431)

    def _head_exceeded(self, observed: int) -> LimitExceeded:
        limit = self._limits.max_header_bytes
        return LimitExceeded(f"max_header_bytes ({self._what} head)", limit, observed, error_status_hint=431)
