"""The anyio backend and runtime (asyncio or trio): plain non-blocking sockets, and anyio's TLS on top.

anyio's own TCP stream on asyncio runs on an asyncio transport: every send
ends with an extra event-loop turn, and every receive resumes and pauses the
transport's reading.  For one short request and one short response per
exchange that is a quarter of the client's time.  `SocketStream` tries the
socket call first and waits (``anyio.wait_readable``/``wait_writable``) only
when the socket would block, on asyncio and trio alike; TLS runs on top of
it through anyio's `TLSStream`.

Owning the socket also means nothing reads from it behind our back, so an
idle connection whose socket is readable was closed (or spoken on) by the
server, exactly.
"""

from __future__ import annotations

import errno
import os
import socket
import ssl

import anyio
import anyio.abc
import anyio.lowlevel
from anyio.streams.tls import TLSStream

from . import READ_SIZE
from ._readiness import is_readable

_IN_PROGRESS = {errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EAGAIN}


class SocketStream(anyio.abc.ByteStream):
    """A connected non-blocking TCP socket: a stream for the client, and a byte stream for `TLSStream`."""

    def __init__(self, sock: socket.socket) -> None:
        self.socket = sock

    async def read(self, max_bytes: int = READ_SIZE) -> bytes:
        sock = self.socket
        while True:
            # Wait first: a client reads when it expects an answer that has
            # seldom arrived yet, and a failed recv costs a system call and an
            # exception on top of the wait.
            try:
                await anyio.wait_readable(sock)
            except ValueError:
                if sock.fileno() >= 0:
                    raise
                # anyio takes no closed socket; fail as recv on one would.
                raise OSError(errno.EBADF, os.strerror(errno.EBADF)) from None
            except anyio.ClosedResourceError:
                # Another task closed it under this read (closing the client ends a held poll).
                raise OSError(errno.EBADF, os.strerror(errno.EBADF)) from None
            try:
                return sock.recv(max_bytes)
            except BlockingIOError:
                continue

    async def write(self, data: bytes) -> None:
        sock = self.socket
        remaining: bytes | memoryview = data
        while remaining:
            try:
                sent = sock.send(remaining)
            except BlockingIOError:
                await anyio.wait_writable(sock)
            else:
                # A request usually fits the socket's buffer: one send, and no view to make.
                if sent == len(remaining):
                    return
                remaining = memoryview(remaining)[sent:]

    async def aclose(self) -> None:
        # No checkpoint: closing a socket never waits, so it also works in a cancelled scope.
        sock = self.socket
        if sock.fileno() >= 0:
            # Wake any task still waiting on it (there should be none) before the descriptor goes.
            anyio.notify_closing(sock)
            sock.close()

    def is_readable(self) -> bool:
        return is_readable(self.socket)

    # What anyio's ByteStream adds, for TLSStream to run on.

    async def receive(self, max_bytes: int = READ_SIZE) -> bytes:
        data = await self.read(max_bytes)
        if not data:
            raise anyio.EndOfStream
        return data

    async def send(self, item: bytes) -> None:
        await self.write(item)

    async def send_eof(self) -> None:
        self.socket.shutdown(socket.SHUT_WR)


class TLSSocketStream:
    """anyio's `TLSStream` over a `SocketStream`, with the stream contract: ``b""`` at the end, `OSError` on failure."""

    __slots__ = ("_tcp", "_tls")

    def __init__(self, tls: TLSStream, tcp: SocketStream) -> None:
        self._tls = tls
        self._tcp = tcp

    async def read(self) -> bytes:
        try:
            return await self._tls.receive(READ_SIZE)
        except anyio.EndOfStream:
            return b""
        except (anyio.BrokenResourceError, anyio.ClosedResourceError) as exc:
            raise self._failure() from exc

    async def write(self, data: bytes) -> None:
        if not data:
            return
        try:
            await self._tls.send(data)
        except (anyio.BrokenResourceError, anyio.ClosedResourceError) as exc:
            raise self._failure() from exc

    async def aclose(self) -> None:
        # HTTP needs no TLS goodbye: closing the socket is the whole of it.
        await self._tcp.aclose()

    def is_readable(self) -> bool:
        return self._tcp.is_readable()

    def _failure(self) -> OSError:
        """The OSError for TLS that broke: the socket's own failure when it was closed."""
        if self._tcp.socket.fileno() < 0:
            return OSError(errno.EBADF, os.strerror(errno.EBADF))
        return ConnectionResetError("the TLS connection broke")


class AnyioBackend:
    """Connects a non-blocking socket itself, and wraps it in anyio's TLS for ``https://``."""

    __slots__ = ()

    async def connect(
        self, host: str, port: int, *, ssl_context: ssl.SSLContext | None, server_hostname: str | None
    ) -> SocketStream | TLSSocketStream:
        tcp = await _connect_tcp(host, port)
        if ssl_context is None:
            return tcp
        try:
            # HTTP does not need the TLS close handshake (anyio's "standard
            # compatible" mode would report a server's plain close as an error).
            tls = await TLSStream.wrap(
                tcp, hostname=server_hostname, ssl_context=ssl_context, standard_compatible=False
            )
        except BaseException as exc:
            await tcp.aclose()
            if isinstance(exc, anyio.BrokenResourceError | anyio.EndOfStream):
                raise ConnectionResetError("the TLS handshake failed") from exc
            raise
        return TLSSocketStream(tls, tcp)


async def _connect_tcp(host: str, port: int) -> SocketStream:
    """Connect to ``host``:``port``, trying each address in turn.

    Raises:
        OSError: name resolution failed, or every address refused or failed.
    """
    addresses = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    last_error: OSError | None = None
    for family, kind, proto, _, address in addresses:
        sock = socket.socket(family, kind, proto)
        try:
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            code = sock.connect_ex(address)
            if code in _IN_PROGRESS:
                await anyio.wait_writable(sock)
                code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if code:
                raise OSError(code, f"connect to {address[0]} port {address[1]} failed: {errno.errorcode.get(code)}")
        except BaseException as exc:
            sock.close()
            if not isinstance(exc, OSError):
                raise
            last_error = exc
            continue
        return SocketStream(sock)
    raise last_error or OSError(f"no address found for {host}")


class AnyioRuntime:
    """anyio's clock, cancel scopes and semaphores."""

    __slots__ = ()

    # The library's own functions, not wrappers: every call of a client uses
    # both, and a wrapper would add a function call (or a coroutine) to each.
    current_time = staticmethod(anyio.current_time)

    def move_on_at(self, deadline: float) -> anyio.CancelScope:
        return anyio.CancelScope(deadline=deadline)

    checkpoint_if_cancelled = staticmethod(anyio.lowlevel.checkpoint_if_cancelled)

    would_block = anyio.WouldBlock

    def slots(self, total: int) -> anyio.Semaphore:
        return anyio.Semaphore(total)

    def wakeup(self) -> AnyioWakeup:
        return AnyioWakeup()


class AnyioWakeup:
    """A wait another task can end: an `anyio.Event`."""

    __slots__ = ("_event",)

    def __init__(self) -> None:
        self._event = anyio.Event()

    def set(self) -> None:
        self._event.set()

    async def wait(self, seconds: float) -> None:
        with anyio.move_on_after(seconds):
            await self._event.wait()
