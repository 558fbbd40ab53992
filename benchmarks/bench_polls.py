"""Held getMessages polls: the emulator's memory per held poll beside a minimal aiohttp.web long-poll
handler holding as many requests, and the latency from an end-user message to the poll's answer.

Two servers run in processes of their own, in the same run: ``chatproto emulator`` and a minimal
aiohttp.web application whose handler awaits an ``asyncio.Event`` per request (what a long poll
costs in aiohttp at its leanest).  This process is the load generator.  For each server:

1. warm up: a few polls held and answered, so code paths and caches are loaded;
2. read the server's resident set size (``VmRSS``);
3. open ``--polls`` connections, each sending one poll, and wait until the server holds them all
   (the emulator's sessions say ``polling``; the aiohttp handler counts its waiters);
4. once the server has a descriptor open for each and its resident size has stopped growing,
   read it again: (after - before) / polls is the memory per held poll.

The emulator's sessions and engagements are opened before step 2, so what is measured is what
a held poll adds: the connection, its ``ServerConnection``, the task and cancel scope of the
wait, and the emulator's poll record.

Then, with every poll still held, the latency: for each of ``--samples`` sessions in turn, the end
user says something through the control surface (``POST /emulator/engagements/{id}/end-user/
messages``), and the time from sending that request to the arrival of the session's poll answer
is one sample; its poll is then sent again, so every sample is taken with all polls held.  The
p50 and p99 are printed.

    python benchmarks/bench_polls.py [--polls 1000] [--samples 1000] [--backend asyncio]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

SITE = "day001_221100_sql_001h"
POLL_TARGET = f"/engagement/api/agent/{SITE}/v1/getMessages?pool=297:1"
_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length: *([0-9]+)", re.IGNORECASE)
#: Long enough that no poll expires during a run.
HOLD_MS = 600_000
WARM_UP = 20


def rss_bytes(pid: int) -> int:
    """The resident set size of process ``pid`` (Linux ``/proc``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def http(address: tuple[str, int], method: str, path: str, body: bytes = b"") -> object:
    """One control request on its own connection; the decoded JSON answer."""
    with socket.create_connection(address, timeout=60) as sock:
        head = f"{method} {path} HTTP/1.1\r\nHost: bench\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        sock.sendall(head.encode() + body)
        chunks = []
        while data := sock.recv(65536):
            chunks.append(data)
    response = b"".join(chunks)
    if b" 200 " not in response.partition(b"\r\n")[0]:
        raise RuntimeError(f"{method} {path} failed: {response[:300]!r}")
    return json.loads(response.partition(b"\r\n\r\n")[2])


def read_answer(sock: socket.socket) -> bytes:
    """One whole HTTP answer from a blocking socket."""
    buffer = b""
    while True:
        end = buffer.find(b"\r\n\r\n")
        if end >= 0:
            match = _CONTENT_LENGTH.search(buffer[:end])
            length = int(match.group(1)) if match else 0
            if len(buffer) >= end + 4 + length:
                return buffer
        data = sock.recv(65536)
        if not data:
            raise RuntimeError("closed before the answer")
        buffer += data


def descriptors(pid: int) -> int:
    """How many files process ``pid`` has open (Linux ``/proc``): its connections among them."""
    return len(os.listdir(f"/proc/{pid}/fd"))


def settle(pid: int, fds: int) -> int:
    """Wait until process ``pid`` has ``fds`` descriptors open and its resident size stops growing; that size."""
    wait_until(lambda: descriptors(pid) >= fds, f"{fds} descriptors are open")
    size = rss_bytes(pid)
    while True:
        time.sleep(0.5)
        now = rss_bytes(pid)
        if now <= size:
            return now
        size = now


def wait_until(condition: Callable[[], bool], what: str, seconds: float = 120.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting until {what}")
        time.sleep(0.05)


# -- The aiohttp baseline (run as a child process) ---------------------------------------------------


def serve_aiohttp() -> None:
    """A minimal aiohttp.web long poll: each request waits on an Event until /wake/{key} sets it."""
    from aiohttp import web

    waiters: dict[str, asyncio.Event] = {}

    async def poll(request: web.Request) -> web.Response:
        await request.read()
        event = waiters[request.match_info["key"]] = asyncio.Event()
        await event.wait()
        del waiters[request.match_info["key"]]
        return web.json_response({"getResponseTypes": [{"ChatGetTimeout": {}}]})

    async def wake(request: web.Request) -> web.Response:
        waiters[request.match_info["key"]].set()
        return web.json_response({})

    async def count(request: web.Request) -> web.Response:
        return web.json_response({"held": len(waiters)})

    async def main() -> None:
        app = web.Application()
        app.add_routes([web.post("/poll/{key}", poll), web.post("/wake/{key}", wake), web.get("/count", count)])
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=4096)
        await site.start()
        port = runner.addresses[0][1]
        print(f"http://127.0.0.1:{port}", flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())


# -- The measurements -------------------------------------------------------------------------------


def open_polls(address: tuple[str, int], requests: list[bytes]) -> list[socket.socket]:
    socks = []
    for request in requests:
        sock = socket.create_connection(address, timeout=60)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.sendall(request)
        socks.append(sock)
    return socks


def poll_request(session_id: str, agent_id: str, sequence: int) -> bytes:
    body = b'{"sequenceNumber": %d}' % sequence
    head = (
        f"POST {POLL_TARGET} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
        f"X-AID: {agent_id}\r\nX-JSESSIONID: {session_id}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def aiohttp_poll(key: int) -> bytes:
    body = b'{"sequenceNumber": 1}'
    head = (
        f"POST /poll/{key} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def measure_aiohttp(polls: int) -> float:
    """Bytes of resident memory per held request in the aiohttp baseline."""
    with subprocess.Popen([sys.executable, __file__, "--serve-aiohttp"], stdout=subprocess.PIPE, text=True) as server:
        try:
            assert server.stdout is not None
            url = server.stdout.readline().strip()
            host, _, port = url.removeprefix("http://").rpartition(":")
            address = (host, int(port))
            warm = open_polls(address, [aiohttp_poll(-n - 1) for n in range(WARM_UP)])
            wait_until(lambda: http(address, "GET", "/count") == {"held": WARM_UP}, "the warm-up polls are held")
            for n, sock in enumerate(warm):
                http(address, "POST", f"/wake/{-n - 1}")
                read_answer(sock)
                sock.close()
            before = settle(server.pid, 0)
            fds = descriptors(server.pid)
            socks = open_polls(address, [aiohttp_poll(n) for n in range(polls)])
            after = settle(server.pid, fds + polls)
            wait_until(lambda: http(address, "GET", "/count") == {"held": polls}, "every poll is held")
            for sock in socks:
                sock.close()
            return (after - before) / polls
        finally:
            server.terminate()
            server.wait(timeout=30)


def measure_emulator(polls: int, samples: int, backend: str) -> tuple[float, list[float]]:
    """Bytes of resident memory per held poll in the emulator, and the latencies in seconds."""
    command = [
        sys.executable, "-m", "transports.cli", "emulator", "--port", "0", "--quiet", "--backend", backend,
        "--poll-hold-ms", str(HOLD_MS), "--max-connections", str(polls + 64),
    ]  # fmt: skip
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as server:
        try:
            assert server.stdout is not None
            url = server.stdout.readline().strip()
            host, _, port = url.removeprefix("http://").rpartition(":")
            address = (host, int(port))
            sessions = []
            for n in range(polls + WARM_UP):
                agent = str(n + 1)
                info = http(address, "POST", "/emulator/sessions", json.dumps({"agentId": agent}).encode())
                session_id = info["sessionId"]  # type: ignore[index]
                started = http(address, "POST", "/emulator/engagements", json.dumps({"sessionId": session_id}).encode())
                sessions.append((session_id, agent, started["engagementId"]))  # type: ignore[index]
            warm, measured = sessions[:WARM_UP], sessions[WARM_UP:]

            def held(group: list[tuple[str, str, int]]) -> bool:
                return all(
                    http(address, "GET", f"/emulator/sessions/{session_id}")["polling"]  # type: ignore[index]
                    for session_id, _, _ in group
                )

            socks = open_polls(address, [poll_request(s, a, 1) for s, a, _ in warm])
            wait_until(lambda: held(warm), "the warm-up polls are held")
            for (_, _, engagement_id), sock in zip(warm, socks, strict=True):
                http(address, "POST", f"/emulator/engagements/{engagement_id}/end-user/messages", b'{"body": "hi"}')
                read_answer(sock)
                sock.close()
            before = settle(server.pid, 0)
            fds = descriptors(server.pid)
            socks = open_polls(address, [poll_request(s, a, 1) for s, a, _ in measured])
            after = settle(server.pid, fds + polls)
            wait_until(lambda: held(measured), "every poll is held")
            per_poll = (after - before) / polls

            latencies = []
            control = socket.create_connection(address, timeout=60)
            control.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for number in range(samples):
                index = number % polls
                session_id, agent, engagement_id = measured[index]
                body = b'{"body": "Where is my order?"}'
                say = (
                    f"POST /emulator/engagements/{engagement_id}/end-user/messages HTTP/1.1\r\nHost: bench\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n"
                ).encode() + body
                started = time.perf_counter()
                control.sendall(say)
                answer = read_answer(socks[index])
                latencies.append(time.perf_counter() - started)
                if b'"body":"Where is my order?"' not in answer:
                    raise RuntimeError(f"unexpected poll answer: {answer[:300]!r}")
                read_answer(control)
                socks[index].sendall(poll_request(session_id, agent, 2 + number // polls))
            control.close()
            for sock in socks:
                sock.close()
            return per_poll, latencies
        finally:
            server.terminate()
            server.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--polls", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--backend", choices=("asyncio", "trio"), default="asyncio", help="the emulator's event loop")
    parser.add_argument("--serve-aiohttp", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_aiohttp:
        serve_aiohttp()
        return 0
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = 2 * args.polls + 256
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(needed, hard), hard))

    emulator, latencies = measure_emulator(args.polls, args.samples, args.backend)
    baseline = measure_aiohttp(args.polls)
    ordered = sorted(latencies)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    print(f"memory per held poll, {args.polls} held: emulator ({args.backend}) {emulator / 1024:.1f} KiB, "
          f"aiohttp.web {baseline / 1024:.1f} KiB: {emulator / baseline:.2f}x")  # fmt: skip
    print(f"end-user message to poll answer, {len(latencies)} samples with {args.polls} polls held: "
          f"p50 {p50:.2f} ms, p99 {p99:.2f} ms")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
