"""The in-memory backend, for tests: connected pairs of streams, the far end served in the same process.

`MemoryBackend` (blocking) and `AsyncMemoryBackend` (anyio, so on asyncio
and trio alike, native trio included) make a pair at each ``connect``,
return the near end and hand the far end to ``accept``, which serves it
(in a thread, or a task) or raises `OSError` to refuse the connection.
Both ends are ordinary streams: a test server reads and writes the far end
with the same four operations the client uses, plus `abort` to reset.

The two kinds share `_End`, which holds the bytes and the state of one
end; they differ only in how a reader waits for a change.  A blocking read waits
within its thread's deadline (`_threads.time_left`); an async one is
cancelled by its scope.  TLS is not emulated.
"""

from __future__ import annotations

import errno
import os
import ssl
import threading
from collections.abc import Callable

import anyio

from . import READ_SIZE
from ._threads import time_left


class _Half:
    """What travels one way: the bytes not read yet, and how the writing end stopped."""

    __slots__ = ("data", "ended", "reset")

    def __init__(self) -> None:
        self.data = bytearray()
        self.ended = False  # the writer closed: the reader sees b"" after the data
        self.reset = False  # the writer aborted: the reader's next call fails


class _End:
    """One end's view of a pair: what it reads, what it writes, and whether it is closed."""

    __slots__ = ("closed", "inbound", "outbound")

    def __init__(self, inbound: _Half, outbound: _Half) -> None:
        self.inbound = inbound
        self.outbound = outbound
        self.closed = False

    def take(self) -> bytes | None:
        """The next bytes, ``b""`` at the end, or None when a read must wait."""
        self._check()
        inbound = self.inbound
        if inbound.data:
            chunk = bytes(inbound.data[:READ_SIZE])
            del inbound.data[:READ_SIZE]
            return chunk
        return b"" if inbound.ended else None

    def put(self, data: bytes) -> None:
        self._check()
        if self.inbound.ended:  # the peer closed: its end reads no more
            raise BrokenPipeError(errno.EPIPE, "the peer closed the connection")
        self.outbound.data += data

    def close(self, *, reset: bool) -> None:
        if not self.closed:
            self.closed = True
            self.outbound.ended = True
            self.outbound.reset = reset

    def readable(self) -> bool:
        inbound = self.inbound
        return self.closed or inbound.ended or bool(inbound.data)

    def _check(self) -> None:
        if self.closed:
            raise OSError(errno.EBADF, os.strerror(errno.EBADF))
        if self.inbound.reset:
            raise ConnectionResetError(errno.ECONNRESET, "the peer reset the connection")


def _ends() -> tuple[_End, _End]:
    one_way, other_way = _Half(), _Half()
    return _End(other_way, one_way), _End(one_way, other_way)


class MemoryStream:
    """One end of a blocking in-memory pair; reads wait within the thread's deadline."""

    __slots__ = ("_changed", "_end")

    def __init__(self, end: _End, changed: threading.Condition) -> None:
        self._end = end
        self._changed = changed

    def read(self) -> bytes:
        with self._changed:
            while (chunk := self._end.take()) is None:
                # Once the deadline has passed, time_left raises DeadlineReached.
                self._changed.wait(time_left())
            return chunk

    def write(self, data: bytes) -> None:
        with self._changed:
            self._end.put(data)
            self._changed.notify_all()

    def close(self) -> None:
        self._finish(reset=False)

    def abort(self) -> None:
        """Close so that the peer's next read or write fails with `ConnectionResetError`, as after a TCP reset."""
        self._finish(reset=True)

    def is_readable(self) -> bool:
        with self._changed:
            return self._end.readable()

    def _finish(self, *, reset: bool) -> None:
        with self._changed:
            self._end.close(reset=reset)
            self._changed.notify_all()


def memory_pair() -> tuple[MemoryStream, MemoryStream]:
    """Two connected blocking streams: what one writes, the other reads."""
    changed = threading.Condition()
    near, far = _ends()
    return MemoryStream(near, changed), MemoryStream(far, changed)


class _Changed:
    """Wakes every task waiting on a pair when something about it changed."""

    __slots__ = ("_event",)

    def __init__(self) -> None:
        self._event: anyio.Event | None = None

    async def wait(self) -> None:
        if self._event is None:
            self._event = anyio.Event()
        await self._event.wait()

    def notify(self) -> None:
        if self._event is not None:
            self._event.set()
            self._event = None


class AsyncMemoryStream:
    """One end of an async in-memory pair; reads are cancelled by their scope."""

    __slots__ = ("_changed", "_end")

    def __init__(self, end: _End, changed: _Changed) -> None:
        self._end = end
        self._changed = changed

    async def read(self) -> bytes:
        while (chunk := self._end.take()) is None:
            await self._changed.wait()
        return chunk

    async def write(self, data: bytes) -> None:
        self._end.put(data)
        self._changed.notify()

    async def aclose(self) -> None:
        self._finish(reset=False)

    def abort(self) -> None:
        """Close so that the peer's next read or write fails with `ConnectionResetError`, as after a TCP reset."""
        self._finish(reset=True)

    def is_readable(self) -> bool:
        return self._end.readable()

    def _finish(self, *, reset: bool) -> None:
        self._end.close(reset=reset)
        self._changed.notify()


def async_memory_pair() -> tuple[AsyncMemoryStream, AsyncMemoryStream]:
    """Two connected async streams: what one writes, the other reads."""
    changed = _Changed()
    near, far = _ends()
    return AsyncMemoryStream(near, changed), AsyncMemoryStream(far, changed)


def _refuse_tls(ssl_context: ssl.SSLContext | None) -> None:
    if ssl_context is not None:
        raise ValueError("the memory backend carries no TLS: use an http:// URL")


class MemoryBackend:
    """Connects blocking clients to an in-process server: ``accept`` gets the far end of each new pair."""

    def __init__(self, accept: Callable[[MemoryStream], object]) -> None:
        self.accept = accept
        #: ``(host, port)`` of every connection asked for, in order.
        self.connects: list[tuple[str, int]] = []

    def connect(
        self, host: str, port: int, *, ssl_context: ssl.SSLContext | None, server_hostname: str | None
    ) -> MemoryStream:
        _refuse_tls(ssl_context)
        self.connects.append((host, port))
        near, far = memory_pair()
        self.accept(far)
        return near


class AsyncMemoryBackend:
    """Connects async clients to an in-process server: ``accept`` gets the far end of each new pair."""

    def __init__(self, accept: Callable[[AsyncMemoryStream], object]) -> None:
        self.accept = accept
        #: ``(host, port)`` of every connection asked for, in order.
        self.connects: list[tuple[str, int]] = []

    async def connect(
        self, host: str, port: int, *, ssl_context: ssl.SSLContext | None, server_hostname: str | None
    ) -> AsyncMemoryStream:
        _refuse_tls(ssl_context)
        self.connects.append((host, port))
        near, far = async_memory_pair()
        self.accept(far)
        return near
