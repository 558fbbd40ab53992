"""The emulator's server loop: `chatproto.emulator.Emulator` served over TCP with anyio.

Each connection is one `chatproto.ServerConnection`; its events go to the
emulator, and the loop does what the emulator's `Reply` says (wait, close,
or answer).  The loop adds what only an adapter can: the clock, random
session ids, time limits, and the count of connections and descriptors.
Malformed HTTP and requests over the `chatproto.Limits` are answered with
the 4xx the core chooses and the connection is closed.  A failure on one
connection never reaches another.

What a client can hold, and for how long:

- Reading: ``request_timeout`` seconds to deliver each whole request, which
  bounds idle keep-alive connections and clients that send slowly alike.
- Writing: ``write_timeout`` seconds to take each whole answer.  The next
  request is read only once the answer is written, and each connection's
  kernel send buffer is capped, so a client that pipelines requests and
  never reads has one answer in the server and at most that buffer in the
  kernel before its connection is closed.
- Connections: ``max_connections`` are served at once, never more than the
  soft open-file limit (``RLIMIT_NOFILE``) leaves room for beside the
  descriptors below.  A connection beyond them gets a moment to deliver a
  complete request.  If it does, it takes the place of a connection still
  waiting for a request it has not finished (or, since it connected, not
  begun): a stalled client (slowloris) never keeps out one that sends at
  once.  If no such place exists, or the request is not complete in time,
  it is answered 503 with ``Connection: close`` (`chatproto.emulator.busy_answer`)
  rather than closed in silence, which a client would read as "outcome
  unknown".  A kept-alive connection between requests is not given away.
  A few dozen connections beyond the cap are handled at once; past them,
  accepting waits.
- Held polls: a getMessages the emulator holds (`chatproto.emulator.Hold`)
  waits, in its connection's own task, on a read of the socket inside a
  cancel scope whose deadline is the hold: the emulator's wake listener
  cancels the scope when something is queued for the session (or another
  poll took its place, or the session ended), the deadline ends it with a
  ``ChatGetTimeout``, and a client that hangs up ends it at once, its poll
  released.  Nothing else is spent on a held poll: no timer, no second task.
- Descriptors: when ``accept`` fails for want of descriptors or memory
  (EMFILE, ENFILE, ENOBUFS, ENOMEM) the loop says so on its log, waits
  100 ms and accepts again, as trio's ``serve_listeners`` does, instead of
  stopping.

With ``log`` a stream, the loop writes one line per request there, in the
format of ``python -m http.server``: client address, time, request line
(`chatproto.emulator.request_line`: no header, no query value but the
pool's, no session id), status, and the bytes of the answer.  It is off by
default (``BackgroundEmulator``, the pytest fixture and ``chatproto demo``
are quiet); ``chatproto emulator`` turns it on, and ``--quiet`` off.

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
import errno
import logging
import secrets
import socket
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, TextIO, TypeVar

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
    DEFAULT_WRITE_TIMEOUT,
    AgentAccount,
    Emulator,
    EngagementState,
    FaultPlan,
    SessionInfo,
    SessionState,
    busy_answer,
    request_line,
)

from .chat_page import page_files

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_MAX_CONNECTIONS",
    "DEFAULT_PORT",
    "DEFAULT_REQUEST_TIMEOUT",
    "DEFAULT_WRITE_TIMEOUT",
    "BackgroundEmulator",
    "EmulatorServer",
    "new_session_id",
    "new_token",
]

_T = TypeVar("_T")
_Event = cp.RequestReceived | cp.InvalidRequest | cp.HTTPRequestReceived
logger = logging.getLogger(__name__)

# DEFAULT_HOST, DEFAULT_PORT, DEFAULT_REQUEST_TIMEOUT, DEFAULT_WRITE_TIMEOUT and
# DEFAULT_MAX_CONNECTIONS are the core's (chatproto.emulator), exported here too.
#: After an error answer, how long the client's remaining bytes are read and
#: discarded before closing, so the close does not reset the connection
#: (which could destroy the answer before the client has read it).
_LINGER_SECONDS = 1.0
_READ_SIZE = 65536
#: Each connection's kernel buffers, each way (Linux doubles the figure).  Left
#: to itself the kernel grows them to megabytes (``tcp_wmem``, ``tcp_rmem``),
#: which a client that pipelines and never reads would fill for nothing.  Far
#: more than any request or answer needs on loopback.
_KERNEL_BUFFER_BYTES = 64 * 1024
#: How long a connection beyond the cap has to deliver a complete request.  A
#: client sends its request as it connects, so this is a round trip or two.
_EXTRA_SECONDS = 0.5
#: Connections beyond the cap read for a complete request at once; one more
#: pushes the oldest of them out (it is answered 503).
_MAX_PENDING = 16
#: Connections being answered 503 at once; past them, accepting waits.
_MAX_REFUSING = 32
#: How long an answered 503 waits for the client to close, reading what it
#: still sends, so the close does not reset the connection under the answer.
_REFUSAL_LINGER_SECONDS = 0.1
#: Descriptors the process needs beside its connections: stdio, the listeners,
#: the event loop's own, the files of a test run.
_OTHER_DESCRIPTORS = 32
#: What the connections beyond the cap may hold (a pushed-out pending one
#: refuses even when the refusals are at their bound), plus the rest.
_DESCRIPTOR_HEADROOM = 2 * _MAX_PENDING + _MAX_REFUSING + _OTHER_DESCRIPTORS
#: ``accept`` failures that say the process or the system is out of descriptors
#: or memory: they pass once connections close, so accepting pauses, then goes on.
_OUT_OF_RESOURCES = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})
#: ``accept`` failures that concern one connection, which left before it was taken.
_CONNECTION_GONE = frozenset({errno.ECONNABORTED, errno.EPROTO, errno.ECONNRESET})
_ACCEPT_RETRY_SECONDS = 0.1
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def new_session_id() -> str:
    """A fresh, unguessable agent session id (128 random bits), shaped like Oracle's."""
    return "node0" + secrets.token_hex(16)


