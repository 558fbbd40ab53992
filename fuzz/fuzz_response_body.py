"""Harness: response bodies, through the public path.

Input: an operation byte, a status byte, a framing byte, then the body.  A
`cp.ClientConnection` sends the chosen operation's request and receives a
response with that status wrapping the body, framed by Content-Length or
chunked at the fuzzer's points.  The body reaches every decoder: the
operation's 200 model (deep nesting, huge numbers, invalid UTF-8, duplicate
keys, numbers as strings) and the best-effort error body.

Only `ResponseReceived` / `ErrorReceived` or `cp.RemoteProtocolError` may come
out; a 200 gives a response of the operation's type; both framings give the
same outcome; and a body that is not JSON text (bad syntax, not UTF-8) never
passes as a 200.
"""

from __future__ import annotations

import msgspec
from tests.drivers import split_at, stream_into_client
from tests.reference import chunked, http_response

import chatproto as cp

from ._common import LIMIT_PROFILES, NO_LIMITS, Reader, run_main, same_outcome, split_points
from ._requests import example_request

OPERATIONS = tuple(cp.OPERATIONS.values())
# No 204 or 304: they have no body, so the two framings would not be the same stream.
STATUSES = (200, 200, 200, 200, 400, 403, 404, 409, 500, 503, 201, 302, 401)


def framed(status: int, body: bytes, chunks: list[bytes] | None) -> bytes:
    """A response of ``status`` carrying ``body``: by Content-Length, or chunked into ``chunks``."""
    if chunks is None:
        return http_response(status, body, reason=b"X")
    coded = chunked(body, *(len(chunk) for chunk in chunks))
    return http_response(status, coded, reason=b"X", headers=[(b"Transfer-Encoding", b"chunked")], content_length=False)


def test_one_input(data: bytes) -> None:
    reader = Reader(data)
    operation = OPERATIONS[reader.below(len(OPERATIONS))]
    status = STATUSES[reader.below(len(STATUSES))]
    flags = reader.byte()
    limits = LIMIT_PROFILES[flags & 1]
    points = split_points(reader)
    body = reader.rest()
    request = example_request(operation)

    by_length = stream_into_client([framed(status, body, None)], limits, request)
    by_chunks = stream_into_client([framed(status, body, split_at(body, points))], limits, request)
    same_outcome(
        by_length,
        by_chunks,
        "response body",
        lambda: stream_into_client([framed(status, body, None)], NO_LIMITS, request),
    )

    if by_length.error is None:
        event = by_length.events[0]
        if isinstance(event, cp.ResponseReceived):
            assert status == 200
            assert type(event.response) is operation.response_type, event
            try:
                msgspec.json.decode(body or b"{}")
            except msgspec.ValidationError:
                pass  # valid JSON with a number Python's float cannot hold (1e999): skipped if unknown
            except (msgspec.DecodeError, UnicodeDecodeError) as exc:
                raise AssertionError(f"a 200 body that is not JSON text passed: {exc}") from exc
        else:
            assert isinstance(event, cp.ErrorReceived), event
            assert event.code is None or isinstance(event.code, str)
            assert event.message is None or isinstance(event.message, str)
            assert status != 200 or event.system_error is not None
            api_error = cp.ApiError.from_event(event)
            assert api_error.status == status


if __name__ == "__main__":
    run_main(test_one_input)
