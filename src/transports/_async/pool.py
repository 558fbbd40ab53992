"""The keep-alive pool: connections opened, reused while the core allows, closed otherwise, and bounded.

A call takes a connection with `checkout` and gives it back with `checkin`,
whatever happened to it: one the core says can carry another request goes
back to the idle list, any other is closed, so nothing half-used is reused.
An idle connection that has something to read when it is taken was closed
(or spoken on) by the server, and is closed too.

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

import chatproto as cp

from .._backends._async_interface import AsyncBackend, AsyncRuntime, AsyncSlots, AsyncStream
from .._outcomes import connect_error
from .._url import Endpoint


class AsyncConnection:
    """A pooled connection: the backend's stream, and the core's state for it."""

    __slots__ = ("proto", "stream")

    def __init__(self, stream: AsyncStream, proto: cp.ClientConnection) -> None:
        self.stream = stream
        self.proto = proto


class AsyncPool:
    """The connections of one client, to its one endpoint."""

    def __init__(
        self,
        runtime: AsyncRuntime,
        backend: AsyncBackend,
        endpoint: Endpoint,
        *,
        ssl_context: ssl.SSLContext | None,
        session: cp.AgentSession,
        limits: cp.Limits,
        max_connections: int,
    ) -> None:
        self._runtime = runtime
        self._backend = backend
        self._endpoint = endpoint
        self._ssl_context = ssl_context
        self._session = session
        self._limits = limits
        self._max_connections = max_connections
        # Made on first use, inside the event loop they belong to.
        self._slots: AsyncSlots | None = None
        self._idle: list[AsyncConnection] = []
        #: Taken for every step that must not interleave with another call's.
        self.lock = threading.Lock()
        #: Set by `aclose`: no connection goes back to the idle list after it.
        self.closed = False

    async def checkout(self) -> AsyncConnection:
        """An idle connection the server has not closed, or a new one.

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
        try:
            while True:
                with self.lock:
                    conn = self._idle.pop() if self._idle else None
                if conn is None:
                    return await self._connect()
                if not conn.stream.is_readable():
                    return conn
                await conn.stream.aclose()
        except BaseException:
            slots.release()
            raise

    async def checkin(self, conn: AsyncConnection) -> None:
        """Give back a connection from `checkout`: kept idle if the core allows, closed otherwise."""
        slots = self._slots
        assert slots is not None, "checkout made them"
        try:
            proto = conn.proto
            if proto.can_reuse:
                with self.lock:
                    if not self.closed and len(self._idle) < self._max_connections:
                        self._idle.append(conn)
                        return
            # Dropped, perhaps mid-request: the core frees what its exchange held (a poll slot).
            proto.abandon()
            await conn.stream.aclose()
        finally:
            slots.release()

    async def aclose(self) -> None:
        """Close the idle connections; those checked out are closed at their checkin."""
        with self.lock:
            self.closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            await conn.stream.aclose()

    async def _connect(self) -> AsyncConnection:
        endpoint = self._endpoint
        ssl_context = self._ssl_context
        try:
            stream = await self._backend.connect(
                endpoint.host,
                endpoint.port,
                ssl_context=ssl_context,
                server_hostname=None if ssl_context is None else endpoint.host,
            )
        except OSError as exc:
            raise connect_error(endpoint, exc) from exc
        return AsyncConnection(stream, cp.ClientConnection(self._session, limits=self._limits))
