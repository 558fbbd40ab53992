"""Helpers for the hardening tests.

The drivers are the fuzz harnesses' own (``fuzz/_common.py``), so the test
suite and the fuzzing campaigns check the same invariants with the same code.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import chatproto as cp

FUZZ_DIR = Path(__file__).resolve().parents[2] / "fuzz"
if str(FUZZ_DIR) not in sys.path:
    sys.path.insert(0, str(FUZZ_DIR))

from _common import (  # noqa: E402  (the fuzz directory is not a package)
    AGENT_ID,
    POOL,
    SESSION_ID,
    SITE,
    TOKEN,
    Outcome,
    cut,
    drive_client,
    drive_server,
    post_message,
    session,
)

__all__ = [
    "AGENT_ID",
    "FUZZ_DIR",
    "POOL",
    "SESSION_ID",
    "SITE",
    "TOKEN",
    "Outcome",
    "client_outcome",
    "cut",
    "drive_client",
    "drive_server",
    "post_message",
    "response",
    "server_outcome",
    "session",
]

REFERENCE_BODY = b'{"chatPostResult":{"clientReset":"0"},"chatSystemError":null,"sequenceNumber":1}'


def response(head_lines: bytes = b"", body: bytes = REFERENCE_BODY, *, status: bytes = b"200 OK") -> bytes:
    """A response with ``Content-Length`` unless ``head_lines`` frames it otherwise."""
    framing = (
        b""
        if b"Transfer-Encoding" in head_lines or b"Content-Length" in head_lines
        else (b"Content-Length: %d\r\n" % len(body))
    )
    return b"HTTP/1.1 " + status + b"\r\n" + head_lines + framing + b"\r\n" + body


def chunked(body: bytes, *sizes: int, terminator: bytes = b"\r\n", last: bytes = b"0\r\n\r\n") -> bytes:
    """A chunked body: chunks of ``sizes``, then the rest in one chunk, each closed by ``terminator``."""
    parts = []
    start = 0
    for size in sizes:
        parts.append(body[start : start + size])
        start += size
    parts.append(body[start:])
    return b"".join(b"%x\r\n%s%s" % (len(part), part, terminator) for part in parts if part) + last


def _chunkings(stream: bytes, seed: int) -> list[list[bytes]]:
    """Whole, byte by byte, and a few random cuts (a fixed seed: reproducible)."""
    rng = random.Random(seed)
    ways = [[stream] if stream else [], [stream[i : i + 1] for i in range(len(stream))]]
    for _ in range(3):
        ways.append(cut(stream, [rng.randrange(len(stream) + 1) for _ in range(rng.randrange(1, 6))]))
    return ways


DEFAULT_LIMITS = cp.Limits()


def client_outcome(stream: bytes, limits: cp.Limits = DEFAULT_LIMITS, request: cp.Request | None = None) -> Outcome:
    """What a client that sent ``request`` makes of ``stream``, the same however it is cut."""
    outcomes = [drive_client(pieces, limits, request) for pieces in _chunkings(stream, len(stream))]
    assert all(outcome == outcomes[0] for outcome in outcomes), outcomes
    return outcomes[0]


def server_outcome(stream: bytes, limits: cp.Limits = DEFAULT_LIMITS) -> Outcome:
    """What a server makes of ``stream`` (answering each request), the same however it is cut."""
    outcomes = [drive_server(pieces, limits) for pieces in _chunkings(stream, len(stream))]
    assert all(outcome == outcomes[0] for outcome in outcomes), outcomes
    return outcomes[0]
