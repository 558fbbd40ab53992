"""Harness: the client's receive path, whole and split.

Input: a flags byte (bit 0: small limits), the split points (see
``fuzz._common.split_points``), then the bytes the server sends.  A
`cp.ClientConnection` that has sent the reference's postMessage is fed those
bytes whole, then (fresh) in pieces cut at the fuzzer's points; both end with
the end of the stream.  Only events or `cp.RemoteProtocolError` may come out,
and both runs must give the same events, the same error class and the same
final state (``fuzz._common.same_outcome`` says when two error classes may differ).
"""

from __future__ import annotations

from tests.drivers import stream_into_client

from ._common import run_main, whole_and_split


def test_one_input(data: bytes) -> None:
    whole_and_split(data, stream_into_client, "client receive")


if __name__ == "__main__":
    run_main(test_one_input)
