"""Harness: the client's receive path, whole and split.

Input: a flags byte (bit 0: small limits), the split points (see
``_common.split_points``), then the bytes the server sends.  A
`cp.ClientConnection` that has sent the reference's postMessage is fed those
bytes whole, then (fresh) in pieces cut at the fuzzer's points; both end with
the end of the stream.  Only events or `cp.RemoteProtocolError` may come out,
and both runs must give the same events, the same error class and the same
final state (``_common.same_outcome`` says when two error classes may differ).
"""

from __future__ import annotations

from _common import LIMIT_PROFILES, NO_LIMITS, Reader, cut, drive_client, run_main, same_outcome, split_points


def test_one_input(data: bytes) -> None:
    reader = Reader(data)
    limits = LIMIT_PROFILES[reader.byte() & 1]
    points = split_points(reader)
    stream = reader.rest()
    pieces = [stream] if stream else []
    whole = drive_client(pieces, limits)
    split = drive_client(cut(stream, points), limits)
    same_outcome(whole, split, "client receive", lambda: drive_client(pieces, NO_LIMITS))


if __name__ == "__main__":
    run_main(test_one_input)
