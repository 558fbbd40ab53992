"""The strictness checks of `MessageReader`: what a head may not hold although h11 accepts it.

They read the raw head, because h11 hides what matters once it has parsed
it: it reads a bare LF as a line ending, unfolds folded lines, and merges a
repeated Content-Length (``5`` twice, or ``5, 5``) into one.  Each of those
is a place where two parsers can read one message differently, which is
how requests are smuggled past a proxy:

- a bare LF line ending (RFC 9112 section 2.2 lets a recipient accept it;
  a strict one does not, since other parsers end the line elsewhere);
- obsolete line folding (section 5.2: senders must not fold, and the
  unfolded value depends on the parser);
- Content-Length given more than once (RFC 9110 section 8.6 lets a
  recipient refuse it);
- Content-Length with Transfer-Encoding (RFC 9112 section 6.1: a sender must
  not send both, and h11 lets Transfer-Encoding win).

The checks run once per head, on the whole head, so their outcome does not
depend on how its bytes were cut.  Messages name the line, never its bytes
(a head may carry a bearer token or a session id).
"""

from __future__ import annotations

import re

from ._errors import RemoteProtocolError

# After each LF of a head: the byte after it if the LF ends no CRLF (a bare
# LF), else a folded line, Content-Length (its value captured) or
# Transfer-Encoding.  One regular expression over the head finds them all: on
# this path a single C call costs about as much as the check it makes.
_LINE_STARTS = re.compile(rb"\n(?:(?<!\r\n)([\s\S])|([ \t])|(?i:content-length):([^\r\n]*)|((?i:transfer-encoding)):)")
_BARE_LF = re.compile(rb"(?<!\r)\n")
_FOLD = re.compile(rb"\r\n[ \t]")


def check_head(raw: bytes, start: int, what: str, *, final: bool = True) -> tuple[int, int, bool]:
    """Check the head h11 has just parsed out of ``raw`` at ``start``.

    Args:
        raw: the bytes received, holding the whole head from ``start``.
        start: where the head begins (after any informational heads).
        what: ``"response"`` or ``"request"``, for messages.
        final: False for an informational head, which frames no body: its
            Content-Length and Transfer-Encoding fields are not read.

    Returns:
        where the next head would begin, the declared Content-Length (-1 if
        none), and whether the body is chunked.

    Raises:
        RemoteProtocolError: a bare LF, a folded line, Content-Length more
            than once, or Content-Length with Transfer-Encoding.
        ValueError: a Content-Length that is not a number, in a head h11
            refused (it refuses those before any head reaches this check).
    """
    # The head ends at its first CRLF CRLF, since h11 found it complete and no
    # bare LF may end it sooner; the region checked keeps the last line's CRLF
    # and leaves the blank line out.
    end = raw.find(b"\r\n\r\n", start) + 2
    if end < 2:
        # Complete for h11 yet no CRLF CRLF: a bare LF ends it.
        raise _bare_lf(raw, start, len(raw), what)
    chunked = False
    lengths: list[bytes] = []
    # Every line first (a bare LF has a byte after it in the region, which
    # ends in CRLF), then the framing: a folded value is no number.
    for bare, fold, length, coding in _LINE_STARTS.findall(raw, start, end):
        if bare:
            raise _bare_lf(raw, start, end, what)
        if fold:
            match = _FOLD.search(raw, start, end)
            assert match is not None
            line = raw.count(b"\n", start, match.start()) + 2
            raise RemoteProtocolError(f"malformed {what}: obsolete line folding at head line {line}")
        if coding:
            chunked = True  # h11 accepts no coding but chunked
        else:
            lengths.append(length)
    if not final:
        return end + 2, -1, False
    if not lengths:
        return end + 2, -1, chunked
    if len(lengths) > 1 or b"," in lengths[0]:
        raise RemoteProtocolError(f"malformed {what}: Content-Length given more than once")
    if chunked:
        raise RemoteProtocolError(f"malformed {what}: both Content-Length and Transfer-Encoding")
    return end + 2, int(lengths[0]), False  # h11 has checked it is digits (int() skips spaces)


def _bare_lf(raw: bytes, start: int, end: int, what: str) -> RemoteProtocolError:
    match = _BARE_LF.search(raw, start, end)
    assert match is not None  # the head holds one
    line = raw.count(b"\n", start, match.start()) + 1
    return RemoteProtocolError(f"malformed {what}: head line {line} ends in a bare LF, not CRLF")
