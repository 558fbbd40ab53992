"""A poll whose call failed frees the session's poll slot: the pool abandons what it drops.

Each test runs with every client kind over the memory backend (`memory_server`).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from memory_server import Act, MemoryChatServer, MemoryClients, memory_clients
from transport_clients import KINDS

import chatproto as cp
import transports


@pytest.fixture
def server() -> MemoryChatServer:
    return MemoryChatServer()


@pytest.fixture(params=list(KINDS))
def make_client(request: pytest.FixtureRequest, server: MemoryChatServer) -> Iterator[MemoryClients]:
    with memory_clients(request.param, server) as clients:
        yield clients


@pytest.mark.parametrize("act", [Act.RESET, Act.CLOSE, Act.GARBAGE])
def test_a_poll_that_failed_after_it_was_written_frees_the_slot(
    server: MemoryChatServer, make_client: MemoryClients, act: Act
) -> None:
    client = make_client()
    server.script(act)

    with pytest.raises(transports.OutcomeUnknownError):
        client.send(cp.GetMessagesRequest())

    assert not client.session.polling
    response = client.send(cp.GetMessagesRequest())  # a second poll is not refused
    assert type(response) is cp.GetMessagesResponse
    assert not client.session.polling


def test_a_poll_that_timed_out_frees_the_slot(server: MemoryChatServer, make_client: MemoryClients) -> None:
    client = make_client(poll_timeout=0.3)  # a poll's deadline is poll_timeout, not timeout
    server.script(Act.HANG)

    with pytest.raises(transports.OutcomeUnknownTimeout):
        client.send(cp.GetMessagesRequest())

    assert not client.session.polling
    server.wait_for(lambda s: s.client_closes == 1)  # its connection was closed
    assert type(client.send(cp.GetMessagesRequest())) is cp.GetMessagesResponse


def test_an_answered_poll_frees_the_slot_and_keeps_its_connection(
    server: MemoryChatServer, make_client: MemoryClients
) -> None:
    client = make_client()

    for _ in range(3):
        client.send(cp.GetMessagesRequest())
        assert not client.session.polling

    assert server.connections_opened == 1
    # A poll's connection is the poll's own (posts never wait behind it), kept idle for the next poll.
    assert client.idle_count() == 0
    assert len(client.client._poll_pool._idle) == 1
