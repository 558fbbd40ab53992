"""`AgentClient` for asyncio or trio, through anyio.

The logic is `_async`; this face names anyio's runtime and the backend of
`_backends.anyio`: plain non-blocking sockets driven through anyio's
``wait_readable``/``wait_writable``, with anyio's `TLSStream` on top for
``https://``.

Concurrent calls each take their own connection from a pool of at most
``max_connections``; a call waits for a free one within its timeout.  A
cancelled call (a cancel scope, a timeout, a task group failing) closes the
connection it was using: nothing half-used goes back to the pool, and no
socket is left open.
"""

from __future__ import annotations

from typing import ClassVar

from ._async.operations import AsyncOperations
from ._backends._async_interface import AsyncBackend, AsyncRuntime
from ._backends.anyio import AnyioBackend, AnyioRuntime

__all__ = ["AgentClient"]


class AgentClient(AsyncOperations):
    """An anyio client for the chat agent API; see `ClientBase` for the arguments.

    Use it as an async context manager, or call `aclose`.
    """

    _runtime: ClassVar[AsyncRuntime] = AnyioRuntime()
    _backend: ClassVar[AsyncBackend] = AnyioBackend()
