"""A TCP byte stream for anyio built on a plain non-blocking socket.

anyio's own TCP stream on asyncio runs on an asyncio transport: every send
ends with an extra event-loop turn, and every receive resumes and pauses the
transport's reading.  For one short request and one short response per
exchange that is a quarter of the client's time.  This stream tries the
socket call first and waits (``anyio.wait_readable``/``wait_writable``) only
when the socket would block, on asyncio and trio alike; TLS runs on top of
it through anyio's `TLSStream`.

Owning the socket also means nothing reads from it behind our back, so an
idle connection whose socket is readable was closed (or spoken on) by the
server, exactly.
"""

from __future__ import annotations

import errno
import socket

import anyio
import anyio.abc
import anyio.lowlevel

_IN_PROGRESS = {errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EAGAIN}


class SocketStream(anyio.abc.ByteStream):
    """A connected non-blocking TCP socket as an anyio byte stream.

    ``receive`` raises `anyio.EndOfStream` at the end of the stream; socket
    failures are raised as the `OSError` they are.
    """

    def __init__(self, sock: socket.socket) -> None:
        self.socket = sock

    async def receive(self, max_bytes: int = 65536) -> bytes:
        sock = self.socket
        while True:
            # Wait first: a client reads when it expects an answer that has
            # seldom arrived yet, and a failed recv costs a system call and an
            # exception on top of the wait.
            await anyio.wait_readable(sock)
            try:
                data = sock.recv(max_bytes)
            except BlockingIOError:
                continue
            if not data:
                raise anyio.EndOfStream
            return data

    async def send(self, item: bytes) -> None:
        sock = self.socket
        view = memoryview(item)
        while view:
            try:
                sent = sock.send(view)
            except BlockingIOError:
                await anyio.wait_writable(sock)
            else:
                view = view[sent:]

    async def send_eof(self) -> None:
        self.socket.shutdown(socket.SHUT_WR)

    async def aclose(self) -> None:
        sock = self.socket
        if sock.fileno() >= 0:
            # Wake any task still waiting on it (there should be none) before the descriptor goes.
            anyio.notify_closing(sock)
            sock.close()
        await anyio.lowlevel.checkpoint()


async def connect(host: str, port: int) -> SocketStream:
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
