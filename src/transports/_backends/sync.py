"""The blocking backend: `socket` and `ssl`, waiting through ``poll`` within the thread's deadline.

The sockets stay non-blocking once connected.  Each call is tried first,
and when it would block, the wait goes through ``poll`` with the time left
before the thread's deadline (`_threads.time_left`), so a deadline bounds
a whole call however slowly the server drips its bytes, with no
``settimeout`` per operation.  Only the name lookup of a new connection is
not bounded by it: ``getaddrinfo`` cannot be interrupted.
"""

from __future__ import annotations

import _socket
import contextlib
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
        sock = self.socket
        # Shut down first: another thread may be waiting on it (closing the
        # client ends a held poll), and only a shutdown wakes its ``poll``.
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()

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
    """Connects each address in turn, then ``ssl`` for TLS, within the thread's deadline.

    Every socket it makes is closed before an exception leaves it, a
    KeyboardInterrupt or whatever a signal handler raises included: the
    standard library closes the socket of a failed ``create_connection``, and
    the `ssl.SSLSocket` of a failed handshake, only for an `OSError`, and
    leaves them to the garbage collector otherwise.
    """

    __slots__ = ()

    def connect(
        self, host: str, port: int, *, ssl_context: ssl.SSLContext | None, server_hostname: str | None
    ) -> SocketStream:
        sock: socket.socket | None = None
        try:
            sock = _connect_tcp(host, port)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if ssl_context is not None:
                sock.settimeout(time_left())
                # The handshake apart from the wrapping, so that the SSLSocket,
                # which takes the descriptor over, is ours to close if it fails.
                sock = ssl_context.wrap_socket(sock, server_hostname=server_hostname, do_handshake_on_connect=False)
                sock.do_handshake()
            sock.setblocking(False)
            return SocketStream(sock)
        except BaseException as exc:
            if sock is not None:
                sock.close()
            # The socket timeouts above are the deadline's time left.
            if isinstance(exc, TimeoutError) and has_passed():
                raise deadline_reached() from exc
            raise


def _connect_tcp(host: str, port: int) -> socket.socket:
    """A socket connected to the first address of ``host`` that takes it (``socket.create_connection``'s loop).

    Raises:
        OSError: name resolution failed, or every address refused or failed
            (the last address's error).
    """
    last_error: OSError | None = None
    for family, kind, proto, _, address in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        # Made in two steps: ``__new__`` makes no descriptor, and ``__init__``
        # makes it in a socket already named here, so an exception that lands
        # right after it (in ``socket.socket()`` it could) cannot lose it.
        sock = socket.socket.__new__(socket.socket)
        try:
            socket.socket.__init__(sock, family, kind, proto)
            sock.settimeout(time_left())
            sock.connect(address)
        except BaseException as exc:
            # The C close: socket.socket.close needs what __init__ sets after the descriptor.
            _socket.socket.close(sock)
            if not isinstance(exc, OSError):
                raise
            last_error = exc
            continue
        return sock
    raise last_error or OSError(f"no address found for {host}")
