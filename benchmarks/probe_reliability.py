"""Issue 13's reliability probes, with counts to compare before and after the fixes.

Not a benchmark (``python -m benchmarks`` does not run it): each probe plays
one hostile condition against the blocking client on loopback and prints
what the calls ended with.

- ``interrupts`` (points 1 and 2): SIGALRM raises an exception at moments
  spread evenly over calls (``--calls`` of them).  Printed: the calls
  answered, the ones the alarm interrupted, every other failure by type (an
  h11 error here is the poisoned pool), and the sockets left to the garbage
  collector (ResourceWarnings).
- ``stale`` (point 8): a server that closes a keep-alive connection once it
  has been idle ``--idle-ms``, and a client that posts (and asks
  rerouteAvailability, the GET) after pauses within ``--spread-ms`` of that,
  where the server's close and the client's reuse cross.  Printed: the
  answers, the `OutcomeUnknownError` per operation, and how many requests
  the server read, with the default ``keepalive_expiry`` and with one below
  the server's timeout.
- ``url`` (point 7): what a refused URL with credentials says.

    python benchmarks/probe_reliability.py [interrupts|stale|url ...] [--calls 1500]
        [--idle-ms 50] [--spread-ms 1] [--rounds 200]

It runs against an older checkout too (``PYTHONPATH=that/src``): what the
older client cannot do (``keepalive_expiry``) is left out of its report.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import gc
import select
import signal
import socket
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from typing import Any

import chatproto as cp
import transports
from transports.sync import AgentClient

OPTIONS: dict[str, Any] = {"site": "s", "agent_id": "12", "session_id": "node0probe", "timeout": 5.0}


class Interrupted(Exception):
    """What the alarm's handler raises."""


@contextlib.contextmanager
def serving(idle_seconds: float | None) -> Iterator[tuple[str, list[str]]]:
    """A loopback chat server: (its URL, the operation name of every request it read).

    ``idle_seconds``: close a keep-alive connection once it has been idle that
    long (None: keep it until the client closes it).
    """
    listener = socket.create_server(("127.0.0.1", 0))
    read: list[str] = []
    stop = threading.Event()

    def serve(sock: socket.socket) -> None:
        conn = cp.ServerConnection()
        between_requests = True
        with sock:
            while not stop.is_set():
                event = conn.next_event()
                if event is cp.NEED_DATA:
                    # Between requests the server's keep-alive timeout runs.
                    if not select.select([sock], [], [], idle_seconds if between_requests else None)[0]:
                        return  # idle too long: close the connection
                    try:
                        data = sock.recv(65536)
                    except OSError:
                        return
                    between_requests = False
                    conn.receive_data(data)
                    continue
                if not isinstance(event, cp.RequestReceived):
                    return
                read.append(event.operation.name)
                number = getattr(event.request, "sequence_number", None)
                sock.sendall(conn.send_response(200, cp.PostMessageResponse(sequence_number=number)))
                between_requests = True

    def accept() -> None:
        while not stop.is_set():
            if select.select([listener], [], [], 0.05)[0]:
                sock, _ = listener.accept()
                threading.Thread(target=serve, args=(sock,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", read
    finally:
        stop.set()
        thread.join(5.0)
        listener.close()


def probe_interrupts(calls: int) -> None:
    armed = False

    def handler(signum: int, frame: object) -> None:
        if armed:
            raise Interrupted

    previous = signal.signal(signal.SIGALRM, handler)
    outcomes: collections.Counter[str] = collections.Counter()
    try:
        with serving(None) as (url, _), AgentClient(url, **OPTIONS) as client:
            started = time.perf_counter()
            for _ in range(20):
                client.post_message("warm up", destination_id=27)
            span = (time.perf_counter() - started) / 20
            with warnings.catch_warnings(record=True) as leaks:
                warnings.simplefilter("always", ResourceWarning)
                for i in range(calls):
                    try:
                        try:
                            armed = True
                            signal.setitimer(signal.ITIMER_REAL, 1e-6 + span * 3 * (i % 97) / 97)
                            client.post_message("Hi", destination_id=27)
                            outcomes["answered"] += 1
                        finally:
                            armed = False
                    except Interrupted:
                        outcomes["interrupted"] += 1
                    except BaseException as exc:
                        outcomes[f"{type(exc).__module__}.{type(exc).__name__}"] += 1
                signal.setitimer(signal.ITIMER_REAL, 0)
                gc.collect()
            unclosed = sum(1 for leak in leaks if leak.category is ResourceWarning)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    print(f"interrupts: {calls} calls, alarms spread over {span * 3e6:.0f} us: {dict(outcomes)}")
    print(f"interrupts: sockets left to the garbage collector: {unclosed}")


def probe_stale(idle_ms: float, spread_ms: float, rounds: int) -> None:
    idle = idle_ms / 1000
    # Pauses from a little under the server's timeout to a little over it: the race is at its edge.
    pauses = [(idle_ms + spread_ms * ((i % 21) / 10 - 1)) / 1000 for i in range(rounds)]
    settings: list[tuple[str, dict[str, Any]]] = [("default keepalive_expiry", {})]
    try:
        AgentClient("http://127.0.0.1:1", keepalive_expiry=idle * 0.5, **OPTIONS).close()
    except TypeError:
        print("stale: this client has no keepalive_expiry")
    else:
        settings.append((f"keepalive_expiry={idle * 0.5:.3f}", {"keepalive_expiry": idle * 0.5}))
    for label, options in settings:
        for name, call in (
            ("postMessage", lambda c: c.post_message("Hi", destination_id=27)),
            ("rerouteAvailability", lambda c: c.send(cp.RerouteAvailabilityRequest(engagement_id=27))),
        ):
            outcomes: collections.Counter[str] = collections.Counter()
            with serving(idle) as (url, read), AgentClient(url, **{**OPTIONS, **options}) as client:
                for pause in pauses:
                    time.sleep(pause)
                    try:
                        call(client)
                        outcomes["answered"] += 1
                    except transports.OutcomeUnknownError:
                        outcomes["OutcomeUnknownError"] += 1
                    except Exception as exc:
                        outcomes[type(exc).__name__] += 1
            print(
                f"stale: {label}, {name} x{rounds} after pauses of {min(pauses) * 1000:.1f}-{max(pauses) * 1000:.1f}"
                f" ms, server idle timeout {idle_ms:.0f} ms: {dict(outcomes)}; requests the server read: {len(read)}"
            )


def probe_url() -> None:
    for url in ("ftp://agent:s3cret@chat.example.com", "https://chat.example.com/?token=s3cret"):
        try:
            AgentClient(url, **OPTIONS)
        except cp.LocalProtocolError as exc:
            shown = "SHOWS THE SECRET" if "s3cret" in str(exc) else "secret not shown"
            print(f"url: {url.replace('s3cret', '<secret>')!r} -> {exc} [{shown}]")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("probes", nargs="*", help="interrupts, stale, url (default: all)")
    parser.add_argument("--calls", type=int, default=1500)
    parser.add_argument("--idle-ms", type=float, default=50.0)
    parser.add_argument("--spread-ms", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args(argv)
    chosen = args.probes or ["interrupts", "stale", "url"]
    unknown = set(chosen) - {"interrupts", "stale", "url"}
    if unknown:
        parser.error(f"unknown probes: {sorted(unknown)}")
    if "interrupts" in chosen:
        probe_interrupts(args.calls)
    if "stale" in chosen:
        probe_stale(args.idle_ms, args.spread_ms, args.rounds)
    if "url" in chosen:
        probe_url()
    return 0


if __name__ == "__main__":
    sys.exit(main())
