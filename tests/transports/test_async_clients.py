"""The async clients in their own event loops: concurrency, the pool's bound, cancellation.

Each test runs three times: the anyio client on asyncio and on trio, and the
trio client on trio.  Waiting on the (threaded) server happens in a worker
thread, so the event loop keeps moving the client's bytes meanwhile.
"""

from __future__ import annotations

import gc
import ssl
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import anyio
import anyio.to_thread
import pytest
from tests.reference import AGENT_ID, SESSION_ID, SITE
from transport_server import Act, ChatServer, OnAccept

import chatproto as cp
import transports
import transports.anyio
import transports.trio

pytestmark = pytest.mark.anyio

FLAVORS = {
    "anyio-asyncio": (transports.anyio, "asyncio"),
    "anyio-trio": (transports.anyio, "trio"),
    "trio": (transports.trio, "trio"),
}


@pytest.fixture(params=list(FLAVORS))
def flavor(request: pytest.FixtureRequest) -> Iterator[tuple[ModuleType, str]]:
    yield FLAVORS[request.param]
    gc.collect()  # an unclosed socket would warn here, an error under filterwarnings


@pytest.fixture
def anyio_backend(flavor: tuple[ModuleType, str]) -> str:
    return flavor[1]


@pytest.fixture
def make_client(flavor: tuple[ModuleType, str]) -> Callable[..., Any]:
    def make(url: str, **options: Any) -> Any:
        options.setdefault("site", SITE)
        options.setdefault("agent_id", AGENT_ID)
        options.setdefault("session_id", SESSION_ID)
        options.setdefault("timeout", 5.0)
        return flavor[0].AgentClient(url, **options)

    return make


async def wait_for(server: ChatServer, predicate: Callable[[ChatServer], bool]) -> None:
    await anyio.to_thread.run_sync(server.wait_for, predicate)


async def post(client: Any, body: str) -> None:
    await client.post_message(body, destination_id=27)


async def test_concurrent_posts_share_a_bounded_pool(server: ChatServer, make_client: Callable[..., Any]) -> None:
    numbers: list[int] = []

    async with make_client(server.url, max_connections=8) as client:

        async def post_four(task: int) -> None:
            for i in range(4):
                response = await client.post_message(f"task {task} message {i}", destination_id=27)
                numbers.append(response.sequence_number)

        async with anyio.create_task_group() as tg:
            for task in range(32):
                tg.start_soon(post_four, task)

        assert len(client._pool._idle) <= 8

    assert sorted(numbers) == list(range(1, 129))
    assert sorted(server.sequence_numbers()) == list(range(1, 129))
    assert server.connections_opened <= 8
    # Numbers are strictly increasing on each connection, as on the whole client.
    for index in range(server.connections_opened):
        on_connection = [r.request.sequence_number for i, r in server.requests if i == index]  # type: ignore[attr-defined]
        assert on_connection == sorted(set(on_connection))
    await wait_for(server, lambda s: s.client_closes == s.connections_opened)


async def test_one_connection_serves_concurrent_calls_in_turn(
    server: ChatServer, make_client: Callable[..., Any]
) -> None:
    async with make_client(server.url, max_connections=1) as client, anyio.create_task_group() as tg:
        for i in range(10):
            tg.start_soon(post, client, f"m{i}")

    assert server.connections_opened == 1
    assert sorted(server.sequence_numbers()) == list(range(1, 11))


async def test_cancelling_mid_request_closes_the_connection(
    server: ChatServer, make_client: Callable[..., Any]
) -> None:
    server.script(Act.HANG)
    async with make_client(server.url, max_connections=1) as client:
        async with anyio.create_task_group() as tg:
            tg.start_soon(post, client, "never answered")
            await wait_for(server, lambda s: len(s.requests) == 1)
            tg.cancel_scope.cancel()

        # The server saw the socket closed; nothing half-used went back to the pool.
        await wait_for(server, lambda s: s.client_closes == 1)
        assert client._pool._idle == []
        # The pool's one slot was given back: the next call works, on a new connection.
        assert (await client.post_message("next", destination_id=27)).sequence_number == 2
        assert server.connections_opened == 2


