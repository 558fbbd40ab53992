"""Fixtures for the transport tests: loopback servers (plain and TLS) and clients of every kind."""

from __future__ import annotations

import gc
import ssl
from collections.abc import Iterator

import pytest
import trustme
from transport_clients import KINDS, ClientFactory, client_factory
from transport_server import ChatServer


@pytest.fixture(scope="session")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="session")
def server_ssl_context(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


@pytest.fixture
def client_ssl_context(ca: trustme.CA) -> ssl.SSLContext:
    """A client context that trusts the test CA (and checks host names, as the default does)."""
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


@pytest.fixture
def server() -> Iterator[ChatServer]:
    with ChatServer() as chat_server:
        yield chat_server


@pytest.fixture
def tls_server(server_ssl_context: ssl.SSLContext) -> Iterator[ChatServer]:
    with ChatServer(ssl_context=server_ssl_context) as chat_server:
        yield chat_server


@pytest.fixture(params=list(KINDS))
def make_client(request: pytest.FixtureRequest) -> Iterator[ClientFactory]:
    """A factory of clients of each kind in turn: sync, anyio on asyncio, anyio on trio, trio."""
    with client_factory(request.param) as factory:
        yield factory
    # A socket left open would surface here as a ResourceWarning, an error under filterwarnings.
    gc.collect()


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Every ``@pytest.mark.anyio`` test here runs on both backends (test_async_clients narrows it per client)."""
    return str(request.param)
