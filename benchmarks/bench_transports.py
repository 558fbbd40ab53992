"""The transports against the HTTP clients a bot author would otherwise pick.

Every client posts the same postMessage (same JSON body, same headers) to the
same loopback nginx that answers every request with a canned 200 JSON body,
so the server is not what is measured.  nginx comes from the Debian package
``nginx-light`` (``apt-get install nginx-light``); this script writes its
config to a temporary directory, starts it on a free port and stops it.

- sequential, one keep-alive connection: ``transports.sync`` against
  ``httpx.Client`` and ``http.client``;
- 32 concurrent tasks: ``transports.anyio`` on asyncio against
  ``httpx.AsyncClient`` and aiohttp, and on trio (plus ``transports.trio``)
  against httpx on trio.

The other clients build their body with ``json.dumps`` (with the next
sequence number) and decode the answer with ``json.loads``, as their users
would; ours validate and number the request and decode a typed response.
Clients run alternately, round after round, in one process; each prints its
median throughput and CPU time per request, and the ratios (ours over
theirs) are the medians of the per-round ratios.

    python benchmarks/bench_transports.py [--rounds 9] [--sequential 1500] [--concurrent 2400] [--only GROUP]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import aiohttp
import anyio
import httpx

import chatproto as cp
import transports.anyio
import transports.sync
import transports.trio

SITE = "day001_221100_sql_001h"
AGENT_ID = "12"
SESSION_ID = "node01hyuckn70y6nm1g2hco4hrwlqq0"
POOL = "297:1"
PATH = f"/engagement/api/agent/{SITE}/v1/postMessage?pool={POOL}"
HEADERS = {"Content-Type": "application/json; charset=utf-8", "X-AID": AGENT_ID, "X-JSESSIONID": SESSION_ID}
# The reference's example answer, without sequenceNumber: nginx cannot echo it,
# and the core checks it only when present.
CANNED_BODY = (
    '{"chatPostResult":{"clientReset":"0"},"chatSystemError":null,"clientSendTime":1564598688444,'
    '"serviceStartTime":1653492901569,"serviceFinishTime":1653492901701,'
    '"sessionId":"node01hyuckn70y6nm1g2hco4hrwlqq0","clientId":47,"clientIdString":"47"}'
)
TASKS = 32

NGINX_CONF = """
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log error;
{user}
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    keepalive_requests 10000000;
    keepalive_timeout 600s;
    server {{
        listen 127.0.0.1:{port} backlog=1024;
        location / {{
            default_type "application/json; charset=utf-8";
            return 200 '{body}';
        }}
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@contextmanager
def nginx() -> Iterator[int]:
    """Run nginx on a free loopback port until the block ends; yields the port."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(binary).exists():
        sys.exit("nginx not found: apt-get install -y nginx-light")
    with tempfile.TemporaryDirectory(prefix="bench-transports-") as tmp:
        port = free_port()
        # As root, nginx would switch its worker to "nobody"; stay who we are.
        user = "user root;" if os.geteuid() == 0 else ""
        conf = Path(tmp, "nginx.conf")
        conf.write_text(NGINX_CONF.format(tmp=tmp, port=port, body=CANNED_BODY, user=user))
        process = subprocess.Popen([binary, "-p", tmp, "-e", f"{tmp}/error.log", "-c", str(conf)])
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        sys.exit(f"nginx did not start: {Path(tmp, 'error.log').read_text()}")
                    time.sleep(0.05)
            yield port
        finally:
            process.terminate()
            process.wait(10)


def body_for(sequence_number: int) -> bytes:
    """What the other clients send: the JSON our client sends, built the usual way."""
    return json.dumps(
        {
            "body": "Hello from the benchmark",
            "destinationId": 27,
            "destinationType": "ENGAGEMENT",
            "messageType": "TEXT",
            "sequenceNumber": sequence_number,
            "timeCreated": int(time.time() * 1000),
        },
        separators=(",", ":"),
    ).encode()


def client_options() -> dict[str, Any]:
    return {"site": SITE, "agent_id": AGENT_ID, "session_id": SESSION_ID, "pool": POOL}


class Sample(NamedTuple):
    """One measurement: wall-clock throughput, and the client process's CPU time per request
    (steadier than throughput on a machine shared with other work)."""

    per_second: float
    cpu_us: float


class Stopwatch:
    def __init__(self) -> None:
        self.wall = time.perf_counter()
        self.cpu = time.process_time()

    def sample(self, count: int) -> Sample:
        wall = time.perf_counter() - self.wall
        cpu = time.process_time() - self.cpu
        return Sample(count / wall, cpu / count * 1e6)


# Sequential: one connection, one request after another.


def seq_ours(url: str, count: int) -> Sample:
    with transports.sync.AgentClient(url, **client_options()) as client:
        client.post_message("warm up", destination_id=27)
        watch = Stopwatch()
        for _ in range(count):
            client.post_message("Hello from the benchmark", destination_id=27)
        return watch.sample(count)


def seq_httpx(url: str, count: int) -> Sample:
    with httpx.Client(base_url=url) as client:
        client.post(PATH, content=body_for(0), headers=HEADERS).json()
        watch = Stopwatch()
        for number in range(1, count + 1):
            response = client.post(PATH, content=body_for(number), headers=HEADERS)
            response.raise_for_status()
            response.json()
        return watch.sample(count)


def seq_http_client(url: str, count: int) -> Sample:
    port = int(url.rsplit(":", 1)[1])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("POST", PATH, body_for(0), HEADERS)
        conn.getresponse().read()
        watch = Stopwatch()
        for number in range(1, count + 1):
            conn.request("POST", PATH, body_for(number), HEADERS)
            response = conn.getresponse()
            data = response.read()
            if response.status != 200:
                raise RuntimeError(response.status)
            json.loads(data)
        return watch.sample(count)
    finally:
        conn.close()


# Concurrent: TASKS tasks share one client and split the requests.


async def _fan_out(count: int, post: Callable[[], Awaitable[object]]) -> Sample:
    async def worker(share: int) -> None:
        for _ in range(share):
            await post()

    async def wave(total: int) -> None:
        async with anyio.create_task_group() as tg:
            for i in range(TASKS):
                tg.start_soon(worker, total // TASKS + (1 if i < total % TASKS else 0))

    await wave(TASKS * 2)  # warm up: open every connection
    watch = Stopwatch()
    await wave(count)
    return watch.sample(count)


async def conc_ours_anyio(url: str, count: int) -> Sample:
    async with transports.anyio.AgentClient(url, max_connections=TASKS, **client_options()) as client:
        return await _fan_out(count, lambda: client.post_message("Hello from the benchmark", destination_id=27))


async def conc_ours_trio(url: str, count: int) -> Sample:
    async with transports.trio.AgentClient(url, max_connections=TASKS, **client_options()) as client:
        return await _fan_out(count, lambda: client.post_message("Hello from the benchmark", destination_id=27))


async def conc_httpx(url: str, count: int) -> Sample:
    limits = httpx.Limits(max_connections=TASKS, max_keepalive_connections=TASKS)
    counter = iter(range(1, 10**9))
    async with httpx.AsyncClient(base_url=url, limits=limits) as client:

        async def post() -> None:
            response = await client.post(PATH, content=body_for(next(counter)), headers=HEADERS)
            response.raise_for_status()
            response.json()

        return await _fan_out(count, post)


async def conc_aiohttp(url: str, count: int) -> Sample:
    counter = iter(range(1, 10**9))
    connector = aiohttp.TCPConnector(limit=TASKS)
    async with aiohttp.ClientSession(base_url=url, connector=connector) as session:

        async def post() -> None:
            async with session.post(PATH, data=body_for(next(counter)), headers=HEADERS) as response:
                response.raise_for_status()
                json.loads(await response.read())

        return await _fan_out(count, post)


def on(backend: str, bench: Callable[[str, int], Awaitable[Sample]]) -> Callable[[str, int], Sample]:
    def run(url: str, count: int) -> Sample:
        return anyio.run(bench, url, count, backend=backend)

    return run


# (group, name, runner); "ours" is the first of each group.
CLIENTS: list[tuple[str, str, Callable[[str, int], Sample]]] = [
    ("sequential", "transports.sync", seq_ours),
    ("sequential", "httpx.Client", seq_httpx),
    ("sequential", "http.client", seq_http_client),
    ("asyncio x32", "transports.anyio", on("asyncio", conc_ours_anyio)),
    ("asyncio x32", "httpx.AsyncClient", on("asyncio", conc_httpx)),
    ("asyncio x32", "aiohttp", on("asyncio", conc_aiohttp)),
    ("trio x32", "transports.anyio", on("trio", conc_ours_anyio)),
    ("trio x32", "transports.trio", on("trio", conc_ours_trio)),
    ("trio x32", "httpx.AsyncClient", on("trio", conc_httpx)),
]

# (group, ours, theirs, at least)
TARGETS = [
    ("sequential", "transports.sync", "httpx.Client", 2.5),
    ("sequential", "transports.sync", "http.client", 0.9),
    ("asyncio x32", "transports.anyio", "httpx.AsyncClient", 5.0),
    ("asyncio x32", "transports.anyio", "aiohttp", 1.0),
    ("trio x32", "transports.anyio", "httpx.AsyncClient", 5.0),
    ("trio x32", "transports.trio", "httpx.AsyncClient", 5.0),
]


def check_canned_answer(url: str) -> None:
    """The canned body decodes to the typed response (else the benchmark would measure failures)."""
    with transports.sync.AgentClient(url, **client_options()) as client:
        response = client.post_message("check", destination_id=27)
    assert isinstance(response, cp.PostMessageResponse)
    assert response.client_id == 47


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--sequential", type=int, default=1500, help="requests per sequential measurement")
    parser.add_argument("--concurrent", type=int, default=2400, help="requests per concurrent measurement")
    parser.add_argument("--only", default="", help="run only the groups whose name contains this")
    args = parser.parse_args()

    clients = [client for client in CLIENTS if args.only in client[0]]
    results: dict[tuple[str, str], list[Sample]] = {(group, name): [] for group, name, _ in clients}
    with nginx() as port:
        url = f"http://127.0.0.1:{port}"
        check_canned_answer(url)
        for round_number in range(1, args.rounds + 1):
            for group, name, run in clients:
                count = args.sequential if group == "sequential" else args.concurrent
                results[group, name].append(run(url, count))
            print(f"round {round_number}/{args.rounds} done", file=sys.stderr, flush=True)

    def median_rate(key: tuple[str, str]) -> float:
        return statistics.median(sample.per_second for sample in results[key])

    def median_cpu(key: tuple[str, str]) -> float:
        return statistics.median(sample.cpu_us for sample in results[key])

    print(f"{'group':<12} {'client':<18} {'median req/s':>12} {'CPU us/req':>10}   req/s per round")
    for key, samples in results.items():
        rounds = " ".join(f"{sample.per_second:,.0f}" for sample in samples)
        print(f"{key[0]:<12} {key[1]:<18} {median_rate(key):>12,.0f} {median_cpu(key):>10.1f}   {rounds}")
    print()
    # Each round measures every client within seconds, so the ratio within a
    # round is what the machine's changing load disturbs least: the ratio
    # reported is the median of the per-round ratios.
    print("ours / theirs, median of per-round ratios: throughput (the target), and CPU time per request inverted")
    missed = 0
    for group, ours, theirs, target in TARGETS:
        if (group, ours) not in results:
            continue
        pairs = list(zip(results[group, ours], results[group, theirs], strict=True))
        ratio = statistics.median(mine.per_second / other.per_second for mine, other in pairs)
        cpu_ratio = statistics.median(other.cpu_us / mine.cpu_us for mine, other in pairs)
        verdict = "ok" if ratio >= target else "MISSED"
        missed += ratio < target
        print(f"{group:<12} {ours} / {theirs}: {ratio:5.2f}x (CPU {cpu_ratio:5.2f}x)  target >= {target}x  {verdict}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
