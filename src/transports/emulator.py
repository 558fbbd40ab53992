"""The emulator's server loop: `chatproto.emulator.Emulator` served over TCP with anyio.

Each connection is one `chatproto.ServerConnection`; its events go to the
emulator, and the loop does what the emulator's `Reply` says (wait, close,
or answer).  The loop adds what only an adapter can: the clock, random
session ids, and time limits.  A client gets ``request_timeout`` seconds to
deliver each whole request, which bounds idle keep-alive connections and
clients that send slowly alike; when it runs out the connection is closed.
Malformed HTTP and requests over the `chatproto.Limits` are answered with
the 4xx the core chooses and the connection is closed.  A failure on one
connection never reaches another.

From async code::

    server = EmulatorServer(port=0)
    async with anyio.create_task_group() as tg:
        url = await tg.start(server.serve)     # "http://127.0.0.1:PORT", accepting

From sync code (tests, the demo), on an event loop of its own in a thread::

    with BackgroundEmulator() as server:
        session = server.open_session("12")
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

import anyio
import anyio.abc
import anyio.from_thread
from anyio.abc import SocketAttribute

import chatproto as cp
from chatproto.emulator import (
    DEFAULT_BACKEND,
    DEFAULT_HOST,
    DEFAULT_LIMITS,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_PORT,
    DEFAULT_REQUEST_TIMEOUT,
    Emulator,
    FaultPlan,
    SessionInfo,
)

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_MAX_CONNECTIONS",
    "DEFAULT_PORT",
    "DEFAULT_REQUEST_TIMEOUT",
    "BackgroundEmulator",
    "EmulatorServer",
    "new_session_id",
]

_T = TypeVar("_T")
logger = logging.getLogger(__name__)

# DEFAULT_HOST, DEFAULT_PORT, DEFAULT_REQUEST_TIMEOUT and DEFAULT_MAX_CONNECTIONS are
# the core's (chatproto.emulator), exported here too as they always were.
#: After an error answer, how long the client's remaining bytes are read and
#: discarded before closing, so the close does not reset the connection
#: (which could destroy the answer before the client has read it).
_LINGER_SECONDS = 1.0
_READ_SIZE = 65536


def new_session_id() -> str:
    """A fresh, unguessable agent session id (128 random bits), shaped like Oracle's."""
    return "node0" + secrets.token_hex(16)


def _epoch_ms() -> int:
    return time.time_ns() // 1_000_000


class EmulatorServer:
    """Serves an `Emulator` on ``host``:``port`` until cancelled.

    Args:
        emulator: the state to serve; a new `Emulator` with random session ids
            by default.
        host: the address to listen on (loopback by default).
        port: the port; 0 picks a free one.
        request_timeout: seconds a client has to deliver each whole request.
        limits: bounds on what a client may send.
        max_connections: connections served at once.
    """

    def __init__(
        self,
        emulator: Emulator | None = None,
        *,
        host: str = DEFAULT_HOST,
        port: int = 0,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
        limits: cp.Limits | None = None,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
    ) -> None:
        self.emulator = emulator if emulator is not None else Emulator(session_id_factory=new_session_id)
        self.host = host
        self.port = port
        self.request_timeout = request_timeout
        self.limits = limits if limits is not None else DEFAULT_LIMITS
        self.max_connections = max_connections
        self.url: str | None = None
        self._connections = 0

    async def serve(self, *, task_status: anyio.abc.TaskStatus[str] = anyio.TASK_STATUS_IGNORED) -> None:
        """Listen, report the URL through ``task_status`` once accepting, and serve until cancelled."""
        listener = await anyio.create_tcp_listener(local_host=self.host, local_port=self.port)
        async with listener:
            address = listener.extra(SocketAttribute.local_address)
            host, port = address[0], address[1]
            self.url = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
            task_status.started(self.url)
            await listener.serve(self._serve_connection)

    async def _serve_connection(self, stream: anyio.abc.SocketStream) -> None:
        if self._connections >= self.max_connections:
            await stream.aclose()
            return
        self._connections += 1
        try:
            async with stream:
                await self._converse(stream)
        except (OSError, anyio.BrokenResourceError, anyio.ClosedResourceError, anyio.EndOfStream):
            pass  # the client went away; nothing to answer
        except Exception:
            # A bug must cost one connection, never the server.
            logger.exception("emulator: a connection failed")
        finally:
            self._connections -= 1

    async def _converse(self, stream: anyio.abc.SocketStream) -> None:
        conn = cp.ServerConnection(limits=self.limits)
        emulator = self.emulator
        while True:
            try:
                with anyio.fail_after(self.request_timeout):
                    event = await _next_event(conn, stream)
            except TimeoutError:
                return
            except cp.RemoteProtocolError as exc:
                await _answer_and_close(stream, conn.send_error_for(exc))
                return
            if event is None:
                return
            reply = emulator.handle(event, now_ms=_epoch_ms())
            if reply.delay_ms:
                await anyio.sleep(reply.delay_ms / 1000)
            if reply.drop:
                return
            await stream.send(conn.send_response(reply.status, reply.body, headers=reply.headers))
            if not conn.can_reuse:
                return


