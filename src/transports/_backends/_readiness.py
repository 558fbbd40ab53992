"""The idle-connection check: whether a socket has something to read, asked without blocking."""

from __future__ import annotations

import select
import socket

#: Windows has no ``poll``; ``select`` stands in there.
HAS_POLL = hasattr(select, "poll")


def is_readable(sock: socket.socket) -> bool:
    """Whether an idle socket has something to read: data, the end of the stream, or an error.

    An idle keep-alive connection has nothing to say; if it is readable, the
    server closed it (or broke the protocol), and it must not be reused.
    A socket already closed counts as readable.
    """
    return sock.fileno() < 0 or wait_socket(sock, write=False, timeout=0.0)


def wait_socket(sock: socket.socket, *, write: bool, timeout: float | None) -> bool:
    """Wait until ``sock`` is writable (or readable); False if ``timeout`` seconds passed first."""
    if HAS_POLL:
        poller = select.poll()
        poller.register(sock, select.POLLOUT if write else select.POLLIN)
        return bool(poller.poll(None if timeout is None else timeout * 1000))
    waiting = [sock]
    ready = select.select([], waiting, [], timeout) if write else select.select(waiting, [], [], timeout)
    return any(ready)
