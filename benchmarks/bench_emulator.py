"""Messages per second the emulator records, with 32 concurrent keep-alive clients.

The emulator runs as ``chatproto emulator`` in its own process (so it has a
core of its own); this process is the load generator: one thread driving 32
non-blocking sockets through a selector, each with one postMessage always in
flight (a closed loop, as 32 agents posting as fast as they are answered).
Requests are prebuilt bytes and answers are only framed, not decoded, so the
generator costs far less per message than the server it measures.

Each round gives every client a fresh agent session and engagement, posts
for ``--seconds``, then reads the engagements back through the control
surface: the rate is messages recorded per second, and every answered post
must be recorded exactly once.  The median of the rounds is printed.  On
Linux the server's CPU time per message is printed too: on a machine shared
with other work the wall-clock rate says as much about the neighbours as
about the emulator, and the CPU cost per message does not.

    python benchmarks/bench_emulator.py [--clients 32] [--rounds 5] [--seconds 2] [--backend asyncio]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import selectors
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

SITE = "day001_221100_sql_001h"
TARGET = f"/engagement/api/agent/{SITE}/v1/postMessage?pool=297:1"
_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length: *([0-9]+)", re.IGNORECASE)


@dataclass
class Client:
    sock: socket.socket
    request: bytes
    buffer: bytearray = field(default_factory=bytearray)
    answered: int = 0
    in_flight: bool = False


def http(address: tuple[str, int], method: str, path: str, body: bytes = b"") -> object:
    """One control request on its own connection; the decoded JSON answer."""
    with socket.create_connection(address, timeout=30) as sock:
        head = f"{method} {path} HTTP/1.1\r\nHost: bench\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        sock.sendall(head.encode() + body)
        chunks = []
        while data := sock.recv(65536):
            chunks.append(data)
    response = b"".join(chunks)
    status_line, _, rest = response.partition(b"\r\n")
    if b" 200 " not in status_line:
        raise RuntimeError(f"control request {method} {path} failed: {response[:300]!r}")
    return json.loads(rest.partition(b"\r\n\r\n")[2])


def post_request(session_id: str, agent_id: str, engagement_id: int) -> bytes:
    body = json.dumps(
        {
            "body": "Benchmark message text.",
            "destinationId": engagement_id,
            "destinationType": "ENGAGEMENT",
            "messageType": "TEXT",
            "sequenceNumber": 1,
            "timeCreated": 1621869388454,
        }
    ).encode()
    head = (
        f"POST {TARGET} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json; charset=utf-8\r\n"
        f"X-AID: {agent_id}\r\nX-JSESSIONID: {session_id}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def complete_responses(client: Client) -> int:
    """Take the complete responses out of the client's buffer; how many there were (all must be 200)."""
    count = 0
    buffer = client.buffer
    while True:
        end = buffer.find(b"\r\n\r\n")
        if end < 0:
            return count
        head = bytes(buffer[:end])
        if not head.startswith(b"HTTP/1.1 200 "):
            raise RuntimeError(f"unexpected answer: {bytes(buffer[:300])!r}")
        length = int(_CONTENT_LENGTH.search(head).group(1))  # type: ignore[union-attr]
        if len(buffer) < end + 4 + length:
            return count
        del buffer[: end + 4 + length]
        count += 1


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time of process ``pid`` so far (Linux), or None where /proc is missing."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_round(address: tuple[str, int], clients: int, seconds: float) -> tuple[float, int]:
    """Post for ``seconds`` with ``clients`` connections; (messages recorded per second, messages)."""
    engagements = []
    for agent in range(clients):
        session = http(address, "POST", "/emulator/sessions", json.dumps({"agentId": str(agent + 1)}).encode())
        session_id = session["sessionId"]  # type: ignore[index]
        started = http(address, "POST", "/emulator/engagements", json.dumps({"sessionId": session_id}).encode())
        engagements.append((session_id, str(agent + 1), started["engagementId"]))  # type: ignore[index]

    selector = selectors.DefaultSelector()
    pool = []
    for session_id, agent_id, engagement_id in engagements:
        sock = socket.create_connection(address, timeout=30)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setblocking(False)
        client = Client(sock, post_request(session_id, agent_id, engagement_id))
        selector.register(sock, selectors.EVENT_READ, client)
        pool.append(client)

    begin = time.perf_counter()
    deadline = begin + seconds
    for client in pool:
        client.sock.sendall(client.request)
        client.in_flight = True
    in_flight = len(pool)
    while in_flight:
        for key, _ in selector.select(timeout=30):
            client = key.data
            data = client.sock.recv(65536)
            if not data:
                raise RuntimeError("the emulator closed a connection")
            client.buffer += data
            done = complete_responses(client)
            if not done:
                continue
            client.answered += done
            if time.perf_counter() < deadline:
                client.sock.sendall(client.request)  # a few hundred bytes: fits the send buffer
            else:
                client.in_flight = False
                in_flight -= 1
    elapsed = time.perf_counter() - begin
    for client in pool:
        selector.unregister(client.sock)
        client.sock.close()
    selector.close()

    recorded = sum(
        len(http(address, "GET", f"/emulator/engagements/{engagement_id}/messages"))  # type: ignore[arg-type]
        for _, _, engagement_id in engagements
    )
    answered = sum(client.answered for client in pool)
    if recorded != answered:
        raise RuntimeError(f"{answered} posts were answered 200 but {recorded} were recorded")
    return recorded / elapsed, recorded


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=2.0, help="length of each round")
    parser.add_argument("--backend", choices=("asyncio", "trio"), default="asyncio", help="the emulator's event loop")
    args = parser.parse_args()

    command = [sys.executable, "-m", "transports.cli", "emulator", "--port", "0", "--quiet", "--backend", args.backend]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as server:
        try:
            assert server.stdout is not None
            url = server.stdout.readline().strip()
            host, _, port = url.removeprefix("http://").rpartition(":")
            address = (host, int(port))
            rates = []
            costs = []
            for number in range(1, args.rounds + 1):
                cpu_before = cpu_seconds(server.pid)
                rate, recorded = run_round(address, args.clients, args.seconds)
                cpu_after = cpu_seconds(server.pid)
                rates.append(rate)
                line = f"round {number}: {rate:8.0f} messages/s ({recorded} recorded, each once)"
                if cpu_before is not None and cpu_after is not None:
                    # Includes the round's setup and read-back, so it slightly overstates the cost.
                    costs.append((cpu_after - cpu_before) / recorded * 1e6)
                    line += f", server CPU {costs[-1]:.0f} us per message"
                print(line, flush=True)
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(
        f"emulator ({args.backend}), {args.clients} concurrent keep-alive clients: "
        f"median {statistics.median(rates):.0f} messages recorded per second over {args.rounds} rounds"
    )
    if costs:
        cost = statistics.median(costs)
        print(f"median server CPU per message: {cost:.0f} us (about {1e6 / cost:.0f} messages/s on one whole core)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
