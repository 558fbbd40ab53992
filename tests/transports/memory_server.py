"""A chat server on the core's server role, served over the memory backend, and clients of every kind wired to it.

`MemoryChatServer` holds what the server does, scripted one action per
request as in `transport_server.ChatServer`: its `step` feeds bytes to a
`chatproto.ServerConnection` and says what to write and what then.  Two
small loops carry the steps out: one in a thread per connection for the
blocking client, one in a task per connection for the async clients (in
the same event loop as the client, through a blocking portal).
"""

from __future__ import annotations

import collections
import contextlib
import enum
import functools
import threading
from collections.abc import Iterator
from typing import Any

import anyio
from anyio.from_thread import start_blocking_portal
from transport_clients import KINDS, PortalClient, SyncClient
from transport_server import ok_response

import chatproto as cp
from transports._backends.memory import AsyncMemoryBackend, AsyncMemoryStream, MemoryBackend, MemoryStream

WAIT_TIMEOUT = 10.0
URL = "http://chat.test:8080"


class Act(enum.Enum):
    """What the server does with the next request."""

    OK = "ok"  # answer 200 and keep the connection
    OK_THEN_CLOSE = "ok-then-close"  # answer 200 (keep-alive), then close the idle connection
    ERROR_409 = "error-409"
    CLOSE = "close"  # close without answering
    RESET = "reset"  # reset the connection without answering
    GARBAGE = "garbage"  # answer with bytes that are not HTTP
    HANG = "hang"  # never answer


class Then(enum.Enum):
    """What a connection does after a step."""

    KEEP = "keep"
    CLOSE = "close"
    RESET = "reset"
    HANG = "hang"  # read until the client closes
    DONE = "done"  # the client closed


class MemoryChatServer:
    """The agent API on `chatproto.ServerConnection`; what it saw, for tests to wait on."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._acts: collections.deque[Act] = collections.deque()
        #: Every RequestReceived, in arrival order, with the index of its connection.
        self.requests: list[tuple[int, cp.RequestReceived]] = []
        #: Raw bytes received, per connection.
        self.raw: list[bytearray] = []
        self.client_closes = 0
        self.server_closes = 0
        #: Refuse the next connections (`accept` raises ConnectionRefusedError).
        self.refuse = False

    @property
    def connections_opened(self) -> int:
        return len(self.raw)

    def script(self, *acts: Act) -> None:
        with self._lock:
            self._acts.extend(acts)

    def wait_for(self, predicate: Any, timeout: float = WAIT_TIMEOUT) -> None:
        with self._lock:
            if not self._lock.wait_for(lambda: predicate(self), timeout):
                raise AssertionError(f"server state not reached in {timeout} s")

    def sequence_numbers(self) -> list[int]:
        return [received.request.sequence_number for _, received in self.requests]  # type: ignore[attr-defined]

    def open(self) -> int:
        """A new connection's index; ConnectionRefusedError when refusing."""
        with self._lock:
            if self.refuse:
                raise ConnectionRefusedError("the memory server refuses connections")
            self.raw.append(bytearray())
            self._lock.notify_all()
            return len(self.raw) - 1

    def note(self, then: Then) -> None:
        with self._lock:
            if then is Then.DONE:
                self.client_closes += 1
            elif then in (Then.CLOSE, Then.RESET):
                self.server_closes += 1
            self._lock.notify_all()

    def step(self, index: int, conn: cp.ServerConnection, data: bytes) -> tuple[bytes, Then]:
        """Feed ``data`` (``b""``: the client closed) and answer what is complete: (bytes to write, what then)."""
        with self._lock:
            self.raw[index] += data
        conn.receive_data(data)
        out = b""
        while True:
            try:
                event = conn.next_event()
            except cp.RemoteProtocolError as exc:
                return out + conn.send_error_for(exc), Then.CLOSE
            if event is cp.NEED_DATA:
                return out, Then.KEEP
            if isinstance(event, cp.ConnectionClosed):
                return out, Then.DONE
            assert isinstance(event, cp.RequestReceived)
            with self._lock:
                self.requests.append((index, event))
                act = self._acts.popleft() if self._acts else Act.OK
                self._lock.notify_all()
            number = event.request.sequence_number  # type: ignore[attr-defined]
            if act is Act.OK:
                out += conn.send_response(200, ok_response(number))
            elif act is Act.ERROR_409:
                out += conn.send_error(409, "CONFLICT", "the lead participant has left")
            elif act is Act.OK_THEN_CLOSE:
                return out + conn.send_response(200, ok_response(number)), Then.CLOSE
            elif act is Act.GARBAGE:
                return out + b"SSH-2.0-OpenSSH_9.6\r\n\r\n", Then.CLOSE
            elif act is Act.CLOSE:
                return out, Then.CLOSE
            elif act is Act.RESET:
                return out, Then.RESET
            else:
                return out, Then.HANG


