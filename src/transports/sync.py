"""`AgentClient` over blocking sockets and the standard `ssl` module.

The logic is `_sync` (generated from `_async`); this face names the
runtime, threads (`_backends._threads`), and the backend, sockets
(`_backends.sync`).  ``timeout`` bounds a whole call however slowly the
server drips its bytes; only the name lookup of a new connection is not
bounded by it: ``getaddrinfo`` cannot be interrupted.

An interrupted call (KeyboardInterrupt, or any exception) closes the socket
it was using before the exception goes on: nothing half-used is pooled.

The client may be shared by threads: each call takes its own connection,
and the session's sequence numbers are handed out under a lock.
"""

from __future__ import annotations

from typing import ClassVar

from ._backends._sync_interface import Backend, Runtime
from ._backends._threads import ThreadRuntime
from ._backends.sync import SocketBackend
from ._sync.operations import Operations

__all__ = ["AgentClient"]


class AgentClient(Operations):
    """A blocking client for the chat agent API; see `ClientBase` for the arguments.

    Use it as a context manager, or call `close`.
    """

    _runtime: ClassVar[Runtime] = ThreadRuntime()
    _backend: ClassVar[Backend] = SocketBackend()
