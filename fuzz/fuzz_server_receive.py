"""Harness: the server's receive path, whole and split.

Input: a flags byte (bit 0: small limits), the split points, then the bytes
a client sends.  A `cp.ServerConnection` is fed them whole, then (fresh) in
pieces; each request is answered as it comes (`_common.answer`).  Only events
or `cp.RemoteProtocolError` may come out, every answer and every
`send_error_for` must be sendable (4xx, or 501 for an unknown transfer
coding), and both runs must give the same events and the same answer bytes.
"""

from __future__ import annotations

from _common import LIMIT_PROFILES, NO_LIMITS, Reader, cut, drive_server, run_main, same_outcome, split_points


def test_one_input(data: bytes) -> None:
    reader = Reader(data)
    limits = LIMIT_PROFILES[reader.byte() & 1]
    points = split_points(reader)
    stream = reader.rest()
    pieces = [stream] if stream else []
    whole = drive_server(pieces, limits)
    split = drive_server(cut(stream, points), limits)
    same_outcome(whole, split, "server receive", lambda: drive_server(pieces, NO_LIMITS))


if __name__ == "__main__":
    run_main(test_one_input)
