"""The bot's loop in every client: log on through the site calls, poll, accept, converse, conclude, log off.

Each test runs with every client kind (sync, anyio on asyncio, anyio on
trio, trio) through `bot_faces`, against the emulator or against
`strict_server`, which checks each request's exact bytes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from bot_faces import Faces, echo_bot, faces
from strict_server import (
    AGENT_ID,
    CLOCK,
    PASSWORD,
    POOL,
    SESSION_ID,
    SITE,
    TIMEOUT,
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
from transport_clients import KINDS

import chatproto as cp
import transports
from chatproto.emulator import DEFAULT_ACCOUNT, Emulator
from transports.emulator import BackgroundEmulator, new_session_id, new_token

#: How long the emulator holds a poll with nothing to deliver, in these tests.
POLL_HOLD_MS = 300


@pytest.fixture(params=list(KINDS))
def make(request: pytest.FixtureRequest) -> Iterator[Faces]:
    with faces(request.param) as made:
        yield made


@pytest.fixture
def emulator() -> Iterator[BackgroundEmulator]:
    """An emulator of its own per test: no other test's session is offered its engagements."""
    state = Emulator(session_id_factory=new_session_id, token_factory=new_token, poll_hold_ms=POLL_HOLD_MS)
    with BackgroundEmulator(state, port=0) as server:
        yield server


@pytest.fixture
def strict() -> Iterator[StrictServer]:
    with StrictServer() as server:
        yield server


def logged_on(strict: StrictServer, make: Faces, **options: object) -> object:
    """A client of ``make`` logged on to ``strict`` (the first five requests of the script)."""
    strict.expect(
        service_settings(), Answer(body={"domain": "127.0.0.1", "port": strict.port, "pool": POOL, "siteName": SITE})
    )
    strict.expect(agent_tokens(), Answer(body={"sessionToken": TOKEN}))
    strict.expect(
        agent_call("createAutomatedAgentSession", '{"logonOverride":false}', 1, session=False),
        Answer(body=envelope(1, chatLogonResult={})),
    )
    client = make.for_site(
        strict.url, username=USERNAME, password=PASSWORD, agent_id=AGENT_ID, clock=lambda: CLOCK, **options
    )
    response = client.log_on()
    assert type(response) is cp.CreateAgentSessionResponse
    assert client.session.session_id == SESSION_ID
    return client


# -- The whole flow ----------------------------------------------------------------------------


def test_the_whole_flow_against_the_emulator(emulator: BackgroundEmulator, make: Faces) -> None:
    account = DEFAULT_ACCOUNT
    client = make.for_site(
        emulator.url, username=account.username, password=account.password, agent_id=account.agent_id
    )
    engagement_id = emulator.queue_engagement(first_name="Ann", question="Where is my order?")

    def end_user(message: cp.Message) -> None:
        if isinstance(message, cp.ChatEngagementAssignmentNotification):
            emulator.end_user_says(engagement_id, "Hello?")
        elif isinstance(message, cp.ChatPostMessage):
            emulator.end_user_leaves(engagement_id)

    seen = echo_bot(client, end_user=end_user, backoff=0.01)

    [offer, said, left] = seen
    assert isinstance(offer, cp.ChatEngagementAssignmentNotification)
    assert (offer.engagement_id, offer.first_name, offer.question) == (engagement_id, "Ann", "Where is my order?")
    assert isinstance(said, cp.ChatPostMessage)
    assert said.body == "Hello?"
    assert isinstance(left, cp.ChatDisconnectNotification)
    engagement = emulator.engagement(engagement_id)
    assert [(entry.sender, entry.kind, entry.body) for entry in engagement.transcript] == [
        ("END_USER", "MESSAGE", "Hello?"),
        ("AGENT", "MESSAGE", "You said: Hello?"),
        ("END_USER", "LEFT", None),
        ("AGENT", "CONCLUDED", None),
        ("AGENT", "RELEASED", None),
    ]
    # The calls went to the chat server serviceSettings named: the emulator's own address.
    assert client.url == emulator.url
    assert client.session.ended
    assert not client.session.polling


