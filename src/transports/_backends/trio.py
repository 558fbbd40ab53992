"""The trio backend and runtime: trio's own TCP and TLS streams, cancel scopes and semaphores; no anyio."""

from __future__ import annotations

import errno
import os
import ssl

import trio

from . import READ_SIZE

_CLOSED = os.strerror(errno.EBADF)
#: What trio's streams raise when the connection failed (or a task closed it under another).
_BROKEN = (trio.BrokenResourceError, trio.ClosedResourceError)


class TrioStream:
    """A trio stream (TCP, or TLS over it) with the stream contract: `OSError` on failure."""

    __slots__ = ("_closed", "_socket", "_stream")

    def __init__(self, stream: trio.abc.Stream, sock: trio.socket.SocketType) -> None:
        self._stream = stream
        # The socket under the stream, to close it at once and to see whether an idle server hung up.
        self._socket = sock
        # trio's stream does not see its socket closed under it, and would wait on no descriptor.
        self._closed = False

    async def read(self) -> bytes:
        if self._closed:
            raise OSError(errno.EBADF, _CLOSED)
        try:
            # trio's TCP and TLS streams return bytes; its abstract stream also allows bytearray.
            return await self._stream.receive_some(READ_SIZE)  # type: ignore[return-value]
        except _BROKEN as exc:
            raise ConnectionResetError("the connection broke") from exc

    async def write(self, data: bytes) -> None:
        if self._closed:
            raise OSError(errno.EBADF, _CLOSED)
        try:
            await self._stream.send_all(data)
        except _BROKEN as exc:
            raise ConnectionResetError("the connection broke") from exc

    async def aclose(self) -> None:
        # HTTP needs no TLS goodbye, and closing trio's socket never waits, so
        # this works in a cancelled scope with no shield.
        self._closed = True
        self._socket.close()

    def is_readable(self) -> bool:
        return self._closed or self._socket.is_readable()


class TrioBackend:
    """Connects with ``trio.open_tcp_stream``, and `trio.SSLStream` for ``https://``."""

    __slots__ = ()

    async def connect(
        self, host: str, port: int, *, ssl_context: ssl.SSLContext | None, server_hostname: str | None
    ) -> TrioStream:
        tcp = await trio.open_tcp_stream(host, port)
        if ssl_context is None:
            return TrioStream(tcp, tcp.socket)
        # https_compatible: HTTP does not need the TLS close handshake.
        tls = trio.SSLStream(tcp, ssl_context, server_hostname=server_hostname, https_compatible=True)
        try:
            await tls.do_handshake()
        except BaseException as exc:
            tcp.socket.close()
            if isinstance(exc, trio.BrokenResourceError):
                raise ConnectionResetError("the TLS handshake failed") from exc
            raise
        return TrioStream(tls, tcp.socket)


class TrioRuntime:
    """trio's clock, cancel scopes and semaphores."""

    __slots__ = ()

    # The library's own functions, not wrappers: every call of a client uses
    # both, and a wrapper would add a function call (or a coroutine) to each.
    current_time = staticmethod(trio.current_time)

    def move_on_at(self, deadline: float) -> trio.CancelScope:
        return trio.CancelScope(deadline=deadline)

    checkpoint_if_cancelled = staticmethod(trio.lowlevel.checkpoint_if_cancelled)

    would_block = trio.WouldBlock

    def slots(self, total: int) -> trio.Semaphore:
        return trio.Semaphore(total)

    def wakeup(self) -> TrioWakeup:
        return TrioWakeup()


class TrioWakeup:
    """A wait another task can end: a `trio.Event`."""

    __slots__ = ("_event",)

    def __init__(self) -> None:
        self._event = trio.Event()

    def set(self) -> None:
        self._event.set()

    async def wait(self, seconds: float) -> None:
        with trio.move_on_after(seconds):
            await self._event.wait()
