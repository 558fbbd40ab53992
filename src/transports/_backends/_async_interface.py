"""What the client logic needs from an I/O library: streams, a way to open them, and a runtime.

The async and blocking clients share these definitions: the blocking ones
are generated from the async ones by scripts/unasync.py.
"""

from __future__ import annotations

import ssl
from types import TracebackType
from typing import Protocol


class AsyncStream(Protocol):
    """One open connection, as bytes in and bytes out."""

    async def read(self) -> bytes:
        """The next bytes that arrived, at most `READ_SIZE`; ``b""`` once the peer has ended the stream.

        Raises:
            OSError: the connection failed, or was closed by `aclose`.
        """

    async def write(self, data: bytes) -> None:
        """Write every byte of ``data`` (nothing at all for ``b""``).

        Raises:
            OSError: the connection failed, or was closed by `aclose`.
        """

    async def aclose(self) -> None:
        """Close the connection at once, without a TLS goodbye.

        It does not wait and raises nothing, in a cancelled scope too, and a
        second call does nothing.
        """

    def is_readable(self) -> bool:
        """Whether a read would return without waiting: bytes, the end of the stream or an error are there.

        It consumes nothing a later `read` would return.  An idle keep-alive
        connection has nothing to say, so True means the peer hung up (or
        broke the protocol).  A closed stream is readable.
        """


class AsyncBackend(Protocol):
    """Opens connections."""

    async def connect(
        self, host: str, port: int, *, ssl_context: ssl.SSLContext | None, server_hostname: str | None
    ) -> AsyncStream:
        """A stream connected to ``host``:``port``, through TLS when ``ssl_context`` is given.

        ``server_hostname`` is the name sent in SNI and checked against the
        certificate.  The time it may take is bounded by the caller's
        deadline scope (`AsyncRuntime.move_on_at`).

        Raises:
            OSError: no connection could be had (name resolution, refused,
                the TLS handshake or the certificate check failed).
        """


class DeadlineScope(Protocol):
    """A block its deadline ends: what waits inside gives up, and the block exits without an error."""

    @property
    def cancelled_caught(self) -> bool:
        """Whether the deadline passed and ended the block."""

    def __enter__(self) -> object: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None, /
    ) -> bool: ...


class AsyncSlots(Protocol):
    """Permits for open connections: a call holds one from checkout to checkin."""

    def acquire_nowait(self) -> None:
        """Take a permit if one is free, without waiting.

        Raises:
            Exception: the runtime's ``would_block``, when none is free.
        """

    async def acquire(self) -> None:
        """Wait for a permit and take it."""

    def release(self) -> None:
        """Give a permit back."""


class AsyncWakeup(Protocol):
    """A wait that another task (or, for the blocking runtime, another thread) can end early, for good."""

    def set(self) -> None:
        """End the current wait, and every later one, at once."""

    async def wait(self, seconds: float) -> None:
        """Wait ``seconds``, or until `set`; return at once if it was set already."""


class AsyncRuntime(Protocol):
    """An I/O library's clock, deadlines, cancellation and semaphores, as the client uses them."""

    @property
    def would_block(self) -> type[Exception]:
        """What `AsyncSlots.acquire_nowait` raises when no permit is free."""

    def current_time(self) -> float:
        """The library's monotonic clock, in seconds: what deadlines are measured on."""

    def move_on_at(self, deadline: float) -> DeadlineScope:
        """A scope that ends its block at ``deadline`` (``math.inf``: never)."""

    async def checkpoint_if_cancelled(self) -> None:
        """Raise the library's cancellation if the caller's scope is cancelled already."""

    def slots(self, total: int) -> AsyncSlots:
        """``total`` permits for connections, made in the event loop that will use them."""

    def wakeup(self) -> AsyncWakeup:
        """A new `AsyncWakeup`, made in the event loop that will use it (the poll loop's backoff)."""
