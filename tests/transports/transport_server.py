"""A small threaded chat server on loopback for the transport tests.

It is built on the core's server role (`chatproto.ServerConnection`) and
answers postMessage with a `PostMessageResponse` that echoes the sequence
number.  Tests script how it misbehaves, one action per request (or per
accepted connection), and wait on what it saw: requests, connections opened,
and connections the client closed.  Every wait has a timeout.
"""

from __future__ import annotations

import collections
import contextlib
import enum
import select
import socket
import ssl
import struct
import threading
from collections.abc import Callable
from typing import Any

from tests.reference import SESSION_ID

import chatproto as cp

WAIT_TIMEOUT = 10.0

# What a connection does after an action.
_KEEP = "keep"  # serve the next request
_SERVER_CLOSES = "server-closes"  # the server closes it now
_DONE = "done"  # it ended already (the client closed it, or the server stopped)


class Act(enum.Enum):
    """What the server does with the next request."""

    OK = "ok"  # answer 200 and keep the connection
    OK_CONNECTION_CLOSE = "ok-connection-close"  # answer 200 with Connection: close, then close
    OK_THEN_CLOSE = "ok-then-close"  # answer 200 (keep-alive), then close the idle connection
    CLOSE = "close"  # read the request, close without answering
    RESET = "reset"  # read the request, reset the connection (RST)
    GARBAGE = "garbage"  # answer with bytes that are not HTTP
    PARTIAL = "partial"  # send half a response, then close
    DRIP = "drip"  # send a good response one byte at a time, slowly
    HANG = "hang"  # read the request and never answer
    WRONG_SEQUENCE = "wrong-sequence"  # answer 200 with another sequence number
    ERROR_400 = "error-400"
    ERROR_403 = "error-403"
    ERROR_409 = "error-409"
    ERROR_500 = "error-500"  # a non-JSON body
    # The stale keep-alive race, on cue: answer 200 (keep-alive), then, as the
    # next request arrives, end the connection without reading a byte of it
    # (the request is not counted), as a server that closed the idle
    # connection just before the request came.
    OK_THEN_RESET_ON_NEXT = "ok-then-reset-on-next"  # closed with the request unread: a reset
    OK_THEN_FIN_ON_NEXT = "ok-then-fin-on-next"  # a FIN first: the client reads the end of the stream
    OK_THEN_RESET = "ok-then-reset"  # answer 200 (keep-alive), then reset the idle connection at once


class OnAccept(enum.Enum):
    """What the server does with the next connection, before reading anything."""

    SERVE = "serve"
    CLOSE = "close"
    NO_TLS_HANDSHAKE = "no-tls-handshake"  # accept TCP, never answer the TLS hello
    NEVER_READ = "never-read"  # accept, and read nothing until the server stops


