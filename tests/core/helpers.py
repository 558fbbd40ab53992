"""What the core tests use, by the names they use it.

The reference example's values and builders come from `tests.reference`, the
drivers from `tests.drivers` (shared with the fuzz harnesses).  Every
receive-side test goes through `client_outcome`/`server_outcome`, which feed
the same bytes whole, byte by byte, in strides and at seeded random points and
assert the records are identical, so each is also a chunking-invariance test
(the hypothesis tests draw the split points themselves).
"""

from __future__ import annotations

from typing import Any

import msgspec

import chatproto as cp
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
    "minimal",
    "minimal_request",
    "reference_request",
    "request_bytes",
    "sent_client",
    "server_outcome",
    "signature",
    "simple_request",
    "split_at",
    "strides",
]


def minimal(info: msgspec.inspect.Type) -> Any:
    """The simplest valid value of a field type (required fields only, for structs)."""
    if isinstance(info, msgspec.inspect.StructType):
        return info.cls(**{f.name: minimal(f.type) for f in info.fields if f.required})
    if isinstance(info, msgspec.inspect.IntType):
        return max(info.ge if info.ge is not None else 1, 1) if info.le is None or info.le >= 1 else info.le
    if isinstance(info, msgspec.inspect.StrType):
        return "x"
    if isinstance(info, msgspec.inspect.BoolType):
        return True
    if isinstance(info, msgspec.inspect.EnumType):
        return next(iter(info.cls))
    if isinstance(info, msgspec.inspect.DictType):
        return {}
    if isinstance(info, msgspec.inspect.ListType):
        return []
    if isinstance(info, msgspec.inspect.UnionType):
        return minimal(next(t for t in info.types if not isinstance(t, msgspec.inspect.NoneType)))
    raise AssertionError(f"no minimal value for {info!r}")


def minimal_request(operation: cp.Operation) -> cp.Request:
    request = minimal(msgspec.inspect.type_info(operation.request_type))
    assert isinstance(request, operation.request_type)
    return request  # type: ignore[no-any-return]
