"""A real server on 127.0.0.1, built on `cp.ServerConnection`, for the transport tests.

It runs in a thread, serves each connection with a function of its own, and
records what happened (connections, requests, TLS handshake failures), so a
test can check what reached it.  Every socket is closed when the server stops;
every wait has a timeout.
"""

from __future__ import annotations

import contextlib
import select
import socket
import ssl
import threading
from collections.abc import Callable
from types import TracebackType

import chatproto as cp

#: Seconds any socket operation may take before the test fails instead of hanging.
TIMEOUT = 5.0

Answer = Callable[[cp.ServerConnection, cp.ServerEvent], bytes | None]


class LoopbackServer:
    """Serves connections on 127.0.0.1 until the ``with`` block ends.

    Args:
        answer: the bytes to send for each request event; None closes the
            connection without answering.
        ssl_context: a server-side TLS context, for ``https://``.
    """

    def __init__(self, answer: Answer, *, ssl_context: ssl.SSLContext | None = None) -> None:
        self._answer = answer
        self._ssl_context = ssl_context
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self.connections = 0
        self.requests: list[cp.ServerEvent] = []
        self.handshake_errors: list[ssl.SSLError] = []
        self.errors: list[BaseException] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def https_url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join(TIMEOUT)
        self._listener.close()
        assert not self._thread.is_alive(), "the loopback server did not stop"
        assert not self.errors, self.errors

    def _serve(self) -> None:
        while not self._stop.is_set():
            # A short select, so that the stop flag is seen: accept() cannot be interrupted.
            ready, _, _ = select.select([self._listener], [], [], 0.05)
            if not ready:
                continue
            sock, _ = self._listener.accept()
            self.connections += 1
            try:
                self._converse(sock)
            except (OSError, cp.RemoteProtocolError):
                pass  # the client went away or broke the protocol: nothing to check here
            except BaseException as exc:  # a bug in a test's answer: report it from __exit__
                self.errors.append(exc)
            finally:
                sock.close()

    def _converse(self, sock: socket.socket) -> None:
        sock.settimeout(TIMEOUT)
        if self._ssl_context is not None:
            try:
                sock = self._ssl_context.wrap_socket(sock, server_side=True)
            except ssl.SSLError as exc:
                self.handshake_errors.append(exc)
                return
        with sock:
            conn = cp.ServerConnection()
            while True:
                event = conn.next_event()
                if event is cp.NEED_DATA:
                    conn.receive_data(sock.recv(65536))
                    continue
                if isinstance(event, cp.ConnectionClosed):
                    return
                self.requests.append(event)
                reply = self._answer(conn, event)
                if reply is None:
                    return
                sock.sendall(reply)
                if not conn.can_reuse:
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_WR)
                    return


def ok(conn: cp.ServerConnection, event: cp.ServerEvent) -> bytes:
    """A 200 answering a postMessage with its own sequence number."""
    assert isinstance(event, cp.RequestReceived), event
    number = getattr(event.request, "sequence_number", None)
    return conn.send_response(200, cp.PostMessageResponse(sequence_number=number, session_id=event.session_id))


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (it was just released)."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port: int = listener.getsockname()[1]
    return port