def new_token() -> str:
    """A fresh, unguessable bearer token for agentTokens (256 random bits, URL-safe text)."""
    return secrets.token_urlsafe(32)


def _epoch_ms() -> int:
    return time.time_ns() // 1_000_000


def soft_descriptor_limit() -> int | None:
    """The process's soft limit on open files (``RLIMIT_NOFILE``), None if it has none or cannot say."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows has no such limit
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return None if soft == resource.RLIM_INFINITY else soft


def connection_cap(requested: int | None = None, soft_limit: int | None = None) -> int:
    """The connections a server serves at once: ``requested`` (by default
    ``DEFAULT_MAX_CONNECTIONS``), lowered to leave ``soft_limit`` room for the
    descriptors beside them, and never below 1.

    Raises:
        LocalProtocolError: ``requested`` is not a positive int.
    """
    if requested is None:
        requested = DEFAULT_MAX_CONNECTIONS
    elif type(requested) is not int or requested < 1:
        raise cp.LocalProtocolError(f"max_connections must be a positive int, got {requested!r}")
    if soft_limit is None:
        return requested
    # A small limit keeps three quarters for connections rather than none.
    headroom = min(_DESCRIPTOR_HEADROOM, soft_limit // 4)
    return max(1, min(requested, soft_limit - headroom))


class _Waiter:
    """A connection waiting for its next request, and whether it may be given away."""

    __slots__ = ("evictable", "scope")

    def __init__(self, scope: anyio.CancelScope, evictable: bool) -> None:
        self.scope = scope
        # Before its first request, or once part of a request has come: a client
        # that has not finished what it started.  Not an idle kept-alive one.
        self.evictable = evictable


class EmulatorServer:
    """Serves an `Emulator` on ``host``:``port`` until cancelled.

    Args:
        emulator: the state to serve; a new `Emulator` with random session ids
            by default.
        host: the address to listen on (loopback by default).
        port: the port; 0 picks a free one.
        request_timeout: seconds a client has to deliver each whole request.
        write_timeout: seconds a client has to take each whole answer.
        limits: bounds on what a client may send.
        max_connections: connections served at once; by default
            ``DEFAULT_MAX_CONNECTIONS``.  Either way lowered to fit the soft
            open-file limit (see `connection_cap`).
        log: where to write one line per request (and notes such as running
            out of descriptors); None, the default, writes nothing.

    Raises:
        LocalProtocolError: ``max_connections`` is not a positive int, or a
            timeout is not a positive number.
    """

    def __init__(
        self,
        emulator: Emulator | None = None,
        *,
        host: str = DEFAULT_HOST,
        port: int = 0,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
        write_timeout: float = DEFAULT_WRITE_TIMEOUT,
        limits: cp.Limits | None = None,
        max_connections: int | None = None,
        log: TextIO | None = None,
    ) -> None:
        for name, seconds in (("request_timeout", request_timeout), ("write_timeout", write_timeout)):
            if type(seconds) not in (int, float) or not seconds > 0:
                raise cp.LocalProtocolError(f"{name} must be a positive number of seconds, got {seconds!r}")
        if emulator is None:
            emulator = Emulator(session_id_factory=new_session_id, token_factory=new_token)
        self.emulator = emulator
        self.host = host
        self.port = port
        self.request_timeout = request_timeout
        self.write_timeout = write_timeout
        self.limits = limits if limits is not None else DEFAULT_LIMITS
        self.max_connections = connection_cap(max_connections, soft_descriptor_limit())
        self.log = log
        self.url: str | None = None
        self._requested_connections = max_connections
        self._busy_answer = busy_answer(self.max_connections)
        self._connections = 0
        # Insertion order is age: the first is the one waiting longest.
        self._waiting: dict[_Waiter, None] = {}
        self._pending: dict[anyio.CancelScope, None] = {}
        self._refusing = 0
        self._refusal_done: anyio.Event | None = None
        # The held polls, by poll id: cancelling the scope ends the wait.
        self._held: dict[int, anyio.CancelScope] = {}

    @property
    def connections(self) -> int:
        """How many connections are being served now (those being answered 503 aside)."""
        return self._connections

    async def serve(self, *, task_status: anyio.abc.TaskStatus[str] = anyio.TASK_STATUS_IGNORED) -> None:
        """Listen, report the URL through ``task_status`` once accepting, and serve until cancelled."""
        listener = await anyio.create_tcp_listener(local_host=self.host, local_port=self.port)
        async with listener, anyio.create_task_group() as tasks:
            address = listener.extra(SocketAttribute.local_address)
            host, port = address[0], address[1]
            self.url = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
            # serviceSettings names this address, and held polls wake through this loop.
            self.emulator.set_address(host, int(port))
            self.emulator.set_wake_listener(self._wake)
            # The chat page at "/": read from the package here, since the core reads no files.
            self.emulator.set_page_files(page_files())
            requested = self._requested_connections
            if requested is not None and self.max_connections < requested:
                self._note(
                    f"max_connections lowered from {requested} to {self.max_connections} "
                    f"to fit the open-file limit ({soft_descriptor_limit()})"
                )
            for each in listener.listeners:
                assert isinstance(each, anyio.abc.SocketListener)  # what create_tcp_listener makes
                tasks.start_soon(self._accept_loop, each, tasks)
            task_status.started(self.url)

    # -- Accepting ------------------------------------------------------------------------------

    async def _accept_loop(self, listener: anyio.abc.SocketListener, tasks: anyio.abc.TaskGroup) -> None:
        failing = False
        while True:
            while self._refusing >= _MAX_REFUSING:
                if self._refusal_done is None:
                    self._refusal_done = anyio.Event()
                await self._refusal_done.wait()
            try:
                stream = await listener.accept()
            except (OSError, anyio.BrokenResourceError) as exc:
                cause = exc if isinstance(exc, OSError) else exc.__cause__
                code = cause.errno if isinstance(cause, OSError) else None
                if code in _CONNECTION_GONE:
                    continue
                if code not in _OUT_OF_RESOURCES:
                    raise
                if not failing:
                    self._note(f"cannot accept connections: {cause}; trying again every 100 ms")
                    failing = True
                await anyio.sleep(_ACCEPT_RETRY_SECONDS)
                continue
            if failing:
                self._note("accepting connections again")
                failing = False
            _cap_kernel_buffers(stream)
            if self._connections < self.max_connections:
                self._connections += 1
                tasks.start_soon(self._serve_connection, stream)
            else:
                if len(self._pending) >= _MAX_PENDING:
                    oldest = next(iter(self._pending))
                    del self._pending[oldest]
                    oldest.cancel()  # it is answered 503
                tasks.start_soon(self._serve_beyond_cap, stream)

    async def _serve_connection(
        self, stream: anyio.abc.SocketStream, conn: cp.ServerConnection | None = None, event: _Event | None = None
    ) -> None:
        """A connection within the cap (counted in ``_connections`` by the caller): its requests
        answered until it closes.  ``conn`` and ``event`` are its connection and first request,
        when they were read already (a connection let in beyond the cap).

        The conversation runs in this one coroutine, a held poll's wait too: what a held poll
        costs is what 1,000 of them cost a thousandfold (``benchmarks/bench_polls.py``).
        """
        emulator = self.emulator
        answered = 0
        try:
            async with stream:
                if conn is None:
                    conn = cp.ServerConnection(limits=self.limits)
                while True:
                    if event is None:
                        event = await self._next_request(stream, conn, answered == 0)
                        if event is None:
                            return  # the client closed, or it was too slow, or its place was given away
                    reply = emulator.handle(event, now_ms=_epoch_ms())
                    hold = reply.hold
                    if hold is not None:
                        # A poll with nothing to deliver yet: wait for a wake (`_wake` cancels the
                        # scope), the deadline, or the client hanging up.  The wait is a read, so a
                        # client that closes ends it at once; what it sends meanwhile (a pipelined
                        # request) is buffered for after the answer.
                        scope = anyio.CancelScope(deadline=anyio.current_time() + hold.timeout_ms / 1000)
                        self._held[hold.poll_id] = scope
                        try:
                            with scope:
                                while True:
                                    conn.receive_data(await stream.receive(_READ_SIZE))
                        except BaseException:
                            # Gone, or sent more than may be buffered, or the server stops: free
                            # the slot at once (the errors end the connection below).
                            emulator.release_poll(hold.poll_id)
                            self._access(stream, event, None, None)
                            raise
                        finally:
                            del self._held[hold.poll_id]
                        reply = emulator.answer_poll(hold.poll_id, now_ms=_epoch_ms())
                    if reply.delay_ms:
                        await anyio.sleep(reply.delay_ms / 1000)
                    if reply.drop:
                        self._access(stream, event, None, None)
                        return
                    data = conn.send_response(reply.status, reply.body, headers=reply.headers)
                    self._access(stream, event, reply.status, len(data))
                    if not await self._send(stream, data) or not conn.can_reuse:
                        return
                    event = None
                    answered += 1
        except (OSError, anyio.BrokenResourceError, anyio.ClosedResourceError, anyio.EndOfStream):
            pass  # the client went away; nothing to answer
        except cp.RemoteProtocolError:
            pass  # it pipelined more than may be buffered while its poll was held: closed
        except Exception:
            # A bug must cost one connection, never the server.
            logger.exception("emulator: a connection failed")
        finally:
            self._connections -= 1

    async def _serve_beyond_cap(self, stream: anyio.abc.SocketStream) -> None:
        """A connection accepted while ``max_connections`` are served: served if its
        request comes complete in time and a place can be made for it, else answered 503."""
        try:
            async with stream:
                conn = cp.ServerConnection(limits=self.limits)
                scope = anyio.CancelScope(deadline=anyio.current_time() + min(_EXTRA_SECONDS, self.request_timeout))
                self._pending[scope] = None
                event: _Event | None = None
                try:
                    with scope:
                        event = await _next_event(conn, stream, None)
                except cp.RemoteProtocolError as exc:
                    await self._answer_and_close(stream, conn, exc)
                    return
                finally:
                    self._pending.pop(scope, None)
                if event is None and not scope.cancelled_caught:
                    return  # the client left
                if event is not None and self._make_room():
                    self._connections += 1
                    await self._serve_connection(stream, conn, event)  # it counts the place back
                    return
                await self._refuse(stream, event)
        except (OSError, anyio.BrokenResourceError, anyio.ClosedResourceError, anyio.EndOfStream):
            pass
        except Exception:
            logger.exception("emulator: a connection failed")

    def _make_room(self) -> bool:
        """Whether a connection with a complete request can be served now, giving it
        the place of the oldest connection that has not finished its request if need be."""
        if self._connections < self.max_connections:
            return True
        for waiter in self._waiting:
            if waiter.evictable:
                del self._waiting[waiter]
                waiter.scope.cancel()  # its task closes it and gives back its place
                return True
        return False

    async def _refuse(self, stream: anyio.abc.SocketStream, event: _Event | None) -> None:
        self._refusing += 1
        try:
            self._access(stream, event, 503, len(self._busy_answer))
            with anyio.move_on_after(_REFUSAL_LINGER_SECONDS + self.write_timeout):
                await stream.send(self._busy_answer)
                await stream.send_eof()
                with anyio.move_on_after(_REFUSAL_LINGER_SECONDS), contextlib.suppress(anyio.EndOfStream):
                    while True:
                        await stream.receive(_READ_SIZE)
        finally:
            self._refusing -= 1
            if self._refusal_done is not None:
                self._refusal_done.set()
                self._refusal_done = None

    # -- Serving --------------------------------------------------------------------------------

    async def _next_request(
        self, stream: anyio.abc.SocketStream, conn: cp.ServerConnection, first: bool
    ) -> _Event | None:
        """The next request, delivered within ``request_timeout``; None if the client closed, was
        too slow, or its place was given away, or sent malformed HTTP (answered, then closed).

        A coroutine of its own, so that its waiter and cancel scope are gone while a poll is held.
        """
        waiter = _Waiter(anyio.CancelScope(deadline=anyio.current_time() + self.request_timeout), first)
        self._waiting[waiter] = None
        try:
            with waiter.scope:
                return await _next_event(conn, stream, waiter)
        except cp.RemoteProtocolError as exc:
            await self._answer_and_close(stream, conn, exc)
        finally:
            self._waiting.pop(waiter, None)
        return None

    def _wake(self, poll_id: int) -> None:
        """The emulator's wake listener: the held poll ``poll_id`` can be answered now."""
        scope = self._held.get(poll_id)
        if scope is not None:
            scope.cancel()

    async def _send(self, stream: anyio.abc.SocketStream, data: bytes) -> bool:
        """Write ``data``; False if the client did not take it within ``write_timeout``."""
        with anyio.move_on_after(self.write_timeout):
            await stream.send(data)
            return True
        return False

    async def _answer_and_close(
        self, stream: anyio.abc.SocketStream, conn: cp.ServerConnection, error: cp.RemoteProtocolError
    ) -> None:
        data = conn.send_error_for(error)
        self._access(stream, None, error.error_status_hint if data else None, len(data) if data else None)
        if data and not await self._send(stream, data):
            return
        await stream.send_eof()
        with anyio.move_on_after(_LINGER_SECONDS), contextlib.suppress(anyio.EndOfStream):
            while True:
                await stream.receive(_READ_SIZE)

    # -- The log --------------------------------------------------------------------------------

    def _access(
        self, stream: anyio.abc.SocketStream, event: _Event | None, status: int | None, size: int | None
    ) -> None:
        if self.log is None:
            return
        try:
            client = str(stream.extra(SocketAttribute.remote_address)[0])
        except (OSError, anyio.TypedAttributeLookupError):
            client = "-"
        shown_status = "-" if status is None else str(status)
        shown_size = "-" if size is None else str(size)
        self._write(f'{client} - - [{_log_time()}] "{request_line(event)}" {shown_status} {shown_size}')

    def _note(self, text: str) -> None:
        if self.log is not None:
            self._write(f"[{_log_time()}] emulator: {text}")

    def _write(self, line: str) -> None:
        assert self.log is not None
        try:
            self.log.write(line + "\n")
            self.log.flush()
        except (OSError, ValueError):
            pass  # a closed or broken log must not cost the connection