def test_the_whole_flow_against_a_strict_server(strict: StrictServer, make: Faces) -> None:
    client = logged_on(strict, make)
    offer = {"engagementId": 7, "assignmentType": "LEAD", "firstName": "Ann", "sequenceNumber": 1}
    said = {"engagementId": 7, "senderType": "END_USER", "body": "Hi", "sequenceNumber": 2}
    left = {"engagementId": 7, "reason": "END_USER_CONCLUDED", "sequenceNumber": 3}
    strict.expect(agent_call("setActivityStatus", '{"status":"AVAILABLE","subTypeId":0}', 2), Answer(body=envelope(2)))
    strict.expect(
        agent_call("requestAssignment", '{"assignmentRequested":true,"idleSessionCount":1,"maxSessionCount":1}', 3),
        Answer(body=envelope(3)),
    )
    # A poll with nothing to deliver answers one ChatGetTimeout, which the loop does not give out.
    strict.expect(agent_call("getMessages", "{}", 4), poll_answer(4, TIMEOUT))
    strict.expect(agent_call("getMessages", "{}", 5), poll_answer(5, {"ChatEngagementAssignmentNotification": offer}))
    strict.expect(
        agent_call(
            "assignmentAcknowledgement",
            '{"action":"ACCEPT","actionType":"AUTO","assignmentType":"LEAD","engagementId":7}',
            6,
        ),
        Answer(body=envelope(6, chatAssignmentAcknowledgementResult={"clientList": []})),
    )
    strict.expect(agent_call("getMessages", "{}", 7), poll_answer(7, {"ChatPostMessage": said}))
    strict.expect(
        agent_call(
            "postMessage",
            '{"body":"You said: Hi","destinationId":7,"destinationType":"ENGAGEMENT","messageType":"TEXT"}',
            8,
        ),
        Answer(body=envelope(8, chatPostResult={"clientReset": 0})),
    )
    strict.expect(agent_call("getMessages", "{}", 9), poll_answer(9, {"ChatDisconnectNotification": left}))
    strict.expect(agent_call("concludeChat", '{"engagementId":7}', 10), Answer(body=envelope(10)))
    strict.expect(agent_call("releaseChat", '{"engagementId":7}', 11), Answer(body=envelope(11)))
    strict.expect(agent_call("logoff", '{"forceLogoff":true}', 12), Answer(body=envelope(12, chatLogoffResult={})))

    seen = echo_bot_after_log_on(client)

    assert [type(message).__name__ for message in seen] == [
        "ChatEngagementAssignmentNotification",
        "ChatPostMessage",
        "ChatDisconnectNotification",
    ]
    strict.assert_done()
    # Site calls on one connection, then the calls on another, the polls on one of their own.
    assert strict.connections == 3


def echo_bot_after_log_on(client: object) -> list[cp.Message]:
    """`echo_bot` on a client `logged_on` already (its log_on is not sent again)."""
    client.log_on = lambda: None  # type: ignore[attr-defined]
    return echo_bot(client, backoff=0.01)  # type: ignore[arg-type]


# -- The poll loop's failure paths ---------------------------------------------------------------


@pytest.mark.parametrize(
    "failure",
    [
        Answer(act="close"),  # the server drops the held poll
        Answer(act="reset"),
        Answer(status=500, body={"exceptionCode": "INTERNAL_SERVER_ERROR", "message": "down"}),
        Answer(status=503, body={"exceptionCode": "UNAVAILABLE", "message": "busy"}),
    ],
    ids=["dropped", "reset", "500", "503"],
)
def test_the_loop_polls_again_after_a_failure(strict: StrictServer, make: Faces, failure: Answer) -> None:
    client = logged_on(strict, make)
    said = {"engagementId": 7, "senderType": "END_USER", "body": "Hi", "sequenceNumber": 1}
    strict.expect(agent_call("getMessages", "{}", 2), failure)
    strict.expect(agent_call("getMessages", "{}", 3), failure)
    strict.expect(agent_call("getMessages", "{}", 4), poll_answer(4, {"ChatPostMessage": said}))

    loop = client.messages(backoff=0.001, max_backoff=0.01, max_failures=3)
    message = next(loop)

    assert isinstance(message, cp.ChatPostMessage)
    assert message.body == "Hi"
    strict.assert_done()
    assert not client.session.polling


