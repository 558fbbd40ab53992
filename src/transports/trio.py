"""`AgentClient` for trio, natively.

The pool, the deadline and the exchange are `_async_client`'s; this client
connects with trio's own TCP and TLS streams, and imports no anyio.
"""

from __future__ import annotations

from types import ModuleType
from typing import ClassVar

try:
    import trio
except ModuleNotFoundError as exc:  # trio is the optional dependency of the [trio] extra
    if exc.name != "trio":
        raise
    raise ModuleNotFoundError("transports.trio needs trio: pip install 'chatproto[trio]'", name="trio") from None

from ._async_client import AsyncClientBase, AsyncConnection
from ._client_common import READ_SIZE, connect_error

__all__ = ["AgentClient"]


class AgentClient(AsyncClientBase):
    """A trio client for the chat agent API; see `ClientBase` for the arguments.

    Use it as an async context manager, or call `aclose`.
    """

    _backend: ClassVar[ModuleType] = trio
    _network_errors: ClassVar[tuple[type[BaseException], ...]] = (
        OSError,
        trio.BrokenResourceError,
        trio.ClosedResourceError,
    )

    async def _connect(self) -> AsyncConnection:
        endpoint = self._endpoint
        stream: trio.abc.Stream | None = None
        try:
            stream = tcp = await trio.open_tcp_stream(endpoint.host, endpoint.port)
            if self._ssl_context is not None:
                # https_compatible: HTTP does not need the TLS close handshake.
                stream = trio.SSLStream(tcp, self._ssl_context, server_hostname=endpoint.host, https_compatible=True)
                await stream.do_handshake()
        except BaseException as exc:
            if stream is not None:
                with trio.CancelScope(shield=True):
                    await trio.aclose_forcefully(stream)
            if isinstance(exc, self._network_errors):
                raise connect_error(endpoint, exc, timed_out=False) from exc
            raise
        return AsyncConnection(stream, tcp.socket, self._new_connection())

    def _idle_readable(self, conn: AsyncConnection) -> bool:
        return conn.socket.is_readable()  # type: ignore[no-any-return]

    async def _write(self, conn: AsyncConnection, data: bytes) -> None:
        await conn.stream.send_all(data)

    async def _read(self, conn: AsyncConnection) -> bytes:
        return await conn.stream.receive_some(READ_SIZE)  # type: ignore[no-any-return]
