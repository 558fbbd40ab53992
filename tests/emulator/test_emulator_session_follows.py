"""End to end: a client of every transport, over loopback, follows what the emulator's getMessages says.

The faults and the pool move are set through the emulator's control routes
over HTTP (``POST /emulator/faults``, ``POST /emulator/sessions/{id}/pool``),
as a test outside the process would set them:

- with the replay fault on, every poll answer carries the whole transcript
  again before the new messages; the client delivers each message once, and
  a restarted client that restores ``last_message_sequence_number`` too;
- after a pool move is announced, the client's next post carries the new
  pool and succeeds, where a client that did not hear the announcement is
  refused.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from emulator_helpers import NETWORK_TIMEOUT
from tests.transports.transport_clients import KINDS, client_factory

import chatproto as cp
from transports.pytest_plugin import ChatEmulator

POLL = cp.GetMessagesRequest()


def bodies(response: cp.GetMessagesResponse) -> list[str | None]:
    """What the end user said, in the answer's posts."""
    return [message.body for message in response.messages if isinstance(message, cp.ChatPostMessage)]


def control(chat: ChatEmulator, path: str, body: dict[str, Any]) -> Any:
    with httpx.Client(base_url=chat.url, timeout=NETWORK_TIMEOUT) as http:
        answer = http.post(path, json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()


def restored(session: cp.AgentSession, *, messages: bool) -> cp.AgentSession:
    """``session`` as a restarted process makes it from what it saved; with the message counter if ``messages``."""
    return cp.AgentSession(
        host=session.host,
        site=session.site,
        agent_id=session.agent_id,
        session_id=session.session_id,
        pool=session.pool,
        last_sequence_number=session.last_sequence_number,
        last_message_sequence_number=session.last_message_sequence_number if messages else 0,
    )


def with_session(session: cp.AgentSession) -> dict[str, Any]:
    # The factory fills in the reference's site, agent and session ids unless told otherwise.
    return {"session": session, "site": None, "agent_id": None, "session_id": None}


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_replayed_transcript_is_delivered_once(chat_emulator: ChatEmulator, kind: str) -> None:
    chat_emulator.say("one")
    chat_emulator.say("two")
    with client_factory(kind) as make:
        client = make(chat_emulator.url, **chat_emulator.client_options)
        assert bodies(client.send(POLL)) == ["one", "two"]
        assert client.session.last_message_sequence_number == 2

        assert control(chat_emulator, "/emulator/faults", {"replay": 1.0})["replay"] == 1.0
        chat_emulator.say("three")
        assert bodies(client.send(POLL)) == ["three"]  # one and two came again, and were left out
        assert client.session.last_message_sequence_number == 3

        # A restarted bot that saved the counter goes on where the last one stopped.
        chat_emulator.say("four")
        again = make(chat_emulator.url, **with_session(restored(client.session, messages=True)))
        assert bodies(again.send(POLL)) == ["four"]
        assert again.session.last_message_sequence_number == 4

        # One that did not save it sees what the server really sent: the whole transcript.
        chat_emulator.say("five")
        forgetful = make(chat_emulator.url, **with_session(restored(again.session, messages=False)))
        assert bodies(forgetful.send(POLL)) == ["one", "two", "three", "four", "five"]


@pytest.mark.parametrize("kind", list(KINDS))
def test_after_a_pool_move_the_next_post_carries_the_new_pool(chat_emulator: ChatEmulator, kind: str) -> None:
    moved = control(chat_emulator, f"/emulator/sessions/{chat_emulator.session_id}/pool", {"pool": "297:9"})
    assert moved == {"pool": "297:9"}
    with client_factory(kind) as make:
        client = make(chat_emulator.url, **chat_emulator.client_options)
        unaware = make(chat_emulator.url, **chat_emulator.client_options)  # another process, which does not poll
        (change,) = client.send(POLL).messages
        assert isinstance(change, cp.ChatConfigChangeNotification)
        assert change.pool == "297:9"
        assert client.session.pool == "297:9"

        client.post_message("on the new pool", destination_id=chat_emulator.engagement_id)
        with pytest.raises(cp.SessionExpiredError) as raised:
            unaware.post_message("on the old pool", destination_id=chat_emulator.engagement_id)
        assert raised.value.message == (
            "pool: the agent session moved from pool 297:1 to 297:9; 297:1 no longer serves it"
        )
    assert [message.body for message in chat_emulator.messages()] == ["on the new pool"]
    assert chat_emulator.session().pool == "297:9"