class ChatServer:
    """Serve the agent API on ``host``, port chosen by the OS, until `stop`.

    Args:
        ssl_context: serve TLS with this server context.
        drip_interval: seconds between the bytes of a dripped response.
    """

    def __init__(self, *, host: str = "127.0.0.1", ssl_context: ssl.SSLContext | None = None) -> None:
        self.drip_interval = 0.05
        self._ssl_context = ssl_context
        self._listener = socket.create_server((host, 0), family=socket.AF_INET6 if ":" in host else socket.AF_INET)
        self.port: int = self._listener.getsockname()[1]
        self.host = host
        self._stop = threading.Event()
        self._lock = threading.Condition()
        self._acts: collections.deque[Act] = collections.deque()
        self._on_accept: collections.deque[OnAccept] = collections.deque()
        self._live: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        #: Every RequestReceived, in arrival order, with the index of its connection.
        self.requests: list[tuple[int, cp.RequestReceived]] = []
        #: Raw bytes received, per connection.
        self.raw: list[bytearray] = []
        self.connections_opened = 0
        #: Connections the client closed (end of stream or reset seen by the server).
        self.client_closes = 0
        #: Connections the server closed itself.
        self.server_closes = 0
        self.handshake_failures = 0
        #: Called (in the server's thread) when a request arrives.
        self.on_request: Callable[[cp.RequestReceived], None] | None = None
        self._accept_thread = threading.Thread(target=self._accept_loop, name="chat-server-accept", daemon=True)

    @property
    def url(self) -> str:
        scheme = "https" if self._ssl_context is not None else "http"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}"

    def __enter__(self) -> ChatServer:
        self._accept_thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def script(self, *acts: Act) -> None:
        """Queue actions for the next requests; when the queue is empty, the server answers OK."""
        with self._lock:
            self._acts.extend(acts)

    def script_accept(self, *acts: OnAccept) -> None:
        with self._lock:
            self._on_accept.extend(acts)

    def wait_for(self, predicate: Callable[[ChatServer], bool], timeout: float = WAIT_TIMEOUT) -> None:
        """Block until ``predicate(self)`` holds; fail the test after ``timeout`` seconds."""
        with self._lock:
            if not self._lock.wait_for(lambda: predicate(self), timeout):
                raise AssertionError(f"server state not reached in {timeout} s: {self.summary()}")

    def summary(self) -> dict[str, Any]:
        return {
            "requests": len(self.requests),
            "opened": self.connections_opened,
            "client_closes": self.client_closes,
            "server_closes": self.server_closes,
            "handshake_failures": self.handshake_failures,
        }

    def sequence_numbers(self) -> list[int]:
        return [received.request.sequence_number for _, received in self.requests]  # type: ignore[attr-defined]

    def stop(self) -> None:
        self._stop.set()
        # Wake the accept loop with a connection of our own, then unblock every reader.
        with contextlib.suppress(OSError), socket.create_connection((self.host, self.port), timeout=1.0):
            pass
        if self._accept_thread.is_alive():
            self._accept_thread.join(WAIT_TIMEOUT)
        self._listener.close()
        with self._lock:
            live = list(self._live)
        for sock in live:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(WAIT_TIMEOUT)
            assert not thread.is_alive(), "a server connection thread did not stop"

    # The server's threads.

    def _accept_loop(self) -> None:
        while True:
            sock, _ = self._listener.accept()
            if self._stop.is_set():
                sock.close()
                return
            with self._lock:
                index = self.connections_opened
                self.connections_opened += 1
                self.raw.append(bytearray())
                self._live.add(sock)
                accept_act = self._on_accept.popleft() if self._on_accept else OnAccept.SERVE
                self._lock.notify_all()
            thread = threading.Thread(target=self._serve, args=(sock, index, accept_act), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _note(self, **increments: int) -> None:
        with self._lock:
            for name, amount in increments.items():
                setattr(self, name, getattr(self, name) + amount)
            self._lock.notify_all()

    def _serve(self, raw_sock: socket.socket, index: int, accept_act: OnAccept) -> None:
        sock = raw_sock
        server_closes = False
        try:
            if accept_act is OnAccept.CLOSE:
                server_closes = True
                return
            if accept_act is OnAccept.NO_TLS_HANDSHAKE:
                self._read_until_closed(sock)
                return
            if accept_act is OnAccept.NEVER_READ:
                self._stop.wait(WAIT_TIMEOUT)
                return
            if self._ssl_context is not None:
                try:
                    sock = self._ssl_context.wrap_socket(raw_sock, server_side=True)
                except (OSError, ssl.SSLError):
                    self._note(handshake_failures=1)
                    return
                with self._lock:
                    self._live.discard(raw_sock)
                    self._live.add(sock)
            server_closes = self._serve_requests(sock, index)
        finally:
            with self._lock:
                self._live.discard(sock)
                self._live.discard(raw_sock)
            sock.close()
            raw_sock.close()
            # Counted once the socket is closed, so a test that waits for it sees the FIN sent.
            if server_closes:
                self._note(server_closes=1)

    def _serve_requests(self, sock: socket.socket, index: int) -> bool:
        """Serve requests until the connection ends; True when the server chose to end it."""
        conn = cp.ServerConnection()
        while True:
            try:
                event = conn.next_event()
            except cp.RemoteProtocolError as exc:
                sock.sendall(conn.send_error_for(exc))
                return True
            if event is cp.NEED_DATA:
                data = self._recv(sock)
                if data is None:
                    return False
                with self._lock:
                    self.raw[index] += data
                conn.receive_data(data)
                continue
            if isinstance(event, cp.ConnectionClosed):
                self._note(client_closes=1)
                return False
            if isinstance(event, cp.RequestReceived):
                with self._lock:
                    self.requests.append((index, event))
                    act = self._acts.popleft() if self._acts else Act.OK
                    self._lock.notify_all()
                if self.on_request is not None:
                    self.on_request(event)
                outcome = self._act(sock, conn, event, act)
                if outcome is not _KEEP:
                    return outcome is _SERVER_CLOSES
            else:
                sock.sendall(conn.send_error(400, "BAD_REQUEST", f"unexpected {type(event).__name__}"))

    def _recv(self, sock: socket.socket) -> bytes | None:
        """The next bytes from the client (``b""`` at its end of stream), or None once the server stops."""
        try:
            data = sock.recv(65536)
        except OSError:
            self._note(client_closes=1)
            return None
        if self._stop.is_set() and not data:
            return None
        return data

    def _read_until_closed(self, sock: socket.socket) -> None:
        while True:
            data = self._recv(sock)
            if data is None:
                return
            if not data:
                self._note(client_closes=1)
                return

    def _act(self, sock: socket.socket, conn: cp.ServerConnection, event: cp.RequestReceived, act: Act) -> str:
        """Carry out ``act``; say whether the connection goes on, the server closes it, or it is done."""
        number = event.request.sequence_number  # type: ignore[attr-defined]
        if act is Act.OK:
            sock.sendall(conn.send_response(200, ok_response(number)))
            return _KEEP
        if act is Act.OK_CONNECTION_CLOSE:
            sock.sendall(conn.send_response(200, ok_response(number), close=True))
        elif act is Act.OK_THEN_CLOSE:
            sock.sendall(conn.send_response(200, ok_response(number)))
        elif act is Act.OK_THEN_RESET:
            sock.sendall(conn.send_response(200, ok_response(number)))
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        elif act in (Act.OK_THEN_RESET_ON_NEXT, Act.OK_THEN_FIN_ON_NEXT):
            sock.sendall(conn.send_response(200, ok_response(number)))
            readable, _, _ = select.select([sock], [], [], WAIT_TIMEOUT)
            if readable and act is Act.OK_THEN_FIN_ON_NEXT:
                sock.shutdown(socket.SHUT_WR)
                # Drained unparsed until the client closes, so that it reads
                # the FIN, not a reset for bytes left unread.
                with contextlib.suppress(OSError):
                    while sock.recv(65536):
                        pass
        elif act is Act.WRONG_SEQUENCE:
            sock.sendall(conn.send_response(200, ok_response(number + 1)))
            return _KEEP
        elif act is Act.ERROR_400:
            sock.sendall(conn.send_error(400, "INVALID_FIELD", "body is too long"))
            return _KEEP
        elif act is Act.ERROR_403:
            sock.sendall(conn.send_error(403, "ACCESS_DENIED", "unknown session"))
            return _KEEP
        elif act is Act.ERROR_409:
            sock.sendall(conn.send_error(409, "CONFLICT", "the lead participant has left"))
            return _KEEP
        elif act is Act.ERROR_500:
            sock.sendall(conn.send_response(500, b"<html>Internal Server Error</html>"))
            return _KEEP
        elif act is Act.GARBAGE:
            sock.sendall(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")
        elif act is Act.PARTIAL:
            data = conn.send_response(200, ok_response(number))
            sock.sendall(data[: len(data) // 2])
        elif act is Act.RESET:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        elif act is Act.DRIP:
            self._drip(sock, conn.send_response(200, ok_response(number)))
            return _DONE
        elif act is Act.HANG:
            self._read_until_closed(sock)
            return _DONE
        return _SERVER_CLOSES

    def _drip(self, sock: socket.socket, data: bytes) -> None:
        for i in range(len(data)):
            if self._stop.wait(self.drip_interval):
                return
            try:
                sock.sendall(data[i : i + 1])
            except OSError:
                self._note(client_closes=1)
                return
        self._read_until_closed(sock)


def ok_response(sequence_number: int) -> cp.PostMessageResponse:
    return cp.PostMessageResponse(
        chat_post_result=cp.ChatPostResult(client_reset=0),
        client_id=4242,
        client_id_string="4242",
        client_send_time=1700000000000,
        service_start_time=1700000000001,
        service_finish_time=1700000000002,
        session_id=SESSION_ID,
        sequence_number=sequence_number,
        sequence_number_string=str(sequence_number),
    )


def refused_port() -> int:
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
