"""What the core tests use, by the names they use it.

The reference example's values and builders come from `tests.reference`, the
drivers from `tests.drivers` (shared with the fuzz harnesses).  Every
receive-side test goes through `client_outcome`/`server_outcome`, which feed
the same bytes whole, byte by byte, in strides and at seeded random points and
assert the records are identical, so each is also a chunking-invariance test
(the hypothesis tests draw the split points themselves).
"""

from __future__ import annotations

from tests.drivers import (
    STRIDES,
    Responder,
    answer_ok,
    bytewise,
    client_outcome,
    client_outcome_with_trailing,
    drive_client,
    drive_server,
    sent_client,
    server_outcome,
    signature,
    split_at,
    strides,
)
from tests.reference import (
    AGENT_ID,
    DATA,
    HOST,
    POOL,
    SESSION_ID,
    SITE,
    TOKEN,
    chunked,
    golden,
    http_response,
    make_session,
    reference_request,
    request_bytes,
    simple_request,
)

__all__ = [
    "AGENT_ID",
    "DATA",
    "HOST",
    "POOL",
    "SESSION_ID",
    "SITE",
    "STRIDES",
    "TOKEN",
    "Responder",
    "answer_ok",
    "bytewise",
    "chunked",
    "client_outcome",
    "client_outcome_with_trailing",
    "drive_client",
    "drive_server",
    "golden",
    "http_response",
    "make_session",
    "reference_request",
    "request_bytes",
    "sent_client",
    "server_outcome",
    "signature",
    "simple_request",
    "split_at",
    "strides",
]
