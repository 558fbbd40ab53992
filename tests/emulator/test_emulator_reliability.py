"""The server loop under clients that hold what they can: answers they never read, every
descriptor of the process, every connection slot.

Each test uses real loopback sockets, stays within a few seconds, and checks
that a well-behaved client is served throughout.
"""

from __future__ import annotations

import io
import json
import select
import socket
import subprocess
import sys
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

import chatproto as cp
from chatproto.emulator import Emulator
from transports import emulator as server_loop
from transports.emulator import BackgroundEmulator

WRITE_TIMEOUT = 0.5
#: Long, so that nothing below is rescued by a client's request timing out.
REQUEST_TIMEOUT = 30.0


@pytest.fixture(params=["asyncio", "trio"])
def server(request: pytest.FixtureRequest) -> Iterator[BackgroundEmulator]:
    """An emulator that gives each answer half a second, holding the reference session and
    engagement 27, on each backend."""
    with BackgroundEmulator(
        port=0, backend=request.param, write_timeout=WRITE_TIMEOUT, request_timeout=REQUEST_TIMEOUT
    ) as background:
        background.open_session(REFERENCE_AGENT_ID, session_id=REFERENCE_SESSION_ID)
        background.start_engagement(REFERENCE_SESSION_ID, engagement_id=27)
        yield background


def address(url: str) -> tuple[str, int]:
    host, _, port = url.removeprefix("http://").rpartition(":")
    return host, int(port)


def served(server: BackgroundEmulator) -> int:
    return server.call(lambda: server.server.connections)


def still_served(client: RawClient, sequence: int) -> None:
    status, _, payload = client.exchange(request_bytes(post_body(sequenceNumber=sequence)))
    assert (status, json.loads(payload)["sequenceNumber"]) == (200, sequence)


# -- 3. Clients that pipeline requests and never read the answers ---------------------------------


def non_reader(url: str) -> socket.socket:
    """A client with a small receive window, which will never read."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(address(url))
    sock.setblocking(False)
    return sock


def pipeline_until_dropped(server: BackgroundEmulator, hogs: list[socket.socket], batch: bytes) -> None:
    """Send ``batch`` on every hog whenever it can take more, until the server serves none of
    them (the bystander aside), or a generous bound passes.

    The bound is far above the write timeout: the callers assert that the hogs were dropped,
    not how fast, since a loaded machine stretches every deadline.
    """
    started = time.monotonic()
    while served(server) < 1 + len(hogs):  # a connection is served once the server has taken it
        assert time.monotonic() - started < NETWORK_TIMEOUT, "the hogs were not accepted"
        time.sleep(0.01)
    started = time.monotonic()
    while served(server) > 1 and time.monotonic() - started < WRITE_TIMEOUT + NETWORK_TIMEOUT:
        for sock in hogs:
            try:
                sock.send(batch)
            except BlockingIOError:
                pass  # the server does not read it any more: it is writing an answer nobody takes
            except OSError:
                pass  # dropped
        time.sleep(0.01)


def test_fifty_clients_that_never_read_are_dropped_within_the_write_timeout(server: BackgroundEmulator) -> None:
    # Each answer (a transcript holding a 300 kB message) is more than the kernel buffers.
    server.start_engagement(REFERENCE_SESSION_ID, engagement_id=28)
    with RawClient(server.url) as bystander:
        assert bystander.exchange(request_bytes(post_body(destinationId=28, body="x" * 300_000)))[0] == 200
        transcript = request_bytes(method="GET", target="/emulator/engagements/28/messages", content_type=None)
        hogs = [non_reader(server.url) for _ in range(50)]
        try:
            pipeline_until_dropped(server, hogs, transcript * 20)
            assert served(server) == 1  # the bystander
            still_served(bystander, 2)
        finally:
            for sock in hogs:
                sock.close()


def test_answers_queued_for_a_client_that_never_reads_are_capped(server: BackgroundEmulator) -> None:
    # Small answers, pipelined: the kernel would absorb megabytes of them (it grows a
    # connection's buffers as it likes) while the server kept recording the posts.
    with RawClient(server.url) as bystander:
        still_served(bystander, 1)
        hogs = [non_reader(server.url) for _ in range(4)]
        try:
            pipeline_until_dropped(server, hogs, request_bytes(post_body(sequenceNumber=2)) * 200)
            assert served(server) == 1
            still_served(bystander, 3)
        finally:
            for sock in hogs:
                sock.close()
    # Each answer is about 380 bytes: a thousand per client would be 380 kB queued for it.
    answered = len(server.messages(27)) - 2
    assert 0 < answered <= 4 * 1000


# -- 4. Out of descriptors ---------------------------------------------------------------------------

#: Runs ``chatproto emulator`` under a soft limit of 128 open files.  On "fill" it opens
#: files until none is left (then prints "full"), on "free" it closes them (prints "freed").
CHILD = """
import os, resource, sys, threading

_, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (128, hard))


def hog():
    held = []
    for command in sys.stdin:
        if command.strip() == "fill":
            while True:
                try:
                    held.append(os.open(os.devnull, os.O_RDONLY))
                except OSError:
                    break
            print("full", flush=True)
        else:
            for fd in held:
                os.close(fd)
            held.clear()
            print("freed", flush=True)


threading.Thread(target=hog, daemon=True).start()
from transports.cli import main

sys.exit(main(["emulator", "--port", "0", "--backend", sys.argv[1]]))
"""


def read_line(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    readable, _, _ = select.select([process.stdout], [], [], NETWORK_TIMEOUT)
    assert readable, "nothing printed in time"
    return process.stdout.readline().strip()


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_out_of_descriptors_the_emulator_waits_and_serves_again(backend: str) -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", CHILD, backend],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None
    try:
        url = read_line(process)
        process.stdin.write("fill\n")
        process.stdin.flush()
        assert read_line(process) == "full"
        # The kernel completes the connection; the emulator cannot take it: accept fails with EMFILE.
        with socket.create_connection(address(url), timeout=NETWORK_TIMEOUT) as sock:
            sock.sendall(request_bytes(method="GET", target="/emulator/faults", content_type=None))
            time.sleep(0.5)  # several failed accepts
            assert process.poll() is None, "the emulator stopped"
            process.stdin.write("free\n")
            process.stdin.flush()
            assert read_line(process) == "freed"
            answer = sock.recv(65536)
        assert answer.startswith(b"HTTP/1.1 200 OK\r\n"), answer
        with RawClient(url) as client:
            assert client.exchange(request_bytes(method="GET", target="/emulator/faults", content_type=None))[0] == 200
        process.send_signal(2)  # SIGINT: stop
        _, err = process.communicate(timeout=NETWORK_TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=NETWORK_TIMEOUT)
    assert process.returncode == 0, err
    notes = [line for line in err.splitlines() if "emulator:" in line]
    assert len(notes) == 2, err  # said once, not every 100 ms
    assert notes[0].endswith(
        "emulator: cannot accept connections: [Errno 24] Too many open files; trying again every 100 ms"
    )
    assert notes[1].endswith("emulator: accepting connections again")
    assert '"GET /emulator/faults HTTP/1.1" 200' in err


def test_the_connection_cap_fits_the_descriptor_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    cap = server_loop.connection_cap
    assert cap(None, None) == server_loop.DEFAULT_MAX_CONNECTIONS == 1024
    assert cap(5000, None) == 5000  # no limit to fit
    # A limit of 1,024 (a common soft limit, and the old cap): room is left for the
    # connections beyond the cap and the process's own files.
    assert cap(None, 1024) == 1024 - 96
    assert cap(5000, 1024) == 1024 - 96  # asked for more, given what fits
    assert cap(10, 1024) == 10
    assert cap(None, 100_000) == 1024
    assert cap(None, 64) == 48  # a small limit keeps three quarters
    assert cap(None, 1) == 1
    for wrong in (0, -1, True, 2.0):
        with pytest.raises(cp.LocalProtocolError, match="max_connections must be a positive int"):
            cap(wrong, 1024)  # type: ignore[arg-type]

    monkeypatch.setattr(server_loop, "soft_descriptor_limit", lambda: 256)
    assert server_loop.EmulatorServer().max_connections == 256 - 64
    assert server_loop.EmulatorServer(max_connections=1000).max_connections == 256 - 64
    assert server_loop.EmulatorServer(max_connections=100).max_connections == 100


def test_this_process_descriptor_limit_is_read() -> None:
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert server_loop.soft_descriptor_limit() == (None if soft == resource.RLIM_INFINITY else soft)


@pytest.mark.parametrize("option", ["request_timeout", "write_timeout"])
@pytest.mark.parametrize("wrong", [0, -1.0, "1", None])
def test_timeouts_are_positive_numbers(option: str, wrong: object) -> None:
    with pytest.raises(cp.LocalProtocolError, match=f"{option} must be a positive number of seconds"):
        server_loop.EmulatorServer(**{option: wrong})  # type: ignore[arg-type]


# -- 5. Slowloris: connections that send part of a request and stall ---------------------------------

CAP = 16
SLOWLORIS = 300


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_slowloris_connections_never_keep_out_a_complete_request(backend: str) -> None:
    with BackgroundEmulator(port=0, backend=backend, max_connections=CAP, request_timeout=REQUEST_TIMEOUT) as server:
        server.open_session(REFERENCE_AGENT_ID, session_id=REFERENCE_SESSION_ID)
        server.start_engagement(REFERENCE_SESSION_ID, engagement_id=27)
        stalled = []
        try:
            for _ in range(SLOWLORIS):
                sock = socket.create_connection(address(server.url), timeout=NETWORK_TIMEOUT)
                sock.sendall(b"POST /engagement/api/agent/")  # and never the rest
                stalled.append(sock)
            started = time.monotonic()
            with RawClient(server.url) as client:
                still_served(client, 1)  # at once: no 503, and long before the request timeout
                still_served(client, 2)  # kept alive
            assert time.monotonic() - started < 5

            # The stalled connections beyond the cap were told, each with a 503 and
            # Connection: close.  Of those within it, one gave its place to the
            # complete request (closed, unanswered: it had sent no request); the
            # others wait still.
            answers = list(read_all(stalled, expected=SLOWLORIS - CAP + 1).values())
            assert answers.count(busy_bytes(CAP)) == SLOWLORIS - CAP
            assert answers.count(b"") == 1
            assert served(server) == CAP - 1
        finally:
            for sock in stalled:
                sock.close()
        assert [message.sequence_number for message in server.messages(27)] == [1, 2]


def read_all(socks: list[socket.socket], *, expected: int) -> dict[socket.socket, bytes]:
    """What the server sent each socket it closed, waiting until ``expected`` of them were closed."""
    answers: dict[socket.socket, bytes] = {}
    deadline = time.monotonic() + 10
    while len(answers) < expected and time.monotonic() < deadline:
        readable, _, _ = select.select([sock for sock in socks if sock not in answers], [], [], 0.2)
        for sock in readable:
            answers[sock] = read_until_closed(sock)
    return answers


def test_beyond_the_cap_a_request_not_complete_in_time_is_answered_503() -> None:
    # Both places are held by clients between requests, which are not pushed out.
    with BackgroundEmulator(port=0, max_connections=2, request_timeout=REQUEST_TIMEOUT) as server:
        server.open_session(REFERENCE_AGENT_ID, session_id=REFERENCE_SESSION_ID)
        server.start_engagement(REFERENCE_SESSION_ID, engagement_id=27)
        with RawClient(server.url) as first, RawClient(server.url) as second:
            still_served(first, 1)
            still_served(second, 2)
            with socket.create_connection(address(server.url), timeout=NETWORK_TIMEOUT) as stalled:
                stalled.sendall(b"POST /")
                started = time.monotonic()
                assert read_until_closed(stalled) == busy_bytes(2)  # after its moment to finish
                assert 0.3 < time.monotonic() - started < 3
            with socket.create_connection(address(server.url), timeout=NETWORK_TIMEOUT) as silent:
                assert read_until_closed(silent) == busy_bytes(2)
            still_served(first, 3)
            still_served(second, 4)


def test_a_client_that_leaves_beyond_the_cap_costs_nothing() -> None:
    with BackgroundEmulator(port=0, max_connections=1, request_timeout=REQUEST_TIMEOUT) as server:
        server.open_session(REFERENCE_AGENT_ID, session_id=REFERENCE_SESSION_ID)
        server.start_engagement(REFERENCE_SESSION_ID, engagement_id=27)
        with RawClient(server.url) as first:
            still_served(first, 1)
            with socket.create_connection(address(server.url), timeout=NETWORK_TIMEOUT) as leaving:
                leaving.shutdown(socket.SHUT_WR)
                assert read_until_closed(leaving) == b""  # nothing asked, nothing answered
            with socket.create_connection(address(server.url), timeout=NETWORK_TIMEOUT) as leaving:
                leaving.sendall(b"GET / HTTP/1.1\r\n")
                leaving.shutdown(socket.SHUT_WR)
                assert read_until_closed(leaving).startswith(b"HTTP/1.1 400 Bad Request\r\n")  # cut short
            with socket.create_connection(address(server.url), timeout=NETWORK_TIMEOUT) as garbage:
                garbage.sendall(b"\x00\xff garbage\r\n\r\n")
                assert read_until_closed(garbage).startswith(b"HTTP/1.1 400 Bad Request\r\n")
            still_served(first, 2)
        deadline = time.monotonic() + NETWORK_TIMEOUT
        while served(server) and time.monotonic() < deadline:
            time.sleep(0.01)  # until the server sees that the first client left
        assert served(server) == 0


# -- 6. What the emulator holds, in bytes ----------------------------------------------------------


def test_one_megabyte_posts_fill_the_byte_budget_not_memory() -> None:
    budget = 3 * 1024 * 1024
    emulator = Emulator(session_id_factory=server_loop.new_session_id, max_stored_bytes=budget)
    with BackgroundEmulator(emulator, port=0) as server:
        server.open_session(REFERENCE_AGENT_ID, session_id=REFERENCE_SESSION_ID)
        server.start_engagement(REFERENCE_SESSION_ID, engagement_id=27)
        with RawClient(server.url) as client:
            answers = [
                client.exchange(request_bytes(post_body(sequenceNumber=n, body="x" * 1_000_000))) for n in range(1, 6)
            ]
            assert [status for status, _, _ in answers] == [200, 200, 200, 503, 503]
            error = json.loads(answers[3][2])
            assert error["exceptionCode"] == "CAPACITY_EXCEEDED"
            assert error["message"].startswith(f"the emulator holds its max_stored_bytes ({budget}): ")
            still_served(client, 6)  # a small one still fits
        assert [message.sequence_number for message in server.messages(27)] == [1, 2, 3, 6]
        assert server.call(lambda: emulator.stored_bytes) <= budget


def test_beyond_the_cap_the_oldest_waiting_is_pushed_out_and_accepting_waits_for_refusals(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # One connection read for a complete request at a time and one refusal at a time:
    # each new one pushes the one before it out, and accepting waits for its refusal.
    monkeypatch.setattr(server_loop, "_MAX_PENDING", 1)
    monkeypatch.setattr(server_loop, "_MAX_REFUSING", 1)
    with BackgroundEmulator(port=0, max_connections=1, request_timeout=REQUEST_TIMEOUT) as server:
        server.open_session(REFERENCE_AGENT_ID, session_id=REFERENCE_SESSION_ID)
        server.start_engagement(REFERENCE_SESSION_ID, engagement_id=27)
        with RawClient(server.url) as first:
            still_served(first, 1)
            silent = [socket.create_connection(address(server.url), timeout=NETWORK_TIMEOUT) for _ in range(6)]
            try:
                assert [read_until_closed(sock) for sock in silent] == [busy_bytes(1)] * 6
            finally:
                for sock in silent:
                    sock.close()
            still_served(first, 2)


def test_a_lowered_cap_is_noted_on_the_log(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server_loop, "soft_descriptor_limit", lambda: 256)
    log = io.StringIO()
    with BackgroundEmulator(port=0, max_connections=1000, log=log) as server:
        assert server.server.max_connections == 192
    assert log.getvalue().endswith(
        "] emulator: max_connections lowered from 1000 to 192 to fit the open-file limit (256)\n"
    )
