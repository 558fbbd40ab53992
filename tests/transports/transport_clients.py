"""The three clients behind one blocking interface, for the conformance suite.

The sync client is used as it is.  The async ones run in an event loop in a
helper thread (an anyio blocking portal, on asyncio or trio), and every call
is carried into that loop: the client, its connections and its calls all
live in the one loop, as they would in an application.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from typing import Any

from anyio.from_thread import BlockingPortal, start_blocking_portal
from tests.reference import AGENT_ID, SESSION_ID, SITE

import chatproto as cp
import transports.anyio
import transports.sync
import transports.trio

#: (client module, event loop) pairs the conformance suite runs against.
KINDS = {
    "sync": (transports.sync, None),
    "anyio-asyncio": (transports.anyio, "asyncio"),
    "anyio-trio": (transports.anyio, "trio"),
    "trio": (transports.trio, "trio"),
}


class PortalClient:
    """An async `AgentClient` driven from blocking code through a portal."""

    def __init__(self, portal: BlockingPortal, client: Any) -> None:
        self._portal = portal
        self.client = client

    @property
    def session(self) -> cp.AgentSession:
        return self.client.session  # type: ignore[no-any-return]

    def post_message(self, body: str, **fields: Any) -> cp.PostMessageResponse:
        return self._portal.call(functools.partial(self.client.post_message, body, **fields))  # type: ignore[no-any-return]

    def send(self, request: cp.Request) -> Any:
        return self._portal.call(self.client.send, request)

    def close(self) -> None:
        self._portal.call(self.client.aclose)

    def idle_count(self) -> int:
        return len(self.client._pool._idle)


class SyncClient:
    """The sync client, with the same test-only view of its pool."""

    def __init__(self, client: transports.sync.AgentClient) -> None:
        self.client = client

    @property
    def session(self) -> cp.AgentSession:
        return self.client.session

    def post_message(self, body: str, **fields: Any) -> cp.PostMessageResponse:
        return self.client.post_message(body, **fields)

    def send(self, request: cp.Request) -> Any:
        return self.client.send(request)

    def close(self) -> None:
        self.client.close()

    def idle_count(self) -> int:
        return len(self.client._pool._idle)


class ClientFactory:
    """Makes clients of one kind; closes them all (and stops the loop) at the end."""

    def __init__(self, kind: str, portal: BlockingPortal | None) -> None:
        self.kind = kind
        self._module = KINDS[kind][0]
        self._portal = portal
        self._made: list[SyncClient | PortalClient] = []

    @property
    def client_class(self) -> Any:
        """The face's `AgentClient`, for a test to subclass and pass back as ``client_class``."""
        return self._module.AgentClient

    def __call__(self, url: str, *, client_class: Any = None, **options: Any) -> SyncClient | PortalClient:
        options.setdefault("site", SITE)
        options.setdefault("agent_id", AGENT_ID)
        options.setdefault("session_id", SESSION_ID)
        options.setdefault("timeout", 5.0)
        made = self._module.AgentClient if client_class is None else client_class
        wrapped: SyncClient | PortalClient
        if self._portal is None:
            wrapped = SyncClient(made(url, **options))
        else:
            make = functools.partial(made, url, **options)
            wrapped = PortalClient(self._portal, self._portal.call(make))
        self._made.append(wrapped)
        return wrapped

    def close_all(self) -> None:
        for client in self._made:
            client.close()


@contextlib.contextmanager
def client_factory(kind: str) -> Iterator[ClientFactory]:
    backend = KINDS[kind][1]
    if backend is None:
        factory = ClientFactory(kind, None)
        try:
            yield factory
        finally:
            factory.close_all()
        return
    with start_blocking_portal(backend) as portal:
        factory = ClientFactory(kind, portal)
        try:
            yield factory
        finally:
            factory.close_all()
