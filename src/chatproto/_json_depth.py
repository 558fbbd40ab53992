"""The bound on JSON nesting: msgspec itself stops only at the interpreter's recursion limit."""

import re
from itertools import accumulate

from ._errors import LimitExceeded

# A JSON string literal, so brackets inside strings are not counted as nesting.
# An unterminated one runs to the end of the body: otherwise every later quote
# would start another scan to the end, quadratic time on a body like '"\\"\\"...'.
_STRING_LITERAL = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)', re.DOTALL)
_NESTING_DELTA = [0] * 256
_NESTING_DELTA[ord("[")] = _NESTING_DELTA[ord("{")] = 1
_NESTING_DELTA[ord("]")] = _NESTING_DELTA[ord("}")] = -1
_delta = _NESTING_DELTA.__getitem__


def check_depth(body: bytes, max_depth: int, offset: int = 0) -> None:
    """Raise `LimitExceeded` if ``body`` nests arrays and objects deeper than ``max_depth``.

    ``offset`` is how deep ``body`` sits in the document it was cut from (a
    fragment such as one message of a getMessages answer): the depth
    reported, and compared with the limit, is the document's.
    """
    room = max_depth - offset
    # Fast path: fewer openers than the room left cannot nest deeper than it.
    if body.count(b"[") + body.count(b"{") <= room:
        return
    structure = _STRING_LITERAL.sub(b"", body)
    depth = max(accumulate(map(_delta, structure)), default=0)
    if depth > room:
        raise LimitExceeded("max_json_depth", max_depth, depth + offset)
