"""`AgentClient` for trio, natively.

The logic is `_async`; this face names trio's runtime and the backend of
`_backends.trio`, trio's own TCP and TLS streams.  It imports no anyio.

Concurrent calls each take their own connection from a pool of at most
``max_connections``; a call waits for a free one within its timeout.  A
cancelled call closes the connection it was using: nothing half-used goes
back to the pool, and no socket is left open.
"""

from __future__ import annotations

from typing import ClassVar

try:
    import trio  # noqa: F401  (the optional dependency of the [trio] extra; imported first to say so)
except ModuleNotFoundError as exc:
    if exc.name != "trio":
        raise
    raise ModuleNotFoundError("transports.trio needs trio: pip install 'chatproto[trio]'", name="trio") from None

from ._async.operations import AsyncOperations
from ._backends._async_interface import AsyncBackend, AsyncRuntime
from ._backends.trio import TrioBackend, TrioRuntime

__all__ = ["AgentClient"]


class AgentClient(AsyncOperations):
    """A trio client for the chat agent API; see `ClientBase` for the arguments.

    Use it as an async context manager, or call `aclose`.
    """

    _runtime: ClassVar[AsyncRuntime] = TrioRuntime()
    _backend: ClassVar[AsyncBackend] = TrioBackend()
