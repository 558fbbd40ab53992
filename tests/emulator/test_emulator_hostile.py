"""Hostile clients: garbage, oversized heads and bodies, slow clients, too many connections, a bug.

Each gets a clear 4xx or a closed connection, and a well-behaved client on
another connection is served throughout.
"""

from __future__ import annotations

import json
import logging
import re
import select
import socket
import time
from collections.abc import Iterator

import pytest
from emulator_helpers import (
    NETWORK_TIMEOUT,
    REFERENCE_AGENT_ID,
    REFERENCE_SESSION_ID,
    RawClient,
    busy_bytes,
    post_body,
    read_until_closed,
    request_bytes,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chatproto as cp
from chatproto.emulator import Emulator, Reply
from transports.emulator import BackgroundEmulator

REQUEST_TIMEOUT = 0.5


@pytest.fixture
def strict_server() -> Iterator[BackgroundEmulator]:
    """An emulator giving each client half a second per request, holding the reference session."""
    with BackgroundEmulator(port=0, request_timeout=REQUEST_TIMEOUT) as server:
        server.open_session(REFERENCE_AGENT_ID, session_id=REFERENCE_SESSION_ID)
        server.start_engagement(REFERENCE_SESSION_ID, engagement_id=27)
        yield server


@pytest.fixture
def bystander(strict_server: BackgroundEmulator) -> Iterator[RawClient]:
    """A well-behaved client with a kept-alive connection, opened before the trouble starts."""
    with RawClient(strict_server.url) as client:
        assert client.exchange(request_bytes(post_body(sequenceNumber=1)))[0] == 200
        yield client


def connect(url: str) -> socket.socket:
    host, _, port = url.removeprefix("http://").rpartition(":")
    return socket.create_connection((host, int(port)), timeout=NETWORK_TIMEOUT)


def answer_and_close(url: str, data: bytes) -> bytes:
    """Send ``data``, then read everything until the server closes the connection."""
    with connect(url) as sock:
        sock.sendall(data)
        return read_until_closed(sock)


def status_and_error(raw: bytes) -> tuple[bytes, dict[str, str]]:
    head, _, body = raw.partition(b"\r\n\r\n")
    assert b"\r\nConnection: close" in head
    return head.split(b"\r\n")[0], json.loads(body)


def still_served(client: RawClient, sequence: int) -> None:
    status, _, payload = client.exchange(request_bytes(post_body(sequenceNumber=sequence)))
    assert (status, json.loads(payload)["sequenceNumber"]) == (200, sequence)


@pytest.mark.parametrize(
    "garbage",
    [
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(256)) + b"\r\n\r\n",  # a TLS ClientHello
        b"\x00\xff\xfe garbage \r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"HTTP/1.1 200 OK\r\n\r\n",
    ],
)
def test_garbage_is_400_and_close(strict_server: BackgroundEmulator, bystander: RawClient, garbage: bytes) -> None:
    status, error = status_and_error(answer_and_close(strict_server.url, garbage))
    assert status == b"HTTP/1.1 400 Bad Request"
    assert error["exceptionCode"] == "BAD_REQUEST"
    still_served(bystander, 2)


def test_endless_request_line_is_431(strict_server: BackgroundEmulator, bystander: RawClient) -> None:
    status, error = status_and_error(answer_and_close(strict_server.url, b"A" * 100_000))
    assert status == b"HTTP/1.1 431 Request Header Fields Too Large"
    assert error["exceptionCode"] == "LIMIT_EXCEEDED"
    still_served(bystander, 2)


def test_oversized_head_is_431(strict_server: BackgroundEmulator, bystander: RawClient) -> None:
    headers = [(f"X-Filler-{n}", "y" * 1000) for n in range(70)]
    raw = answer_and_close(strict_server.url, request_bytes(post_body(), extra=headers))
    status, error = status_and_error(raw)
    assert status == b"HTTP/1.1 431 Request Header Fields Too Large"
    assert "max_header_bytes" in error["message"]
    still_served(bystander, 2)


def test_oversized_declared_body_is_413_before_it_is_sent(
    strict_server: BackgroundEmulator, bystander: RawClient
) -> None:
    head = request_bytes(b"", extra=[]).replace(b"Content-Length: 0", b"Content-Length: 2000000")
    status, error = status_and_error(answer_and_close(strict_server.url, head))
    assert status == b"HTTP/1.1 413 Content Too Large"
    assert "max_body_bytes (declared Content-Length)" in error["message"]
    still_served(bystander, 2)


def test_oversized_chunked_body_is_413_and_answer_survives(
    strict_server: BackgroundEmulator, bystander: RawClient
) -> None:
    head = request_bytes(b"", extra=[("Transfer-Encoding", "chunked")]).replace(b"Content-Length: 0\r\n", b"")
    chunk = b"%x\r\n" % 65536 + b"x" * 65536 + b"\r\n"
    with connect(strict_server.url) as sock:
        sock.sendall(head)
        # The whole oversized body is written before reading: the server
        # drains what it will not read, so its answer is not lost to a reset.
        for _ in range(20):
            sock.sendall(chunk)
        raw = read_until_closed(sock)
    status, error = status_and_error(raw)
    assert status == b"HTTP/1.1 413 Content Too Large"
    assert "max_body_bytes" in error["message"]
    still_served(bystander, 2)


