"""`AgentClient` for asyncio or trio, through anyio.

The pool, the deadline and the exchange are `_async_client`'s.  Connections
are plain non-blocking sockets driven through anyio's
``wait_readable``/``wait_writable`` (see `_anyio_socket`), with anyio's
`TLSStream` on top for ``https://``.
"""

from __future__ import annotations

from types import ModuleType
from typing import ClassVar

import anyio
import anyio.abc
from anyio.streams.tls import TLSStream

from . import _anyio_socket
from ._async_client import AsyncClientBase, AsyncConnection
from ._client_common import READ_SIZE, connect_error, is_readable

__all__ = ["AgentClient"]


class AgentClient(AsyncClientBase):
    """An anyio client for the chat agent API; see `ClientBase` for the arguments.

    Use it as an async context manager, or call `aclose`.
    """

    _backend: ClassVar[ModuleType] = anyio
    _network_errors: ClassVar[tuple[type[BaseException], ...]] = (
        OSError,
        anyio.BrokenResourceError,
        anyio.ClosedResourceError,
    )

    async def _connect(self) -> AsyncConnection:
        endpoint = self._endpoint
        try:
            tcp = await _anyio_socket.connect(endpoint.host, endpoint.port)
        except OSError as exc:
            raise connect_error(endpoint, exc, timed_out=False) from exc
        stream: anyio.abc.ByteStream = tcp
        if self._ssl_context is not None:
            try:
                # HTTP does not need the TLS close handshake (anyio's "standard
                # compatible" mode would report a server's plain close as an error).
                stream = await TLSStream.wrap(
                    tcp, hostname=endpoint.host, ssl_context=self._ssl_context, standard_compatible=False
                )
            except BaseException as exc:
                await self._close(tcp)
                if isinstance(exc, (*self._network_errors, anyio.EndOfStream)):
                    raise connect_error(endpoint, exc, timed_out=False) from exc
                raise
        return AsyncConnection(stream, tcp.socket, self._new_connection())

    def _idle_readable(self, conn: AsyncConnection) -> bool:
        return is_readable(conn.socket)

    async def _write(self, conn: AsyncConnection, data: bytes) -> None:
        await conn.stream.send(data)

    async def _read(self, conn: AsyncConnection) -> bytes:
        try:
            return await conn.stream.receive(READ_SIZE)  # type: ignore[no-any-return]
        except anyio.EndOfStream:
            return b""
