"""Resource limits for everything a peer can make the core buffer or parse."""

import msgspec

from ._errors import LocalProtocolError

#: 64 KiB of response head: h11 defaults to 16 KiB, httpcore raises it to 100 KiB.
DEFAULT_MAX_HEADER_BYTES = 64 * 1024
#: 1 MiB of body: far above any agent API response, and the websockets default.
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
#: JSON nesting: the deepest documented body nests three levels; msgspec itself
#: only stops at the interpreter's recursion limit.
DEFAULT_MAX_JSON_DEPTH = 64


class Limits(msgspec.Struct, frozen=True, kw_only=True):
    """Bounds on what the peer may send, enforced however the bytes are chunked.

    Attributes:
        max_header_bytes: bytes of one message head (request or status line
            plus headers), and of the informational heads before it; also
            the framing of a chunked body (chunk-size lines, extensions,
            trailers), which is head-like data a peer could otherwise
            stretch without end.
        max_body_bytes: bytes of one body, declared (``Content-Length``) or
            counted (chunked, or delimited by the end of the stream).
        max_json_depth: nesting of arrays and objects in a body.
    """

    max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_json_depth: int = DEFAULT_MAX_JSON_DEPTH

    def __post_init__(self) -> None:
        for name in ("max_header_bytes", "max_body_bytes", "max_json_depth"):
            value = getattr(self, name)
            if type(value) is not int or value < 1:
                raise LocalProtocolError(f"Limits.{name} must be a positive int, got {value!r}")


DEFAULT_LIMITS = Limits()