async def _next_event(
    conn: cp.ServerConnection, stream: anyio.abc.SocketStream
) -> cp.RequestReceived | cp.InvalidRequest | cp.HTTPRequestReceived | None:
    """The next request on the connection, or None once the client has closed it."""
    ended = False
    while True:
        event = conn.next_event()
        if isinstance(event, cp.ConnectionClosed):
            return None
        if event is not cp.NEED_DATA:
            return event
        if ended:
            return None  # nothing more can arrive
        try:
            data = await stream.receive(_READ_SIZE)
        except anyio.EndOfStream:
            data = b""
            ended = True
        conn.receive_data(data)


async def _answer_and_close(stream: anyio.abc.SocketStream, data: bytes) -> None:
    if data:
        await stream.send(data)
    await stream.send_eof()
    with anyio.move_on_after(_LINGER_SECONDS), contextlib.suppress(anyio.EndOfStream):
        while True:
            await stream.receive(_READ_SIZE)


class BackgroundEmulator:
    """An `EmulatorServer` on its own event loop in a background thread, for sync code.

    Use it as a context manager: entering starts the server and returns once it
    accepts connections; leaving stops it.  The control calls run on the
    server's event loop, so they never race with requests being served.

    Args:
        emulator: the state to serve (see `EmulatorServer`).
        backend: the anyio backend of the server's loop (``"asyncio"`` or ``"trio"``).
        **options: `EmulatorServer`'s keyword arguments (``host``, ``port``, ...).
    """

    def __init__(self, emulator: Emulator | None = None, *, backend: str = DEFAULT_BACKEND, **options: Any) -> None:
        self.server = EmulatorServer(emulator, **options)
        self._backend = backend
        self._stack = contextlib.ExitStack()
        self._portal: anyio.from_thread.BlockingPortal | None = None

    @property
    def emulator(self) -> Emulator:
        return self.server.emulator

    @property
    def url(self) -> str:
        """The server's base URL, such as ``http://127.0.0.1:41231``."""
        assert self.server.url is not None, "the server is not running"
        return self.server.url

    def __enter__(self) -> BackgroundEmulator:
        with contextlib.ExitStack() as stack:
            portal = stack.enter_context(anyio.from_thread.start_blocking_portal(self._backend))
            future, _ = portal.start_task(self.server.serve)
            stack.callback(future.cancel)
            self._portal = portal
            self._stack = stack.pop_all()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._portal = None
        self._stack.close()

    def call(self, function: Callable[..., _T], *args: Any) -> _T:
        """``function(*args)`` run on the server's event loop; its result."""
        assert self._portal is not None, "the server is not running"
        return self._portal.call(function, *args)

    def open_session(
        self, agent_id: str | int, *, site: str | None = None, session_id: str | None = None
    ) -> SessionInfo:
        """`Emulator.open_session`, on the server's loop."""
        return self.call(lambda: self.emulator.open_session(agent_id, site=site, session_id=session_id))

    def session(self, session_id: str) -> SessionInfo:
        """`Emulator.session`, on the server's loop."""
        return self.call(self.emulator.session, session_id)

    def start_engagement(self, session_id: str, *, engagement_id: int | None = None) -> int:
        """`Emulator.start_engagement`, on the server's loop."""
        return self.call(lambda: self.emulator.start_engagement(session_id, engagement_id=engagement_id))

    def conclude_engagement(self, engagement_id: int) -> None:
        """`Emulator.conclude_engagement`, on the server's loop."""
        self.call(self.emulator.conclude_engagement, engagement_id)

    def messages(self, engagement_id: int) -> list[cp.PostMessageRequest]:
        """`Emulator.messages`, on the server's loop."""
        return self.call(self.emulator.messages, engagement_id)

    def set_faults(self, faults: FaultPlan | None) -> None:
        """`Emulator.set_faults`, on the server's loop."""
        self.call(self.emulator.set_faults, faults)
