"""Cancelling the async clients' poll loop while a poll is held frees the session's poll slot and its connection."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anyio
import pytest
from strict_server import (
    AGENT_ID,
    CLOCK,
    PASSWORD,
    POOL,
    SITE,
    TOKEN,
    USERNAME,
    Answer,
    StrictServer,
    agent_call,
    agent_tokens,
    envelope,
    poll_answer,
    service_settings,
)

import chatproto as cp
import transports.anyio
import transports.trio

#: (client module, anyio backend) of the async clients.
ASYNC_KINDS = {
    "anyio-asyncio": (transports.anyio, "asyncio"),
    "anyio-trio": (transports.anyio, "trio"),
    "trio": (transports.trio, "trio"),
}


@pytest.fixture
def strict() -> Iterator[StrictServer]:
    with StrictServer() as server:
        yield server


@pytest.mark.parametrize("kind", list(ASYNC_KINDS))
def test_cancelling_the_loop_while_a_poll_is_held(strict: StrictServer, kind: str) -> None:
    module, backend = ASYNC_KINDS[kind]
    strict.expect(
        service_settings(), Answer(body={"domain": "127.0.0.1", "port": strict.port, "pool": POOL, "siteName": SITE})
    )
    strict.expect(agent_tokens(), Answer(body={"sessionToken": TOKEN}))
    strict.expect(
        agent_call("createAutomatedAgentSession", '{"logonOverride":false}', 1, session=False),
        Answer(body=envelope(1)),
    )
    strict.expect(agent_call("getMessages", "{}", 2), Answer(act="hold"))
    strict.expect(agent_call("getMessages", "{}", 3), poll_answer(3, {"ChatGetTimeout": {}}))

    async def main() -> None:
        client: Any = module.AgentClient.for_site(
            strict.url, username=USERNAME, password=PASSWORD, agent_id=AGENT_ID, clock=lambda: CLOCK
        )
        async with client:
            await client.log_on()
            with anyio.CancelScope() as scope:

                async def cancel_once_held() -> None:
                    await anyio.to_thread.run_sync(strict.wait_for, lambda: len(strict.requests) == 4)
                    scope.cancel()

                async with anyio.create_task_group() as tg:
                    tg.start_soon(cancel_once_held)
                    async for _ in client.messages():
                        pytest.fail("the held poll delivered nothing")
            assert scope.cancelled_caught
            # The slot is free and the held poll's connection closed, at once.
            assert not client.session.polling
            await anyio.to_thread.run_sync(strict.wait_for, lambda: strict.hung_up == 1)
            response = await client.get_messages()  # a poll after it is not refused
            assert response.messages == (cp.ChatGetTimeout(),)

    anyio.run(main, backend=backend)
    strict.assert_done()