@pytest.mark.parametrize("failure", [Answer(act="reset"), Answer(status=500)], ids=["reset", "500"])
def test_the_loop_raises_after_a_bounded_run_of_failures(strict: StrictServer, make: Faces, failure: Answer) -> None:
    client = logged_on(strict, make)
    for number in (2, 3, 4):
        strict.expect(agent_call("getMessages", "{}", number), failure)

    loop = client.messages(backoff=0.001, max_backoff=0.01, max_failures=3)
    expected = transports.OutcomeUnknownError if failure.act == "reset" else cp.ApiError
    with pytest.raises(expected):
        next(loop)

    strict.assert_done()
    assert not client.session.polling


def test_a_403_ends_the_loop_with_session_expired(strict: StrictServer, make: Faces) -> None:
    client = logged_on(strict, make)
    denied = Answer(status=403, body={"exceptionCode": "ACCESS_DENIED", "message": "taken over"})
    strict.expect(agent_call("getMessages", "{}", 2), poll_answer(2, TIMEOUT))
    strict.expect(agent_call("getMessages", "{}", 3), denied)

    with pytest.raises(cp.SessionExpiredError) as raised:
        next(client.messages(backoff=0.001))

    assert raised.value.status == 403
    assert raised.value.code == "ACCESS_DENIED"
    assert client.session.expired
    strict.assert_done()


def test_another_4xx_is_raised_at_once(strict: StrictServer, make: Faces) -> None:
    client = logged_on(strict, make)
    strict.expect(
        agent_call("getMessages", "{}", 2),
        Answer(status=400, body={"exceptionCode": "BAD_REQUEST", "message": "no"}),
    )

    with pytest.raises(cp.ApiError) as raised:
        next(client.messages(backoff=0.001, max_failures=5))

    assert (raised.value.status, raised.value.code) == (400, "BAD_REQUEST")
    strict.assert_done()


def test_closing_the_client_from_another_thread_ends_a_held_poll(strict: StrictServer, make: Faces) -> None:
    client = logged_on(strict, make)
    strict.expect(agent_call("getMessages", "{}", 2), Answer(act="hold"))
    loop = client.messages()
    ended = threading.Event()

    def iterate() -> None:
        assert list(loop) == []
        ended.set()

    thread = threading.Thread(target=iterate)
    thread.start()
    strict.wait_for(lambda: len(strict.requests) == 4)  # the poll is held
    client.close()
    thread.join(10)

    assert ended.is_set()  # the loop ended, not raised, and promptly (poll_timeout is 45 s)
    strict.wait_for(lambda: strict.hung_up == 1)
    assert not client.session.polling
    strict.assert_done()


def test_closing_the_loop_from_another_thread_ends_a_held_poll(strict: StrictServer, make: Faces) -> None:
    client = logged_on(strict, make)
    strict.expect(agent_call("getMessages", "{}", 2), Answer(act="hold"))
    strict.expect(agent_call("postMessage", _post_body("still here", 7), 3), Answer(body=envelope(3)))
    loop = client.messages()
    ended = threading.Event()

    def iterate() -> None:
        assert list(loop) == []
        ended.set()

    thread = threading.Thread(target=iterate)
    thread.start()
    strict.wait_for(lambda: len(strict.requests) == 4)
    loop.close()
    thread.join(10)

    assert ended.is_set()
    strict.wait_for(lambda: strict.hung_up == 1)
    assert not client.session.polling
    # The client goes on: only the loop was closed.
    assert client.post_message("still here", destination_id=7).sequence_number == 3
    strict.assert_done()


def test_posts_do_not_wait_behind_a_held_poll(strict: StrictServer, make: Faces) -> None:
    client = logged_on(strict, make)
    strict.expect(agent_call("getMessages", "{}", 2), Answer(act="hold"))
    strict.expect(agent_call("postMessage", _post_body("meanwhile", 7), 3), Answer(body=envelope(3)))
    loop = client.messages()
    thread = threading.Thread(target=lambda: list(loop))
    thread.start()
    strict.wait_for(lambda: len(strict.requests) == 4)  # the poll is held

    # The post goes out on another connection while the poll is held, and is answered.
    assert client.post_message("meanwhile", destination_id=7).sequence_number == 3
    assert client.session.polling

    loop.close()
    thread.join(10)
    assert not thread.is_alive()
    strict.assert_done()


