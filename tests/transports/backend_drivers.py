"""Every backend of `transports._backends` behind one blocking interface, for the backend conformance suite.

A `Driver` opens streams with one backend under one runtime and carries
each stream operation out: directly for the blocking backends, and in an
event loop in a helper thread (an anyio blocking portal, on asyncio or
trio) for the async ones, so the same test drives them all.  The peer of
a stream is a real socket accepted from a loopback listener, or the far
end of a memory pair.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import struct
import threading
from collections.abc import Callable, Iterator
from typing import Any

from anyio.from_thread import BlockingPortal, start_blocking_portal

from transports._backends._threads import ThreadRuntime
from transports._backends.anyio import AnyioBackend, AnyioRuntime
from transports._backends.memory import AsyncMemoryBackend, MemoryBackend
from transports._backends.sync import SocketBackend
from transports._backends.trio import TrioBackend, TrioRuntime

#: kind -> (runtime, backend factory taking the accept callback for memory, event loop or None)
KINDS: dict[str, tuple[Any, Callable[[Callable[[Any], None]], Any], str | None]] = {
    "sync": (ThreadRuntime(), lambda accept: SocketBackend(), None),
    "anyio-asyncio": (AnyioRuntime(), lambda accept: AnyioBackend(), "asyncio"),
    "anyio-trio": (AnyioRuntime(), lambda accept: AnyioBackend(), "trio"),
    "trio": (TrioRuntime(), lambda accept: TrioBackend(), "trio"),
    "memory": (ThreadRuntime(), MemoryBackend, None),
    "memory-asyncio": (AnyioRuntime(), AsyncMemoryBackend, "asyncio"),
    "memory-trio": (TrioRuntime(), AsyncMemoryBackend, "trio"),
}
NETWORK_KINDS = [kind for kind in KINDS if not kind.startswith("memory")]

WAIT = 5.0


class SocketPeer:
    """The server's side of a loopback connection: a blocking stdlib socket."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        sock.settimeout(WAIT)

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def receive(self) -> bytes:
        return self.sock.recv(65536)

    def close(self) -> None:
        self.sock.close()

    def reset(self) -> None:
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()


class MemoryPeer:
    """The far end of a memory pair, its operations carried out like the near end's."""

    def __init__(self, driver: Driver, stream: Any) -> None:
        self._driver = driver
        self.stream = stream

    def send(self, data: bytes) -> None:
        self._driver.write(self.stream, data)

    def receive(self) -> bytes:
        return self._driver.read(self.stream)

    def close(self) -> None:
        self._driver.close(self.stream)

    def reset(self) -> None:
        self.stream.abort()


class Driver:
    """Streams of one kind, and their operations as blocking calls."""

    def __init__(self, kind: str, portal: BlockingPortal | None) -> None:
        self.kind = kind
        self.runtime, make_backend, _ = KINDS[kind]
        self.memory = kind.startswith("memory")
        self._far_ends: list[Any] = []
        self.refuse = False
        self.backend = make_backend(self._accept)
        self._portal = portal
        self._listener: socket.socket | None = None
        self.streams: list[Any] = []
        self._peer_sockets: list[socket.socket] = []

    def _accept(self, far_end: Any) -> None:
        if self.refuse:
            raise ConnectionRefusedError("refused by the test")
        self._far_ends.append(far_end)

    def _run(self, function: Callable[..., Any], *args: Any) -> Any:
        if self._portal is None:
            return function(*args)
        return self._portal.call(function, *args)

    def _run_within(self, seconds: float, function: Callable[..., Any], *args: Any) -> tuple[bool, Any]:
        """``function(*args)`` in a deadline scope of ``seconds``: (whether the deadline ended it, its result)."""
        runtime = self.runtime
        if self._portal is None:
            with runtime.move_on_at(runtime.current_time() + seconds) as scope:
                return False, function(*args)
            assert scope.cancelled_caught
            return True, None

        async def within() -> tuple[bool, Any]:
            with runtime.move_on_at(runtime.current_time() + seconds) as scope:
                return False, await function(*args)
            assert scope.cancelled_caught
            return True, None

        return self._portal.call(within)  # type: ignore[no-any-return]

    # Opening streams.

    def listen(self) -> tuple[str, int]:
        listener = self._listener = socket.create_server(("127.0.0.1", 0))
        return "127.0.0.1", listener.getsockname()[1]

    def connect(self, **tls: Any) -> tuple[Any, SocketPeer | MemoryPeer]:
        """A new stream and its peer (over plain TCP for the network kinds)."""
        host, port = ("memory.test", 1) if self.memory else self.listen()
        stream = self._run(self._connect, host, port, tls.get("ssl_context"), tls.get("server_hostname"))
        self.streams.append(stream)
        if self.memory:
            return stream, MemoryPeer(self, self._far_ends.pop())
        assert self._listener is not None
        sock, _ = self._listener.accept()
        self._peer_sockets.append(sock)
        return stream, SocketPeer(sock)

    def connect_to(self, host: str, port: int, **tls: Any) -> Any:
        stream = self._run(self._connect, host, port, tls.get("ssl_context"), tls.get("server_hostname"))
        self.streams.append(stream)
        return stream

    def connect_within(self, seconds: float, host: str, port: int, **tls: Any) -> Any:
        """A new stream, or None when the deadline ended the connect first."""
        ended, stream = self._run_within(
            seconds, self._connect, host, port, tls.get("ssl_context"), tls.get("server_hostname")
        )
        if not ended:
            self.streams.append(stream)
        return stream

    def _connect(self, host: str, port: int, ssl_context: ssl.SSLContext | None, server_hostname: str | None) -> Any:
        return self.backend.connect(host, port, ssl_context=ssl_context, server_hostname=server_hostname)

    # The four operations.

    def read(self, stream: Any) -> bytes:
        return self._run(stream.read)  # type: ignore[no-any-return]

    def read_within(self, stream: Any, seconds: float) -> bytes | None:
        """The next bytes, or None when the deadline ended the read first."""
        return self._run_within(seconds, stream.read)[1]  # type: ignore[no-any-return]

    def write(self, stream: Any, data: bytes) -> None:
        self._run(stream.write, data)

    def close(self, stream: Any) -> None:
        self._run(stream.close if self._portal is None else stream.aclose)

    def is_readable(self, stream: Any) -> bool:
        return stream.is_readable()  # type: ignore[no-any-return]

    def read_exactly(self, stream: Any, count: int) -> bytes:
        data = b""
        while len(data) < count:
            chunk = self.read(stream)
            assert chunk, f"the end of the stream after {len(data)} of {count} bytes"
            data += chunk
        return data

    def close_all(self) -> None:
        for stream in [*self.streams, *self._far_ends]:
            self.close(stream)
        for sock in self._peer_sockets:
            sock.close()
        if self._listener is not None:
            self._listener.close()


@contextlib.contextmanager
def driver_of(kind: str) -> Iterator[Driver]:
    loop = KINDS[kind][2]
    with contextlib.ExitStack() as stack:
        portal = None if loop is None else stack.enter_context(start_blocking_portal(loop))
        driver = Driver(kind, portal)
        try:
            yield driver
        finally:
            driver.close_all()


def receive_exactly(peer: SocketPeer | MemoryPeer, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = peer.receive()
        assert chunk, f"the end of the stream after {len(data)} of {count} bytes"
        data += chunk
    return data


def drain(peer: SocketPeer | MemoryPeer, into: bytearray) -> threading.Thread:
    """Read everything ``peer`` receives into ``into`` until the end of the stream, in a thread."""

    def run() -> None:
        while chunk := peer.receive():
            into.extend(chunk)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread
