"""The keep-alive pool: connections opened, reused while the core allows, closed otherwise, and bounded.

A call takes a connection with `checkout` and gives it back with `checkin`,
whatever happened to it: one the core says can carry another request goes
back to the idle list, any other is closed, so nothing half-used is reused.
An idle connection that has something to read when it is taken was closed
(or spoken on) by the server, and is closed too.

Idle connections expire ``keepalive_expiry`` seconds after their last
answer, measured on the runtime's clock: a server closes the connections it
keeps alive after a while of its own, and one that does so just as the
client reuses one makes a request that fails without an answer.  Taking
connections back before the shortest common server timeout keeps that race
away from most calls (see `transports._options.DEFAULT_KEEPALIVE_EXPIRY`).

An exception that lands anywhere in here (a KeyboardInterrupt, a
cancellation) closes the connection in hand before it goes on, rather than
leaving its socket to the garbage collector.

A call holds one of the runtime's slots from checkout to checkin.  For
async clients there are ``max_connections`` of them, so at most that many
connections are open and a call waits for a free one (within its
deadline); a blocking client's slots are unlimited, and it keeps at most
``max_connections`` idle.  The lock makes each step of the pool atomic
among the threads that share a blocking client.  In one event loop the
steps are atomic already (none of them waits), so there it is never
contended, and an uncontended thread lock costs less than a do-nothing
context manager written in Python.

The async and blocking clients share this code: the blocking one is
generated from the async one by scripts/unasync.py.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import chatproto as cp

from .._backends._async_interface import AsyncBackend, AsyncRuntime, AsyncSlots, AsyncStream
from .._outcomes import connect_error
from .._url import Endpoint

#: The core's state for one connection: `chatproto.ClientConnection` to the
#: chat server, or `chatproto.SiteConnection` for the site calls.
ProtoT = TypeVar("ProtoT", cp.ClientConnection, cp.SiteConnection)


class AsyncConnection(Generic[ProtoT]):
    """A pooled connection: the backend's stream, and the core's state for it."""

    __slots__ = ("idle_since", "proto", "reused", "stream")

    def __init__(self, stream: AsyncStream, proto: ProtoT) -> None:
        self.stream = stream
        self.proto: ProtoT = proto
        #: When it last went back to the idle list, on the runtime's clock.
        self.idle_since = 0.0
        #: Whether `checkout` took it from the idle list (it carried a request before).
        self.reused = False


class AsyncPool(Generic[ProtoT]):
    """The connections of one client to one endpoint; ``new_proto`` makes the core's state of each."""

    def __init__(
        self,
        runtime: AsyncRuntime,
        backend: AsyncBackend,
        endpoint: Endpoint,
        *,
        ssl_context: ssl.SSLContext | None,
        new_proto: Callable[[], ProtoT],
        max_connections: int,
        keepalive_expiry: float,
        lock: threading.Lock | None = None,
    ) -> None:
        self._runtime = runtime
        self._backend = backend
        self.endpoint = endpoint
        self._ssl_context = ssl_context
        self._new_proto: Callable[[], ProtoT] = new_proto
        self._max_connections = max_connections
        self._keepalive_expiry = keepalive_expiry
        # Made on first use, inside the event loop they belong to.
        self._slots: AsyncSlots | None = None
        # Oldest first: each goes to the end when it comes back, and is taken from there.
        self._idle: list[AsyncConnection[ProtoT]] = []
        #: Taken for every step that must not interleave with another call's.  The
        #: pools of one client share it (``lock``): each numbers the one session.
        self.lock = threading.Lock() if lock is None else lock
        #: Set by `aclose`: no connection goes back to the idle list after it.
        self.closed = False

    async def checkout(self, *, fresh: bool = False) -> AsyncConnection[ProtoT]:
        """An idle connection that has not expired and that the server has not closed, or a new one.

        ``fresh``: a new one, whatever is idle.

        Raises:
            ConnectError: no new connection could be had.
        """
        slots = self._slots
        if slots is None:
            slots = self._slots = self._runtime.slots(self._max_connections)
        try:
            slots.acquire_nowait()  # no checkpoint (an event-loop turn) when one is free
        except self._runtime.would_block:
            await slots.acquire()
        conn: AsyncConnection[ProtoT] | None = None
        try:
            if not fresh:
                oldest_kept = self._runtime.current_time() - self._keepalive_expiry
                while True:
                    with self.lock:
                        conn = self._take_idle(oldest_kept)
                    if conn is None:
                        break
                    if conn.idle_since > oldest_kept and not conn.stream.is_readable():
                        conn.reused = True
                        return conn
                    await conn.stream.aclose()
            return await self._connect()
        except BaseException:
            if conn is not None:
                await self.drop(conn)  # an idle one in hand (dropped already, perhaps)
            slots.release()
            raise

    def _take_idle(self, oldest_kept: float) -> AsyncConnection[ProtoT] | None:
        """The oldest idle connection if it went idle before ``oldest_kept`` (to be closed), else
        the newest (the likeliest to be alive), or None; called under the lock."""
        idle = self._idle
        if not idle:
            return None
        index = 0 if idle[0].idle_since <= oldest_kept else -1
        # Indexing and del, not pop(): no exception can land between taking it
        # off the list and the caller holding it (one can after a call returns).
        conn = idle[index]
        del idle[index]
        return conn

    async def checkin(self, conn: AsyncConnection[ProtoT]) -> None:
        """Give back a connection from `checkout`: kept idle if the core allows, closed otherwise."""
        slots = self._slots
        assert slots is not None, "checkout made them"
        try:
            proto = conn.proto
            if proto.can_reuse:
                conn.idle_since = self._runtime.current_time()
                with self.lock:
                    if not self.closed and len(self._idle) < self._max_connections:
                        self._idle.append(conn)
                        return
            await self.drop(conn)
        except BaseException:
            # Interrupted before it was pooled or closed.  (Just after it was
            # pooled, it is closed in the idle list, and a closed stream reads
            # as readable: the next checkout drops it.)
            await self.drop(conn)
            raise
        finally:
            slots.release()

    async def drop(self, conn: AsyncConnection[ProtoT]) -> None:
        """Close ``conn`` for good (its slot is `checkin`'s to give back).

        Dropped perhaps mid-request, it is abandoned first: the core frees
        what its exchange held (a poll slot).  Dropping twice does nothing more.
        """
        conn.proto.abandon()
        await conn.stream.aclose()

    async def aclose(self) -> None:
        """Close the idle connections; those checked out are closed at their checkin."""
        with self.lock:
            self.closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            await conn.stream.aclose()

    async def _connect(self) -> AsyncConnection[ProtoT]:
        endpoint = self.endpoint
        ssl_context = self._ssl_context
        # Made before the stream, so that nothing can fail between connecting and pooling.
        proto = self._new_proto()
        try:
            stream = await self._backend.connect(
                endpoint.host,
                endpoint.port,
                ssl_context=ssl_context,
                server_hostname=None if ssl_context is None else endpoint.host,
            )
        except OSError as exc:
            raise connect_error(endpoint, exc) from exc
        try:
            return AsyncConnection(stream, proto)
        except BaseException:
            await stream.aclose()
            raise


class AsyncPollPool(AsyncPool[cp.ClientConnection]):
    """The poll's own pool of one connection, so that posts never wait behind a held poll.

    It knows the connection in use, so that closing the client ends a poll
    held in another task (or thread) at once: `aclose` closes that
    connection's stream under the waiting read, which fails, and the call
    that made it drops the connection (abandoning the core's exchange frees
    the session's poll slot).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: The connection a poll is using, if any.
        self.in_use: AsyncConnection[cp.ClientConnection] | None = None

    async def checkout(self, *, fresh: bool = False) -> AsyncConnection[cp.ClientConnection]:
        conn = await super().checkout(fresh=fresh)
        self.in_use = conn
        if self.closed:  # closed while it connected: the poll must not wait on it
            await conn.stream.aclose()
        return conn

    async def checkin(self, conn: AsyncConnection[cp.ClientConnection]) -> None:
        self.in_use = None
        await super().checkin(conn)

    async def aclose(self) -> None:
        await super().aclose()
        await self.interrupt()

    async def interrupt(self) -> None:
        """Close the idle connection, and the stream of the one in use, whose poll then fails at once."""
        with self.lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            await conn.stream.aclose()
        in_use = self.in_use
        if in_use is not None:
            # Only the stream: the core's state is the polling call's, which drops the connection.
            await in_use.stream.aclose()