def serve_blocking(server: MemoryChatServer, index: int, far: MemoryStream) -> None:
    """Serve one connection's far end until it ends (run in a thread)."""
    conn = cp.ServerConnection()
    then = Then.KEEP
    while then is Then.KEEP:
        out, then = server.step(index, conn, far.read())
        if out:
            far.write(out)
    while then is Then.HANG:
        then = Then.DONE if not far.read() else Then.HANG
    if then is Then.RESET:
        far.abort()
    else:
        far.close()
    server.note(then)


async def serve_async(server: MemoryChatServer, index: int, far: AsyncMemoryStream) -> None:
    """Serve one connection's far end until it ends (run in a task)."""
    conn = cp.ServerConnection()
    then = Then.KEEP
    while then is Then.KEEP:
        out, then = server.step(index, conn, await far.read())
        if out:
            await far.write(out)
    while then is Then.HANG:
        then = Then.DONE if not await far.read() else Then.HANG
    if then is Then.RESET:
        far.abort()
    else:
        await far.aclose()
    server.note(then)


class MemoryClients:
    """Makes clients of one kind that reach ``server`` through the memory backend; closes them at the end."""

    def __init__(self, kind: str, server: MemoryChatServer, portal: Any, task_group: Any) -> None:
        self.kind = kind
        self._portal = portal
        self._made: list[SyncClient | PortalClient] = []
        self._threads: list[threading.Thread] = []
        face = KINDS[kind][0].AgentClient
        if portal is None:
            self.backend: MemoryBackend | AsyncMemoryBackend = MemoryBackend(
                functools.partial(self._serve_thread, server)
            )
        else:
            self.backend = AsyncMemoryBackend(
                lambda far: task_group.start_soon(serve_async, server, server.open(), far)
            )
        # The face, with the memory backend in place of the network.
        self._client_class = type(face.__name__, (face,), {"_backend": self.backend, "__module__": face.__module__})

    def _serve_thread(self, server: MemoryChatServer, far: MemoryStream) -> None:
        thread = threading.Thread(target=serve_blocking, args=(server, server.open(), far), daemon=True)
        self._threads.append(thread)
        thread.start()

    def __call__(self, **options: Any) -> SyncClient | PortalClient:
        options.setdefault("site", "day001_221100_sql_001h")
        options.setdefault("agent_id", "12")
        options.setdefault("session_id", "node01h8m13tljpm7ns8nayp0pid91")
        options.setdefault("timeout", 5.0)
        make = functools.partial(self._client_class, URL, **options)
        wrapped = SyncClient(make()) if self._portal is None else PortalClient(self._portal, self._portal.call(make))
        self._made.append(wrapped)
        return wrapped

    def close_all(self) -> None:
        for client in self._made:
            client.close()
        for thread in self._threads:
            thread.join(WAIT_TIMEOUT)
            assert not thread.is_alive(), "a memory server thread did not stop"


@contextlib.contextmanager
def memory_clients(kind: str, server: MemoryChatServer) -> Iterator[MemoryClients]:
    loop = KINDS[kind][1]
    if loop is None:
        clients = MemoryClients(kind, server, None, None)
        try:
            yield clients
        finally:
            clients.close_all()
        return
    with start_blocking_portal(loop) as portal:
        future, task_group = portal.start_task(_host_servers)
        clients = MemoryClients(kind, server, portal, task_group)
        try:
            yield clients
        finally:
            clients.close_all()
            future.cancel()


async def _host_servers(*, task_status: anyio.abc.TaskStatus[Any]) -> None:
    """Own the task group the server's connection tasks run in, until cancelled."""
    async with anyio.create_task_group() as task_group:
        task_status.started(task_group)
        await anyio.sleep_forever()
