"""Every client over the memory backend against the core's server role: the client logic with no network.

Each test runs with the sync client, the anyio client on asyncio and on
trio, and the trio client, each with its face's runtime and the memory
backend in place of its network one (`memory_server`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from memory_server import Act, MemoryChatServer, MemoryClients, memory_clients
from transport_clients import KINDS

import chatproto as cp
import transports

SITE = "day001_221100_sql_001h"


@pytest.fixture
def server() -> MemoryChatServer:
    return MemoryChatServer()


@pytest.fixture(params=list(KINDS))
def make_client(request: pytest.FixtureRequest, server: MemoryChatServer) -> Iterator[MemoryClients]:
    with memory_clients(request.param, server) as clients:
        yield clients


def test_a_post_is_the_exact_bytes_and_a_typed_response(server: MemoryChatServer, make_client: MemoryClients) -> None:
    client = make_client(clock=lambda: 1_700_000_000.0)

    response = client.post_message("Hi", destination_id=27)

    assert type(response) is cp.PostMessageResponse
    assert response.sequence_number == 1
    body = b'{"body":"Hi","destinationId":27,"destinationType":"ENGAGEMENT","messageType":"TEXT",'
    body += b'"sequenceNumber":1,"timeCreated":1700000000000}'
    expected = (
        f"POST /engagement/api/agent/{SITE}/v1/postMessage HTTP/1.1\r\n"
        "Host: chat.test:8080\r\n"
        "Content-Type: application/json; charset=utf-8\r\n"
        "X-AID: 12\r\n"
        "X-JSESSIONID: node01h8m13tljpm7ns8nayp0pid91\r\n"
        f"Content-Length: {len(body)}\r\n"
        "\r\n"
    ).encode() + body
    assert bytes(server.raw[0]) == expected
    assert make_client.backend.connects == [("chat.test", 8080)]


def test_sequential_posts_reuse_one_connection(server: MemoryChatServer, make_client: MemoryClients) -> None:
    client = make_client()

    numbers = [client.post_message(f"message {i}", destination_id=27).sequence_number for i in range(20)]

    assert numbers == list(range(1, 21))
    assert server.sequence_numbers() == numbers
    assert server.connections_opened == 1
    assert client.idle_count() == 1


def test_an_error_answer_raises_and_the_next_call_uses_a_fresh_connection(
    server: MemoryChatServer, make_client: MemoryClients
) -> None:
    client = make_client()
    server.script(Act.ERROR_409)

    with pytest.raises(cp.ConflictError) as caught:
        client.post_message("Hi", destination_id=27)

    assert (caught.value.status, caught.value.code) == (409, "CONFLICT")
    assert client.post_message("again", destination_id=27).sequence_number == 2
    assert server.connections_opened == 2
    server.wait_for(lambda s: s.client_closes == 1)  # the client closed the one the core would not reuse


def test_an_idle_connection_the_server_closed_is_not_reused(
    server: MemoryChatServer, make_client: MemoryClients
) -> None:
    client = make_client()
    server.script(Act.OK_THEN_CLOSE)
    client.post_message("one", destination_id=27)
    server.wait_for(lambda s: s.server_closes == 1)

    # No OutcomeUnknownError: the dead connection is noticed before anything is written to it.
    assert client.post_message("two", destination_id=27).sequence_number == 2

    assert server.connections_opened == 2
    assert [index for index, _ in server.requests] == [0, 1]


@pytest.mark.parametrize(
    ("act", "cause_type"), [(Act.CLOSE, cp.PeerClosedEarly), (Act.GARBAGE, cp.RemoteProtocolError)]
)
def test_a_broken_answer_is_outcome_unknown_and_a_protocol_error(
    server: MemoryChatServer, make_client: MemoryClients, act: Act, cause_type: type[Exception]
) -> None:
    client = make_client()
    server.script(act)

    with pytest.raises(transports.OutcomeUnknownProtocolError) as caught:
        client.post_message("Hi", destination_id=27)

    assert isinstance(caught.value.__cause__, cause_type)
    assert caught.value.request is not None
    assert caught.value.request.sequence_number == 1  # type: ignore[attr-defined]
    assert client.post_message("recovered", destination_id=27).sequence_number == 2
    assert client.idle_count() == 1


def test_a_reset_is_outcome_unknown(server: MemoryChatServer, make_client: MemoryClients) -> None:
    client = make_client()
    server.script(Act.RESET)

    with pytest.raises(transports.OutcomeUnknownError) as caught:
        client.post_message("Hi", destination_id=27)

    assert not isinstance(caught.value, cp.RemoteProtocolError | transports.TransportTimeout)
    assert isinstance(caught.value.__cause__, ConnectionResetError)
    assert client.post_message("recovered", destination_id=27).sequence_number == 2


def test_a_silent_server_times_out_and_the_connection_is_closed(
    server: MemoryChatServer, make_client: MemoryClients
) -> None:
    client = make_client(timeout=0.3)
    server.script(Act.HANG)

    started = time.monotonic()
    with pytest.raises(transports.OutcomeUnknownTimeout) as caught:
        client.post_message("Hi", destination_id=27)

    assert 0.25 <= time.monotonic() - started < 2.0
    assert caught.value.request is not None
    server.wait_for(lambda s: s.client_closes == 1)
    assert client.idle_count() == 0
    assert client.post_message("recovered", destination_id=27).sequence_number == 2


def test_a_refused_connection_is_a_connect_error(server: MemoryChatServer, make_client: MemoryClients) -> None:
    client = make_client()
    server.refuse = True

    with pytest.raises(transports.ConnectError) as caught:
        client.post_message("Hi", destination_id=27)

    assert isinstance(caught.value.__cause__, ConnectionRefusedError)
    assert client.session.last_sequence_number == 0  # nothing was sent, so no number was used


def test_a_closed_client_closes_its_idle_connections_and_refuses_calls(
    server: MemoryChatServer, make_client: MemoryClients
) -> None:
    client = make_client()
    client.post_message("Hi", destination_id=27)

    client.close()
    client.close()

    server.wait_for(lambda s: s.client_closes == 1)
    with pytest.raises(transports.ClientClosedError):
        client.post_message("Hi", destination_id=27)
    assert client.idle_count() == 0
