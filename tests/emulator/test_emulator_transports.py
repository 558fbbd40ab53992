"""Our own clients (every transport) against the emulator, through the plugin's ``chat_emulator``,
and the faults the emulator injects as a client experiences them."""

from __future__ import annotations

import importlib
from typing import Any

import anyio
import httpx
import pytest
import trio
from emulator_helpers import NETWORK_TIMEOUT

import chatproto as cp
import transports
from chatproto.emulator import Fault, FaultPlan
from transports.pytest_plugin import ChatEmulator
from transports.sync import AgentClient

#: kind -> (client module, how it is run)
KINDS = {
    "sync": ("transports.sync", None),
    "anyio-asyncio": ("transports.anyio", "asyncio"),
    "anyio-trio": ("transports.anyio", "trio"),
    "trio": ("transports.trio", "trio-native"),
}


def post(kind: str, chat: ChatEmulator, text: str, **options: Any) -> cp.PostMessageResponse:
    """Post ``text`` into the fixture's engagement with a new client of ``kind``."""
    module, runner = KINDS[kind]
    client_class: Any = importlib.import_module(module).AgentClient
    timeout = options.pop("timeout", NETWORK_TIMEOUT)

    def client() -> Any:
        return client_class(chat.url, timeout=timeout, **chat.client_options, **options)

    if runner is None:
        with client() as blocking:
            response: cp.PostMessageResponse = blocking.post_message(text, destination_id=chat.engagement_id)
            return response

    async def run() -> cp.PostMessageResponse:
        async with client() as concurrent:
            answer: cp.PostMessageResponse = await concurrent.post_message(text, destination_id=chat.engagement_id)
            return answer

    if runner == "trio-native":
        return trio.run(run)
    return anyio.run(run, backend=runner)


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_transport_posts_and_is_recorded(chat_emulator: ChatEmulator, kind: str) -> None:
    response = post(kind, chat_emulator, f"Hello from {kind}")
    assert response.chat_post_result == cp.ChatPostResult(client_reset=0)
    assert response.chat_system_error is None
    assert response.session_id == chat_emulator.session_id
    assert (response.sequence_number, response.sequence_number_string) == (1, "1")
    assert response.client_id_string == str(response.client_id)
    [message] = chat_emulator.messages()
    assert (message.body, message.sequence_number) == (f"Hello from {kind}", 1)
    assert message.time_created is not None


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_transport_gets_conflict_after_conclude(chat_emulator: ChatEmulator, kind: str) -> None:
    chat_emulator.conclude()
    with pytest.raises(cp.ConflictError) as raised:
        post(kind, chat_emulator, "too late")
    assert (raised.value.status, raised.value.code) == (409, "CONFLICT")
    assert chat_emulator.messages() == []


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_transport_gets_403_for_another_agent(chat_emulator: ChatEmulator, kind: str) -> None:
    options = {**chat_emulator.client_options, "agent_id": "99"}
    chat = ChatEmulator(
        chat_emulator.url, engagement_id=chat_emulator.engagement_id, server=chat_emulator.server, **options
    )
    with pytest.raises(cp.SessionExpiredError) as raised:
        post(kind, chat, "not mine")
    assert (raised.value.status, raised.value.code) == (403, "ACCESS_DENIED")
    assert raised.value.message == "X-AID: this agent does not own the session"


def test_injected_server_error(chat_emulator: ChatEmulator) -> None:
    chat_emulator.set_faults(FaultPlan(server_error=1.0))
    with pytest.raises(cp.ApiError) as raised:
        post("sync", chat_emulator, "x")
    assert (raised.value.status, raised.value.code) == (500, "UNKNOWN_EXCEPTION")
    assert chat_emulator.messages() == []


@pytest.mark.parametrize("kind", list(KINDS))
def test_injected_close_before_record(chat_emulator: ChatEmulator, kind: str) -> None:
    chat_emulator.set_faults(FaultPlan(close_before_record=1.0))
    with pytest.raises(transports.OutcomeUnknownError):
        post(kind, chat_emulator, "lost")
    assert chat_emulator.messages() == []