def test_breaking_out_frees_the_poll_slot(strict: StrictServer, make: Faces) -> None:
    client = logged_on(strict, make)
    said = {"engagementId": 7, "senderType": "END_USER", "body": "Hi", "sequenceNumber": 1}
    strict.expect(agent_call("getMessages", "{}", 2), poll_answer(2, {"ChatPostMessage": said}))
    strict.expect(agent_call("getMessages", "{}", 3), poll_answer(3, TIMEOUT))

    for message in client.messages():
        assert isinstance(message, cp.ChatPostMessage)
        break

    assert not client.session.polling
    # A poll after it is not refused, and goes on the same (poll) connection.
    assert client.get_messages().messages == (cp.ChatGetTimeout(),)
    strict.assert_done()
    assert strict.connections == 3


def test_logging_off_ends_the_loop(strict: StrictServer, make: Faces) -> None:
    client = logged_on(strict, make)
    said = {"engagementId": 7, "senderType": "END_USER", "body": "Bye", "sequenceNumber": 1}
    strict.expect(agent_call("getMessages", "{}", 2), poll_answer(2, {"ChatPostMessage": said}))
    strict.expect(agent_call("logoff", '{"forceLogoff":false}', 3), Answer(body=envelope(3)))

    seen = []
    for message in client.messages():
        seen.append(message)
        client.log_off(force=False)

    assert len(seen) == 1
    assert client.session.ended
    strict.assert_done()


def test_a_pool_move_mid_loop_moves_every_later_request(strict: StrictServer, make: Faces) -> None:
    client = logged_on(strict, make)
    moved = {"name": "CHAT_CLUSTER_POOL_ID", "value": "297:9", "sequenceNumber": 1}
    said = {"engagementId": 7, "senderType": "END_USER", "body": "Hi", "sequenceNumber": 2}
    strict.expect(agent_call("getMessages", "{}", 2), poll_answer(2, {"ChatConfigChangeNotification": moved}))
    # The next poll, and the post after it, go to the new pool.
    strict.expect(agent_call("getMessages", "{}", 3, pool="297:9"), poll_answer(3, {"ChatPostMessage": said}))
    strict.expect(
        agent_call("postMessage", _post_body("You said: Hi", 7), 4, pool="297:9"), Answer(body=envelope(4))
    )

    loop = client.messages(backoff=0.001)
    change = next(loop)
    assert isinstance(change, cp.ChatConfigChangeNotification)
    assert client.session.pool == "297:9"
    message = next(loop)
    assert isinstance(message, cp.ChatPostMessage)
    client.post_message(f"You said: {message.body}", destination_id=7)
    loop.close()

    strict.assert_done()


def test_a_reconnect_that_replays_the_transcript_delivers_nothing_twice(strict: StrictServer, make: Faces) -> None:
    client = logged_on(strict, make)
    one = {"engagementId": 7, "senderType": "END_USER", "body": "one", "sequenceNumber": 1}
    two = {"engagementId": 7, "senderType": "END_USER", "body": "two", "sequenceNumber": 2}
    three = {"engagementId": 7, "senderType": "END_USER", "body": "three", "sequenceNumber": 3}
    strict.expect(agent_call("getMessages", "{}", 2), poll_answer(2, {"ChatPostMessage": one}))
    strict.expect(agent_call("getMessages", "{}", 3), Answer(act="reset"))
    # After the reconnect the server sends the whole transcript again, then what is new.
    strict.expect(
        agent_call("getMessages", "{}", 4),
        poll_answer(4, {"ChatPostMessage": one}, {"ChatPostMessage": two}),
    )
    strict.expect(agent_call("getMessages", "{}", 5), Answer(act="close"))
    strict.expect(
        agent_call("getMessages", "{}", 6),
        poll_answer(6, {"ChatPostMessage": one}, {"ChatPostMessage": two}, {"ChatPostMessage": three}),
    )

    loop = client.messages(backoff=0.001, max_backoff=0.01)
    bodies = [next(loop).body for _ in range(3)]  # type: ignore[attr-defined]
    loop.close()

    assert bodies == ["one", "two", "three"]
    assert client.session.last_message_sequence_number == 3
    strict.assert_done()


def _post_body(text: str, engagement_id: int) -> str:
    return (
        f'{{"body":"{text}","destinationId":{engagement_id},"destinationType":"ENGAGEMENT","messageType":"TEXT"}}'
    )
