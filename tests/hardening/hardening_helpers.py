"""What the hardening tests use, by the names they use it.

The drivers are the fuzz harnesses' own (`tests.drivers`, in its `Outcome`
form), so the test suite and the fuzzing campaigns check the same invariants
with the same code: here ``drive_client``/``drive_server`` feed one way of
cutting a stream that ends, and ``client_outcome``/``server_outcome`` every
way of cutting it, which must agree.
"""

from __future__ import annotations

from pathlib import Path

import fuzz

from tests.drivers import DEFAULT_LIMITS, Outcome
from tests.drivers import client_stream_outcome as client_outcome
from tests.drivers import server_stream_outcome as server_outcome
from tests.drivers import split_at as cut
from tests.drivers import stream_into_client as drive_client
from tests.drivers import stream_into_server as drive_server
from tests.reference import AGENT_ID, HOST, POOL, SESSION_ID, SITE, TOKEN, chunked, make_session, post_message
from tests.reference import bearer_session as session

__all__ = [
    "AGENT_ID",
    "DEFAULT_LIMITS",
    "FUZZ_DIR",
    "HOST",
    "POOL",
    "REFERENCE_BODY",
    "SESSION_ID",
    "SITE",
    "TOKEN",
    "Outcome",
    "chunked",
    "client_outcome",
    "cut",
    "drive_client",
    "drive_server",
    "make_session",
    "post_message",
    "response",
    "server_outcome",
    "session",
]

FUZZ_DIR = Path(fuzz.__file__).resolve().parent

#: A postMessage answer cut down to what these tests read (`tests.reference.REFERENCE_RESPONSE_BODY`
#: is the whole page's), so that a stream's size stays well inside the limits the tests set.
REFERENCE_BODY = b'{"chatPostResult":{"clientReset":"0"},"chatSystemError":null,"sequenceNumber":1}'


def response(head_lines: bytes = b"", body: bytes = REFERENCE_BODY, *, status: bytes = b"200 OK") -> bytes:
    """A response with ``Content-Length`` unless ``head_lines`` frames it otherwise."""
    framing = (
        b""
        if b"Transfer-Encoding" in head_lines or b"Content-Length" in head_lines
        else (b"Content-Length: %d\r\n" % len(body))
    )
    return b"HTTP/1.1 " + status + b"\r\n" + head_lines + framing + b"\r\n" + body
