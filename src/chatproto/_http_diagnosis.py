"""What is wrong with a head h11 refused, named from the reader's own copy of its bytes.

h11 explains a refusal in prose that quotes the offending line, and a line
may carry a bearer token or a session id; its wording may also change
between releases.  So the reader never shows or parses that text: it finds
the first line that breaks the grammar of RFC 9112 (sections 3, 4 and 5) in
the bytes it buffered itself, and names it by number.  The grammar here is
the RFC's, not h11's (which is laxer about controls in values), so a line it
names is wrong by the RFC even when h11 refused the head for another reason.
"""

from __future__ import annotations

import contextlib
import re

from ._errors import RemoteProtocolError
from ._http_strictness import check_head

# Where h11 ends a head: at a blank line, bare LF line endings included.
_HEAD_END = re.compile(rb"\n\r?\n")
_TOKEN = rb"[-!#$%&'*+.^_`|~0-9A-Za-z]+"
_VERSION = rb"HTTP/[0-9]\.[0-9]"
# The reason phrase is optional, with its space, as many servers leave both out.
_STATUS_LINE = re.compile(_VERSION + rb" (?P<status>[0-9]{3})(?: [\t \x21-\x7e\x80-\xff]*)?")
_REQUEST_LINE = re.compile(_TOKEN + rb" [\x21-\x7e]+ " + _VERSION)
_FIELD_LINE = re.compile(_TOKEN + rb":[ \t]*(?:[\x21-\x7e\x80-\xff]+(?:[ \t]+[\x21-\x7e\x80-\xff]+)*)?[ \t]*")
# Beyond 20 digits no length is real (h11 draws the line there too).
_DIGITS = re.compile(rb"[ \t]*[0-9]{1,20}[ \t]*")
_CONTENT_LENGTH = re.compile(rb"(?i:content-length):(.*)")


def describe_refused_head(raw: bytes, start: int, what: str, status_hint: int) -> str:
    """The message for h11's refusal of the head in ``raw`` at ``start``; it quotes none of it.

    Args:
        raw: the bytes received, from the start of the message.
        start: where the refused head begins.
        what: ``"response"`` or ``"request"``.
        status_hint: h11's ``error_status_hint`` (501: a transfer coding it
            does not implement).
    """
    try:
        reason = _reason(raw, start, what, status_hint)
    except RemoteProtocolError as exc:
        return str(exc)  # a strictness check names it
    return f"malformed {what}: {reason}"


def _reason(raw: bytes, start: int, what: str, status_hint: int) -> str:
    start_line = "status line" if what == "response" else "request line"
    if raw[start : start + 1] < b"!":
        # h11 refuses this as soon as the first byte arrives (a TLS handshake
        # on a plain port, say), or as an empty line before the head.
        return f"the {start_line} starts with whitespace or a control byte"
    found = _HEAD_END.search(raw, start)
    assert found is not None  # h11 refuses an incomplete head only at its first byte
    lines = [line.removesuffix(b"\r") for line in raw[start : found.start()].split(b"\n")]
    first = (_STATUS_LINE if what == "response" else _REQUEST_LINE).fullmatch(lines[0])
    if first is None:
        return f"the {start_line} is invalid"
    for number, line in enumerate(lines[1:], 2):
        if line[:1] in (b" ", b"\t"):
            return f"obsolete line folding at head line {number}"
        if _FIELD_LINE.fullmatch(line) is None:
            return f"head line {number} is not a valid header field"
    with contextlib.suppress(ValueError):  # a Content-Length that is not a number, named below
        check_head(raw, start, what)  # raises what it finds
    lengths = [match[1] for line in lines[1:] if (match := _CONTENT_LENGTH.match(line))]
    if any(_DIGITS.fullmatch(length) is None for length in lengths):
        return "Content-Length is not a valid length"
    if status_hint == 501:
        return "a transfer coding other than chunked"
    if what == "response" and first["status"] == b"101":
        return "a switch of protocols that was never asked for"
    # Left in a request with well-formed lines and framing: its Host fields
    # (RFC 9112 section 3.2); nothing else is left in a response.
    return "the Host field is missing or repeated" if what == "request" else "the head is not valid HTTP/1.1 here"