@pytest.mark.parametrize("kind", list(KINDS))
def test_injected_close_after_record(chat_emulator: ChatEmulator, kind: str) -> None:
    chat_emulator.set_faults(FaultPlan(close_after_record=1.0))
    with pytest.raises(transports.OutcomeUnknownError):
        post(kind, chat_emulator, "recorded, unanswered")
    assert [message.body for message in chat_emulator.messages()] == ["recorded, unanswered"]


def test_injected_delay_outlasts_the_client_timeout(chat_emulator: ChatEmulator) -> None:
    chat_emulator.set_faults(FaultPlan(delay=1.0, delay_ms=1500))
    with pytest.raises(transports.OutcomeUnknownTimeout):
        post("sync", chat_emulator, "slow", timeout=0.2)
    assert [message.body for message in chat_emulator.messages()] == ["slow"]


def test_injected_delay_within_the_client_timeout(chat_emulator: ChatEmulator) -> None:
    chat_emulator.set_faults(FaultPlan(delay=1.0, delay_ms=50))
    assert post("sync", chat_emulator, "a little late").sequence_number == 1


def test_injected_pool_change(chat_emulator: ChatEmulator) -> None:
    chat_emulator.set_faults(FaultPlan(pool_change=1.0))
    with pytest.raises(cp.SessionExpiredError) as raised:
        post("sync", chat_emulator, "moved")
    assert raised.value.message == "the agent session moved to pool 297:2"
    assert chat_emulator.server.session(chat_emulator.session_id).pool == "297:2"
    chat_emulator.set_faults(None)
    # The client that follows the move is served; one that does not, is not.
    with pytest.raises(cp.SessionExpiredError):
        post("sync", chat_emulator, "old pool")
    options = {**chat_emulator.client_options, "pool": "297:2"}
    with AgentClient(chat_emulator.url, timeout=NETWORK_TIMEOUT, **options) as client:
        assert client.post_message("new pool", destination_id=chat_emulator.engagement_id).sequence_number == 1
    assert [message.body for message in chat_emulator.messages()] == ["new pool"]


def test_faults_set_over_http_are_reproducible(chat_emulator: ChatEmulator) -> None:
    plan = {"seed": 42, "serverError": 0.3, "closeBeforeRecord": 0.2}
    expected = FaultPlan(seed=42, server_error=0.3, close_before_record=0.2)

    def run() -> list[str]:
        with httpx.Client(base_url=chat_emulator.url, timeout=NETWORK_TIMEOUT) as http:
            assert http.post("/emulator/faults", json=plan).json()["seed"] == 42
        outcomes = []
        with AgentClient(chat_emulator.url, timeout=NETWORK_TIMEOUT, **chat_emulator.client_options) as client:
            for n in range(15):
                try:
                    client.post_message(f"m{n}", destination_id=chat_emulator.engagement_id)
                    outcomes.append("ok")
                except cp.ApiError as exc:
                    outcomes.append(str(exc.status))
                except transports.OutcomeUnknownError:
                    outcomes.append("closed")
        return outcomes

    first = run()
    assert first == run()
    assert first == [
        {Fault.NONE: "ok", Fault.SERVER_ERROR: "500", Fault.CLOSE_BEFORE_RECORD: "closed"}[expected.fault_for(n)]
        for n in range(15)
    ]
    assert len(set(first)) == 3
    assert len(chat_emulator.messages()) == 2 * first.count("ok")
    with httpx.Client(base_url=chat_emulator.url, timeout=NETWORK_TIMEOUT) as http:
        assert http.get("/emulator/faults").json() == {
            "seed": 42,
            "delay": 0.0,
            "delayMs": 100,
            "closeBeforeRecord": 0.2,
            "closeAfterRecord": 0.0,
            "serverError": 0.3,
            "poolChange": 0.0,
            "dropPoll": 0.0,
            "replay": 0.0,
            "takeover": 0.0,
        }
