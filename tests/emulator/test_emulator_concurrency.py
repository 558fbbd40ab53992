"""Many clients at once: every message is recorded exactly once, and each client's in its order."""

from __future__ import annotations

import json
import ssl
import threading
from collections import Counter

import anyio
import httpx
from emulator_helpers import NETWORK_TIMEOUT, POST_TARGET, RawClient, post_body, request_bytes

from transports.emulator import BackgroundEmulator

CLIENTS = 100
MESSAGES_PER_CLIENT = 10
SESSIONS = 10


def open_sessions(server: BackgroundEmulator) -> list[tuple[str, int]]:
    """``SESSIONS`` agent sessions (agents 1..10), each with one engagement: (session id, engagement id)."""
    sessions = []
    for agent in range(1, SESSIONS + 1):
        info = server.open_session(agent)
        sessions.append((info.session_id, server.start_engagement(info.session_id)))
    return sessions


def check_recorded(server: BackgroundEmulator, sessions: list[tuple[str, int]]) -> None:
    for index, (_, engagement_id) in enumerate(sessions):
        bodies = [message.body for message in server.messages(engagement_id)]
        expected = {
            f"client {client} message {n}"
            for client in range(index, CLIENTS, SESSIONS)
            for n in range(MESSAGES_PER_CLIENT)
        }
        assert Counter(bodies) == Counter(expected)  # each exactly once
        for client in range(index, CLIENTS, SESSIONS):
            mine = [body for body in bodies if body.startswith(f"client {client} ")]
            assert mine == [f"client {client} message {n}" for n in range(MESSAGES_PER_CLIENT)]
    assert server.call(lambda: server.emulator.message_count) == CLIENTS * MESSAGES_PER_CLIENT


def test_100_raw_socket_clients_in_threads(server: BackgroundEmulator) -> None:
    sessions = open_sessions(server)
    start = threading.Barrier(CLIENTS, timeout=NETWORK_TIMEOUT)
    failures: list[BaseException] = []

    def client(number: int) -> None:
        session_id, engagement_id = sessions[number % SESSIONS]
        agent_id = str(number % SESSIONS + 1)
        try:
            with RawClient(server.url) as raw:
                start.wait()
                for n in range(MESSAGES_PER_CLIENT):
                    sequence = number * MESSAGES_PER_CLIENT + n + 1
                    body = post_body(
                        destinationId=engagement_id, sequenceNumber=sequence, body=f"client {number} message {n}"
                    )
                    status, _, payload = raw.exchange(request_bytes(body, session_id=session_id, agent_id=agent_id))
                    assert (status, json.loads(payload)["sequenceNumber"]) == (200, sequence)
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=client, args=(number,)) for number in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert failures == []
    check_recorded(server, sessions)


def test_100_httpx_clients_in_anyio_tasks(server: BackgroundEmulator) -> None:
    sessions = open_sessions(server)
    # Plain HTTP needs no TLS, but httpx builds a context per client; one shared
    # context saves loading the CA bundle a hundred times.
    tls = ssl.create_default_context()

    async def client(number: int) -> None:
        session_id, engagement_id = sessions[number % SESSIONS]
        headers = {"X-JSESSIONID": session_id, "X-AID": str(number % SESSIONS + 1)}
        async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=NETWORK_TIMEOUT, verify=tls) as http:
            for n in range(MESSAGES_PER_CLIENT):
                body = post_body(destinationId=engagement_id, sequenceNumber=n + 1, body=f"client {number} message {n}")
                response = await http.post(POST_TARGET, content=body, headers={"Content-Type": "application/json"})
                assert response.status_code == 200, response.text
                assert response.json()["sequenceNumberString"] == str(n + 1)

    async def main() -> None:
        with anyio.fail_after(60):
            async with anyio.create_task_group() as tasks:
                for number in range(CLIENTS):
                    tasks.start_soon(client, number)

    anyio.run(main)
    check_recorded(server, sessions)