async def test_an_outer_timeout_cancels_like_any_cancellation(
    server: ChatServer, make_client: Callable[..., Any]
) -> None:
    server.script(Act.DRIP)
    async with make_client(server.url) as client:
        with anyio.move_on_after(0.2) as scope:
            await client.post_message("dripped", destination_id=27)
        assert scope.cancelled_caught

        await wait_for(server, lambda s: s.client_closes == 1)
        assert client._pool._idle == []
        assert (await client.post_message("next", destination_id=27)).sequence_number == 2


async def test_cancelling_a_call_waiting_for_the_pool(server: ChatServer, make_client: Callable[..., Any]) -> None:
    server.script(Act.HANG)
    async with make_client(server.url, max_connections=1) as client:
        async with anyio.create_task_group() as tg:
            tg.start_soon(post, client, "holds the only connection")
            await wait_for(server, lambda s: len(s.requests) == 1)
            with anyio.move_on_after(0.05) as scope:
                await client.post_message("waits for it", destination_id=27)
            assert scope.cancelled_caught
            tg.cancel_scope.cancel()

        await wait_for(server, lambda s: s.client_closes == 1)
        assert (await client.post_message("next", destination_id=27)).sequence_number == 2
    assert server.connections_opened == 2
    # The call cancelled while waiting never numbered or sent anything.
    assert server.sequence_numbers() == [1, 2]


async def test_a_call_in_a_cancelled_scope_sends_nothing(server: ChatServer, make_client: Callable[..., Any]) -> None:
    async with make_client(server.url) as client:
        await client.post_message("opens the connection", destination_id=27)
        with anyio.CancelScope() as scope:
            scope.cancel()
            await client.post_message("never sent", destination_id=27)
        assert scope.cancelled_caught

        assert (await client.post_message("next", destination_id=27)).sequence_number == 2
    assert server.sequence_numbers() == [1, 2]
    assert server.connections_opened == 1


async def test_cancelling_a_tls_handshake_leaks_no_socket(
    tls_server: ChatServer, make_client: Callable[..., Any], client_ssl_context: ssl.SSLContext
) -> None:
    tls_server.script_accept(OnAccept.NO_TLS_HANDSHAKE)
    async with make_client(tls_server.url, ssl_context=client_ssl_context) as client:
        with anyio.move_on_after(0.2) as scope:
            await client.post_message("Hi", destination_id=27)
        assert scope.cancelled_caught
        await wait_for(tls_server, lambda s: s.client_closes == 1)

        assert (await client.post_message("Hi", destination_id=27)).sequence_number == 1


async def test_failures_in_concurrent_calls_stay_in_their_calls(
    server: ChatServer, make_client: Callable[..., Any]
) -> None:
    server.script(Act.OK, Act.GARBAGE, Act.OK, Act.ERROR_400, Act.OK)
    outcomes: list[str] = []
    async with make_client(server.url, max_connections=4) as client:

        async def post(i: int) -> None:
            try:
                await client.post_message(f"m{i}", destination_id=27)
            except transports.OutcomeUnknownProtocolError:
                outcomes.append("unknown")
            except cp.ApiError:
                outcomes.append("api")
            else:
                outcomes.append("ok")

        async with anyio.create_task_group() as tg:
            for i in range(5):
                tg.start_soon(post, i)

    assert sorted(outcomes) == ["api", "ok", "ok", "ok", "unknown"]


async def test_aclose_closes_idle_connections_and_refuses_calls(
    server: ChatServer, make_client: Callable[..., Any]
) -> None:
    client = make_client(server.url)
    async with client:
        async with anyio.create_task_group() as tg:
            for i in range(3):
                tg.start_soon(post, client, f"m{i}")
        assert len(client._pool._idle) == server.connections_opened

    await wait_for(server, lambda s: s.client_closes == s.connections_opened)
    with pytest.raises(transports.ClientClosedError):
        await client.post_message("late", destination_id=27)