def test_deep_json_is_refused(strict_server: BackgroundEmulator, bystander: RawClient) -> None:
    with RawClient(strict_server.url) as client:
        status, _, payload = client.exchange(request_bytes(b"[" * 200_000 + b"]" * 200_000))
    assert status == 400
    assert "max_json_depth" in json.loads(payload)["message"]
    still_served(bystander, 2)


def served_afresh(server: BackgroundEmulator, sequence: int) -> None:
    """A new client is served at once (slow tests outlast a kept-alive connection's idle time)."""
    with RawClient(server.url) as client:
        still_served(client, sequence)


def test_silent_client_is_disconnected(strict_server: BackgroundEmulator) -> None:
    with connect(strict_server.url) as sock:
        sock.sendall(b"POST /engagement/api/agent/")
        started = time.monotonic()
        served_afresh(strict_server, 1)
        assert read_until_closed(sock) == b""
        waited = time.monotonic() - started
    assert REQUEST_TIMEOUT * 0.8 <= waited < REQUEST_TIMEOUT + 3


def test_dripping_client_is_disconnected(strict_server: BackgroundEmulator) -> None:
    # One byte every 50 ms keeps a connection busy forever under a per-read
    # timeout; the per-request deadline ends it.
    request = request_bytes(post_body())
    started = time.monotonic()
    closed = False
    with connect(strict_server.url) as sock:
        for index, byte in enumerate(request):
            if index == 3:
                served_afresh(strict_server, 1)
            try:
                sock.send(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            readable, _, _ = select.select([sock], [], [], 0.05)
            if readable and read_until_closed(sock) == b"":
                closed = True
                break
    waited = time.monotonic() - started
    assert closed
    assert waited < REQUEST_TIMEOUT + 3
    served_afresh(strict_server, 2)
    assert [message.sequence_number for message in strict_server.messages(27)] == [1, 2]


def test_idle_kept_alive_connection_is_closed(strict_server: BackgroundEmulator) -> None:
    with RawClient(strict_server.url) as client:
        assert client.exchange(request_bytes(post_body()))[0] == 200
        started = time.monotonic()
        assert client.closed_by_server()
        assert time.monotonic() - started < REQUEST_TIMEOUT + 3


def test_clients_that_vanish(strict_server: BackgroundEmulator, bystander: RawClient) -> None:
    # Connect and leave; leave halfway through a body; leave before reading the answer.
    connect(strict_server.url).close()
    with connect(strict_server.url) as sock:
        sock.sendall(request_bytes(post_body())[:-5])
    with connect(strict_server.url) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        sock.sendall(request_bytes(post_body(sequenceNumber=7)))
    still_served(bystander, 2)
    # The one that left before reading its answer may or may not have been recorded; nothing else was.
    assert {1, 2} <= {m.sequence_number for m in strict_server.messages(27)} <= {1, 2, 7}


def test_excess_connections_are_answered_503_at_once() -> None:
    # Once the only client was a silent close, which a client reads as "outcome unknown";
    # now it learns that its request was not served.  Two kept-alive clients between
    # requests keep their places: a complete request does not push them out.
    with BackgroundEmulator(port=0, max_connections=2) as server:
        server.open_session(REFERENCE_AGENT_ID, session_id=REFERENCE_SESSION_ID)
        server.start_engagement(REFERENCE_SESSION_ID, engagement_id=27)
        with RawClient(server.url) as first, RawClient(server.url) as second:
            still_served(first, 1)
            still_served(second, 2)
            with connect(server.url) as third:
                third.sendall(request_bytes(post_body(sequenceNumber=3)))
                assert read_until_closed(third) == busy_bytes(2)
            still_served(first, 4)
        with RawClient(server.url) as fourth:
            still_served(fourth, 5)
        assert [message.sequence_number for message in server.messages(27)] == [1, 2, 4, 5]


class _BuggyEmulator(Emulator):
    """An emulator with a bug on one path, to show a bug costs one connection, not the server."""

    def handle(self, event: cp.RequestReceived | cp.InvalidRequest | cp.HTTPRequestReceived, *, now_ms: int) -> Reply:
        if isinstance(event, cp.HTTPRequestReceived) and event.path == "/boom":
            raise RuntimeError("a bug")
        return super().handle(event, now_ms=now_ms)


def test_a_bug_costs_one_connection(caplog: pytest.LogCaptureFixture) -> None:
    with BackgroundEmulator(_BuggyEmulator(), port=0) as server:
        server.open_session(REFERENCE_AGENT_ID, session_id=REFERENCE_SESSION_ID)
        server.start_engagement(REFERENCE_SESSION_ID, engagement_id=27)
        with caplog.at_level(logging.ERROR, logger="transports.emulator"):
            assert answer_and_close(server.url, request_bytes(method="GET", target="/boom")) == b""
        with RawClient(server.url) as client:
            still_served(client, 1)
    assert [record.getMessage() for record in caplog.records] == ["emulator: a connection failed"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(garbage=st.binary(min_size=1, max_size=3000))
def test_random_bytes_get_a_4xx_or_a_close(strict_server: BackgroundEmulator, garbage: bytes) -> None:
    with connect(strict_server.url) as sock:
        sock.sendall(garbage)
        sock.shutdown(socket.SHUT_WR)  # the end of the stream: no waiting for the request timeout
        raw = read_until_closed(sock)
    assert raw == b"" or re.match(rb"HTTP/1\.1 4\d\d ", raw), raw[:200]
    with RawClient(strict_server.url) as client:
        assert client.exchange(request_bytes(post_body()))[0] == 200