def _cap_kernel_buffers(stream: anyio.abc.SocketStream) -> None:
    sock = stream.extra(SocketAttribute.raw_socket)
    for option in (socket.SO_SNDBUF, socket.SO_RCVBUF):
        with contextlib.suppress(OSError):  # a platform that refuses keeps its own sizes
            sock.setsockopt(socket.SOL_SOCKET, option, _KERNEL_BUFFER_BYTES)


def _log_time() -> str:
    """The time as ``python -m http.server`` shows it (``02/Dec/2026 07:30:01``, local time)."""
    now = time.localtime()
    return f"{now.tm_mday:02d}/{_MONTHS[now.tm_mon - 1]}/{now.tm_year:04d} {time.strftime('%H:%M:%S', now)}"


async def _next_event(
    conn: cp.ServerConnection, stream: anyio.abc.SocketStream, waiter: _Waiter | None
) -> _Event | None:
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
        if data and waiter is not None:
            waiter.evictable = True  # a request has begun and is not complete
        conn.receive_data(data)


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

    # Each control call of `Emulator`, run on the server's loop; those that take the time get the clock's.

    def register_agent(
        self, username: str, password: str, agent_id: str | int, *, site: str | None = None
    ) -> AgentAccount:
        """`Emulator.register_agent`, on the server's loop."""
        return self.call(lambda: self.emulator.register_agent(username, password, agent_id, site=site))

    def open_session(
        self, agent_id: str | int, *, site: str | None = None, session_id: str | None = None
    ) -> SessionInfo:
        """`Emulator.open_session`, on the server's loop."""
        return self.call(lambda: self.emulator.open_session(agent_id, site=site, session_id=session_id))

    def session(self, session_id: str) -> SessionState:
        """`Emulator.session`, on the server's loop."""
        return self.call(self.emulator.session, session_id)

    def move_pool(self, session_id: str, pool: str | None = None) -> str:
        """`Emulator.move_pool`, on the server's loop."""
        return self.call(lambda: self.emulator.move_pool(session_id, pool, now_ms=_epoch_ms()))

    def take_over(self, session_id: str) -> SessionInfo:
        """`Emulator.take_over`, on the server's loop."""
        return self.call(lambda: self.emulator.take_over(session_id, now_ms=_epoch_ms()))

    def start_engagement(
        self,
        session_id: str,
        *,
        engagement_id: int | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        email: str | None = None,
        question: str | None = None,
    ) -> int:
        """`Emulator.start_engagement`, on the server's loop."""
        return self.call(
            lambda: self.emulator.start_engagement(
                session_id,
                engagement_id=engagement_id,
                first_name=first_name,
                last_name=last_name,
                email=email,
                question=question,
            )
        )

    def queue_engagement(
        self,
        *,
        site: str | None = None,
        engagement_id: int | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        email: str | None = None,
        question: str | None = None,
    ) -> int:
        """`Emulator.queue_engagement`, on the server's loop."""
        return self.call(
            lambda: self.emulator.queue_engagement(
                site=site,
                engagement_id=engagement_id,
                first_name=first_name,
                last_name=last_name,
                email=email,
                question=question,
                now_ms=_epoch_ms(),
            )
        )

    def engagement(self, engagement_id: int) -> EngagementState:
        """`Emulator.engagement`, on the server's loop."""
        return self.call(self.emulator.engagement, engagement_id)

    def conclude_engagement(self, engagement_id: int) -> None:
        """`Emulator.conclude_engagement`, on the server's loop."""
        self.call(lambda: self.emulator.conclude_engagement(engagement_id, now_ms=_epoch_ms()))

    def messages(self, engagement_id: int) -> list[cp.PostMessageRequest]:
        """`Emulator.messages`, on the server's loop."""
        return self.call(self.emulator.messages, engagement_id)

    def end_user_says(self, engagement_id: int, body: str) -> None:
        """`Emulator.end_user_says`, on the server's loop."""
        self.call(lambda: self.emulator.end_user_says(engagement_id, body, now_ms=_epoch_ms()))

    def end_user_types(self, engagement_id: int, sneak_preview: str) -> None:
        """`Emulator.end_user_types`, on the server's loop."""
        self.call(lambda: self.emulator.end_user_types(engagement_id, sneak_preview, now_ms=_epoch_ms()))

    def end_user_leaves(self, engagement_id: int) -> None:
        """`Emulator.end_user_leaves`, on the server's loop."""
        self.call(lambda: self.emulator.end_user_leaves(engagement_id, now_ms=_epoch_ms()))

    @property
    def faults(self) -> FaultPlan:
        """`Emulator.faults`, read on the server's loop."""
        return self.call(lambda: self.emulator.faults)

    def set_faults(self, faults: FaultPlan | None) -> None:
        """`Emulator.set_faults`, on the server's loop."""
        self.call(self.emulator.set_faults, faults)
