"""The blocking backend: `socket` and `ssl`, waiting through ``poll`` within the thread's deadline.

The sockets stay non-blocking once connected.  Each call is tried first,
and when it would block, the wait goes through ``poll`` with the time left
before the thread's deadline (`_threads.time_left`), so a deadline bounds
a whole call however slowly the server drips its bytes, with no
``settimeout`` per operation.  Only the name lookup of a new connection is
not bounded by it: ``getaddrinfo`` cannot be interrupted.
"""

from __future__ import annotations

import errno
import os
import select
import socket
import ssl

from . import READ_SIZE
from ._readiness import HAS_POLL, wait_socket
from ._threads import deadline_reached, has_passed, time_left

_WOULD_BLOCK = (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError)


class _Closed:
    """Stands in for a closed stream's poll object: the next read fails at once, as on a closed socket
    (and polling a closed descriptor might wait on another file that took its number)."""

    __slots__ = ()

    def poll(self, timeout: float | None = None) -> list[tuple[int, int]]:
        raise OSError(errno.EBADF, os.strerror(errno.EBADF))


_CLOSED = _Closed()


class SocketStream:
    """A connected non-blocking socket (an `ssl.SSLSocket` for TLS) as a blocking stream."""

    __slots__ = ("_peeked", "_poller", "_tls", "socket")

    def __init__(self, sock: socket.socket) -> None:
        self.socket = sock
        self._tls = sock if isinstance(sock, ssl.SSLSocket) else None
        # Bytes (or b"" for the end) `is_readable` had to take from TLS to see past its own records.
        self._peeked: bytes | None = None
        # Registered once: every read waits on it.
        self._poller: select.poll | _Closed | None = None
        if HAS_POLL:
            self._poller = select.poll()
            self._poller.register(sock, select.POLLIN)

    def read(self) -> bytes:
        peeked = self._peeked
        if peeked is not None:
            self._peeked = None
            return peeked
        sock = self.socket
        # The answer is seldom there the moment the request is out, so waiting
        # first saves a failed recv and its exception on most reads, unless
        # TLS already holds decrypted bytes.
        if self._tls is None or not self._tls.pending():
            self._wait_readable()
        while True:
            try:
                return sock.recv(READ_SIZE)
            except (BlockingIOError, ssl.SSLWantReadError):
                self._wait_readable()
            except ssl.SSLWantWriteError:
                self._wait_writable()

    def write(self, data: bytes) -> None:
        sock = self.socket
        remaining: bytes | memoryview = data
        while remaining:
            try:
                sent = sock.send(remaining)
            except (BlockingIOError, ssl.SSLWantWriteError):
                self._wait_writable()
            except ssl.SSLWantReadError:  # a TLS renegotiation wants the peer first
                self._wait_readable()
            else:
                # A request usually fits the socket's buffer: one send, and no view to make.
                if sent == len(remaining):
                    return
                remaining = memoryview(remaining)[sent:]

    def close(self) -> None:
        self._poller = _CLOSED
        self._peeked = None
        self.socket.close()

    def is_readable(self) -> bool:
        poller = self._poller
        if self._peeked is not None or poller is _CLOSED:
            return True
        tls = self._tls
        if tls is not None and tls.pending():
            return True
        if not (wait_socket(self.socket, write=False, timeout=0.0) if poller is None else poller.poll(0)):
            return False  # nothing to read: the usual case, without a failed recv
        if tls is None:
            return True
        # Readable TLS may hold only records of its own (a TLS 1.3 session
        # ticket): only a read tells, and what it takes is kept for `read`.
        try:
            self._peeked = tls.recv(READ_SIZE)
        except _WOULD_BLOCK:
            return False
        except OSError:
            pass  # the failure shows again on the next read
        return True

    def _wait_readable(self) -> None:
        left = time_left()
        poller = self._poller
        if poller is None:
            ready = wait_socket(self.socket, write=False, timeout=left)
        else:
            ready = bool(poller.poll(None if left is None else left * 1000))
        if not ready:
            raise deadline_reached()

    def _wait_writable(self) -> None:
        if not wait_socket(self.socket, write=True, timeout=time_left()):
            raise deadline_reached()


class SocketBackend:
    """Connects with ``socket.create_connection``, then ``ssl`` for TLS, within the thread's deadline."""

    __slots__ = ()

    def connect(
        self, host: str, port: int, *, ssl_context: ssl.SSLContext | None, server_hostname: str | None
    ) -> SocketStream:
        sock: socket.socket | None = None
        try:
            sock = socket.create_connection((host, port), timeout=time_left())
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if ssl_context is not None:
                sock.settimeout(time_left())
                # On failure the SSLSocket closes the descriptor it took over.
                sock = ssl_context.wrap_socket(sock, server_hostname=server_hostname)
            sock.setblocking(False)
        except BaseException as exc:
            if sock is not None:
                sock.close()
            # The socket timeouts above are the deadline's time left.
            if isinstance(exc, TimeoutError) and has_passed():
                raise deadline_reached() from exc
            raise
        return SocketStream(sock)
