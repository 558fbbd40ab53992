"""Harness: the server's receive path, whole and split.

Input: a flags byte (bit 0: small limits), the split points, then the bytes
a client sends.  A `cp.ServerConnection` is fed them whole, then (fresh) in
pieces; each request is answered as it comes (`tests.drivers.answer_typed`).  Only events
or `cp.RemoteProtocolError` may come out, every answer and every
`send_error_for` must be sendable (4xx, or 501 for an unknown transfer
coding), and both runs must give the same events and the same answer bytes.
"""

from __future__ import annotations

from tests.drivers import stream_into_server

from ._common import run_main, whole_and_split


def test_one_input(data: bytes) -> None:
    whole_and_split(data, stream_into_server, "server receive")


if __name__ == "__main__":
    run_main(test_one_input)
