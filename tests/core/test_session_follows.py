"""The session follows what the server answers: a new session id, a logoff, the one poll slot, ``clientReset``,
each message delivered once, pool moves.

Each answer is fed through `client_outcome` (whole, byte by byte, in
strides, at random points) and, where it is complete, with trailing bytes:
the session must end up the same however the bytes came.  `Made` keeps
every session those runs made, to look at afterwards.
"""

from __future__ import annotations

import gc
import re
from typing import Any

import msgspec
import pytest

import chatproto as cp
from tests.reference import bearer_session

from .helpers import (
    POOL,
    SESSION_ID,
    client_outcome,
    client_outcome_with_trailing,
    http_response,
    minimal_request,
    simple_request,
)

NEW_ID = "node01fresh8m13tljpm7ns8nayp0"
CREATE = cp.CreateAgentSessionRequest()
OVERRIDE = cp.CreateAgentSessionRequest(logon_override=True)
LOGOFF = cp.LogoffRequest(force_logoff=True)
POLL = cp.GetMessagesRequest()
REMOTE_ERROR = [("raised", cp.RemoteProtocolError), cp.ConnectionState.ERROR]


class Made:
    """Makes a connection of a new session that has sent ``request``; remembers each session."""

    def __init__(self, request: cp.Request, setup: Any = None, **session_options: object) -> None:
        self.request = request
        self.setup = setup
        self.session_options = session_options
        self.sessions: list[cp.AgentSession] = []

    def __call__(self) -> cp.ClientConnection:
        session = bearer_session(**self.session_options)
        if self.setup is not None:
            self.setup(session)
        conn = cp.ClientConnection(session)
        conn.send(self.request)
        self.sessions.append(session)
        return conn

    def only(self, attribute: str) -> object:
        """The value of ``attribute`` on every session made; all must agree."""
        values = {repr(getattr(session, attribute)) for session in self.sessions}
        assert len(values) == 1, values
        return getattr(self.sessions[0], attribute)


def ok(body: bytes) -> bytes:
    return http_response(200, body)


def answer(conn: cp.ClientConnection, data: bytes) -> cp.ClientEvent:
    conn.receive_data(data)
    event = conn.next_event()
    assert event is not cp.NEED_DATA
    return event


def logged_off(session: cp.AgentSession) -> None:
    conn = cp.ClientConnection(session)
    conn.send(LOGOFF)
    assert isinstance(answer(conn, ok(b"{}")), cp.ResponseReceived)
    assert session.ended


def expired(session: cp.AgentSession) -> None:
    session.expire()


# --- createAutomatedAgentSession: the new session id -------------------------------------------


@pytest.mark.parametrize("setup", [None, logged_off, expired], ids=["live", "logged-off", "expired"])
def test_a_created_session_adopts_the_answers_session_id_and_is_live(setup: Any) -> None:
    made = Made(CREATE, setup, session_id=None if setup is None else SESSION_ID, last_message_sequence_number=9)
    body = b'{"chatLogonResult": {"resultCode": 0}, "sessionId": "%s"}' % NEW_ID.encode()
    record = client_outcome_with_trailing(ok(body), make=made)
    assert isinstance(record[0], cp.ResponseReceived)
    assert record[0].response.session_id == NEW_ID
    # The result no page documents is kept as the server sent it.
    assert record[0].response.chat_logon_result == {"resultCode": 0}  # type: ignore[attr-defined]
    assert made.only("session_id") == NEW_ID
    assert (made.only("expired"), made.only("ended")) == (False, False)
    assert made.only("last_message_sequence_number") == 9  # no logonOverride: the messages go on


def test_the_new_session_id_is_sent_on_every_connection_from_then_on() -> None:
    session = bearer_session(session_id=None)
    other = cp.ClientConnection(session)  # made before the session had an id
    conn = cp.ClientConnection(session)
    conn.send(CREATE)
    answer(conn, ok(b'{"sessionId": "%s", "sequenceNumber": 1}' % NEW_ID.encode()))
    data = other.send(simple_request())
    assert b"\r\nX-AID: 12\r\nX-JSESSIONID: " + NEW_ID.encode() + b"\r\n" in data
    assert b'"sequenceNumber":2' in data  # the request numbering goes on


def test_logon_override_restarts_the_message_numbering() -> None:
    made = Made(OVERRIDE, last_message_sequence_number=216, last_sequence_number=40)
    client_outcome_with_trailing(ok(b'{"sessionId": "%s"}' % NEW_ID.encode()), make=made)
    assert made.only("last_message_sequence_number") == 0
    assert made.only("last_sequence_number") == 41  # the request numbers stay increasing
    assert made.only("session_id") == NEW_ID


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"{}", "without a sessionId"),
        (b'{"sessionId": null}', "without a sessionId"),
        (b'{"sessionId": "node0 secretpart"}', "unusable sessionId: session_id may not contain ' ' (at index 5)"),
        (b'{"sessionId": ""}', "unusable sessionId: session_id may not be empty"),
        (b'{"sessionId": "a/b"}', "unusable sessionId"),
    ],
)
def test_a_created_session_without_a_usable_session_id_is_the_servers_error(body: bytes, why: str) -> None:
    made = Made(OVERRIDE, last_message_sequence_number=5)
    assert client_outcome(ok(body), make=made) == REMOTE_ERROR
    assert made.only("session_id") == SESSION_ID  # unchanged
    assert made.only("last_message_sequence_number") == 5
    conn = made()
    with pytest.raises(cp.RemoteProtocolError, match=re.escape(why)) as caught:
        answer(conn, ok(body))
    assert "secretpart" not in str(caught.value)


def test_a_refused_creation_changes_nothing() -> None:
    made = Made(OVERRIDE, expired, last_message_sequence_number=5)
    record = client_outcome(http_response(403, b'{"exceptionCode": "ACCESS_DENIED"}'), make=made)
    assert isinstance(record[0], cp.ErrorReceived)
    assert made.only("expired") is True
    assert made.only("last_message_sequence_number") == 5


def test_creating_still_needs_a_token_whatever_the_sessions_state() -> None:
    session = bearer_session(token=None)
    session.expire()
    with pytest.raises(cp.LocalProtocolError, match="needs a bearer token"):
        cp.ClientConnection(session).send(CREATE)


# --- logoff: the session ends -------------------------------------------------------------------


NEEDS_SESSION = [op for op in cp.OPERATIONS.values() if op.needs_session]


def test_a_logoff_answer_ends_the_session() -> None:
    made = Made(LOGOFF)
    record = client_outcome_with_trailing(
        ok(b'{"chatLogoffResult": "OK", "sessionId": "%s"}' % SESSION_ID.encode()), make=made
    )
    assert isinstance(record[0], cp.ResponseReceived)
    assert record[0].response.chat_logoff_result == "OK"  # type: ignore[attr-defined]
    assert made.only("ended") is True
    assert made.only("expired") is False
    assert "ended=True" in repr(made.sessions[0])


@pytest.mark.parametrize("operation", NEEDS_SESSION, ids=[op.name for op in NEEDS_SESSION])
def test_after_logoff_every_operation_that_needs_the_session_is_refused(operation: cp.Operation) -> None:
    session = bearer_session()
    logged_off(session)
    conn = cp.ClientConnection(session)
    numbered = session.last_sequence_number
    with pytest.raises(cp.LocalProtocolError, match=f"{operation.name} needs a live session; this one was logged off"):
        conn.send(minimal_request(operation))
    assert conn.state is cp.ConnectionState.IDLE
    assert session.last_sequence_number == numbered  # the refused send used no number


def test_a_new_session_after_logoff_makes_it_live_again() -> None:
    session = bearer_session()
    logged_off(session)
    conn = cp.ClientConnection(session)
    conn.send(OVERRIDE)
    answer(conn, ok(b'{"sessionId": "%s"}' % NEW_ID.encode()))
    assert not session.ended
    assert b"X-JSESSIONID: " + NEW_ID.encode() in conn.send(simple_request())


def test_renewing_by_hand_also_makes_it_live_again() -> None:
    session = bearer_session()
    logged_off(session)
    session.renew(NEW_ID)
    assert not session.ended
    cp.ClientConnection(session).send(POLL)


@pytest.mark.parametrize(
    "data",
    [
        http_response(500, b'{"exceptionCode": "INTERNAL_SERVER_ERROR"}'),
        http_response(400, b"{}"),
        ok(b'{"chatSystemError": {"errorCondition": "UNDEFINED_CONDITION", "text": "no"}}'),
    ],
    ids=["500", "400", "200-with-system-error"],
)
def test_a_failed_logoff_leaves_the_session_live(data: bytes) -> None:
    made = Made(LOGOFF)
    record = client_outcome(data, make=made)
    assert isinstance(record[0], cp.ErrorReceived)
    assert made.only("ended") is False


def test_a_logoff_whose_answer_did_not_decode_leaves_the_session_live() -> None:
    made = Made(LOGOFF)
    assert client_outcome(ok(b"{not json"), make=made) == REMOTE_ERROR
    assert made.only("ended") is False


# --- getMessages: one poll per session ----------------------------------------------------------


def polling_on(session: cp.AgentSession) -> cp.ClientConnection:
    conn = cp.ClientConnection(session)
    conn.send(POLL)
    assert session.polling
    return conn


def refused(session: cp.AgentSession) -> None:
    other = cp.ClientConnection(session)
    numbered = session.last_sequence_number
    with pytest.raises(cp.LocalProtocolError, match="a getMessages of this session is already in flight"):
        other.send(POLL)
    assert other.state is cp.ConnectionState.IDLE
    assert session.last_sequence_number == numbered
    assert session.polling


def test_a_poll_on_one_connection_blocks_a_poll_on_another_of_the_same_session() -> None:
    session = bearer_session()
    assert not session.polling
    first = polling_on(session)
    refused(session)
    with pytest.raises(cp.LocalProtocolError, match="already in flight on this connection"):
        first.send(POLL)
    # Everything else goes on beside the held poll, and another session polls on its own.
    post = cp.ClientConnection(session)
    post.send(simple_request())
    assert isinstance(answer(post, ok(b"{}")), cp.ResponseReceived)
    assert session.polling
    polling_on(bearer_session())
    assert session.polling


def test_a_refused_poll_can_be_sent_once_the_first_is_answered() -> None:
    session = bearer_session()
    first = polling_on(session)
    refused(session)
    answer(first, ok(b'{"getResponseTypes": [{"ChatGetTimeout": {}}]}'))
    assert not session.polling
    polling_on(session)


@pytest.mark.parametrize(
    "data",
    [
        ok(b'{"getResponseTypes": [{"ChatGetTimeout": {}}]}'),
        ok(b'{"chatSystemError": {"errorCondition": "UNDEFINED_CONDITION"}}'),
        http_response(500, b"{}"),
        http_response(403, b'{"exceptionCode": "ACCESS_DENIED"}'),
        http_response(404, b"<html>not found</html>"),
    ],
    ids=["200", "200-with-system-error", "500", "403", "404"],
)
def test_any_answer_to_the_poll_frees_the_slot(data: bytes) -> None:
    made = Made(POLL)
    record = client_outcome_with_trailing(data, make=made)
    assert isinstance(record[0], cp.ResponseReceived | cp.ErrorReceived)
    assert made.only("polling") is False


@pytest.mark.parametrize(
    "data",
    [
        ok(b'{"getResponseTypes": 5'),  # a body that does not decode
        ok(b'{"sequenceNumber": 99}'),  # the answer to another request
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}",  # closed before the body ended
        b"SSH-2.0-OpenSSH_9.6\r\n\r\n",  # not HTTP
    ],
    ids=["undecodable", "mismatch", "closed-early", "garbage"],
)
def test_a_poll_that_fails_frees_the_slot(data: bytes) -> None:
    made = Made(POLL)
    (raised, kind, *_), state = client_outcome(data, eof=True, make=made)
    assert (raised, state) == ("raised", cp.ConnectionState.ERROR)
    assert issubclass(kind, cp.RemoteProtocolError)
    assert made.only("polling") is False


def test_a_poll_whose_send_failed_frees_the_slot() -> None:
    session = bearer_session()
    conn = polling_on(session)
    conn.send_failed()
    assert not session.polling
    polling_on(session)


def test_an_abandoned_poll_frees_the_slot_and_its_connection_is_done() -> None:
    session = bearer_session()
    conn = polling_on(session)
    conn.abandon()
    assert not session.polling
    assert conn.state is cp.ConnectionState.ERROR
    assert not conn.can_reuse
    with pytest.raises(cp.RemoteProtocolError, match="abandoned"):
        conn.next_event()
    with pytest.raises(cp.LocalProtocolError, match="cannot carry another request"):
        conn.send(POLL)
    replacement = polling_on(session)
    conn.abandon()  # again, and late: it frees nothing it does not hold
    assert session.polling
    answer(replacement, ok(b"{}"))
    assert not session.polling


def test_a_garbage_collected_poll_connection_frees_the_slot() -> None:
    session = bearer_session()
    conn = polling_on(session)
    del conn
    gc.collect()
    assert not session.polling
    polling_on(session)


def test_only_the_connection_holding_the_slot_frees_it() -> None:
    session = bearer_session()
    poll = polling_on(session)
    post = cp.ClientConnection(session)
    post.send(simple_request())
    post.send_failed()  # a post failing, then abandoned, holds no slot
    post.abandon()
    idle = cp.ClientConnection(session)
    idle.abandon()
    assert session.polling
    answer(poll, ok(b"{}"))
    assert not session.polling


def test_a_poll_that_fails_validation_takes_no_slot() -> None:
    session = bearer_session()
    conn = cp.ClientConnection(session)
    with pytest.raises(cp.LocalProtocolError, match="sequenceNumber"):
        conn.send(cp.GetMessagesRequest(sequence_number=2**63))
    assert not session.polling
    assert conn.state is cp.ConnectionState.IDLE
    polling_on(session)


def test_a_poll_answered_on_a_connection_that_is_reused_polls_again() -> None:
    session = bearer_session()
    conn = polling_on(session)
    answer(conn, ok(b"{}"))
    assert conn.can_reuse
    conn.send(POLL)
    assert session.polling


# --- clientReset: 2 on a post -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "needed"),
    [
        (b'{"chatPostResult": {"clientReset": 2}}', True),
        (b'{"chatPostResult": {"clientReset": "2"}}', True),  # numeric strings, as the reference sends "0"
        (b'{"chatPostResult": {"clientReset": "0"}}', False),
        (b'{"chatPostResult": {"clientReset": 1}}', False),
        (b'{"chatPostResult": {}}', False),
        (b'{"chatPostResult": null}', False),
        (b"{}", False),
    ],
)
def test_client_reset_2_on_a_post_says_a_poll_is_needed(body: bytes, needed: bool) -> None:
    record = client_outcome_with_trailing(ok(body))
    event = record[0]
    assert isinstance(event, cp.ResponseReceived)
    assert event.poll_needed is needed


def test_no_other_answer_says_a_poll_is_needed() -> None:
    made = Made(LOGOFF)
    event = client_outcome(ok(b'{"chatPostResult": {"clientReset": 2}}'), make=made)[0]
    assert isinstance(event, cp.ResponseReceived)
    assert event.poll_needed is False


# --- last_message_sequence_number ---------------------------------------------------------------


@pytest.mark.parametrize("value", [-1, 2**63, "5", 5.0, True, None])
def test_a_restored_message_counter_is_validated(value: object) -> None:
    with pytest.raises(cp.LocalProtocolError, match="last_message_sequence_number must be an int from 0 to 2"):
        bearer_session(last_message_sequence_number=value)


@pytest.mark.parametrize("value", [0, 217, 2**63 - 1])
def test_the_message_counter_is_restored_as_given(value: int) -> None:
    session = bearer_session(last_message_sequence_number=value)
    assert session.last_message_sequence_number == value
    assert f"last_message_sequence_number={value}," in repr(session)
    assert session.last_sequence_number == 0


# --- getMessages: each message delivered once ---------------------------------------------------


def post(number: int | None = None, twin: str | None = None, **fields: object) -> dict[str, object]:
    """A ``ChatPostMessage`` element numbered ``number`` (and/or its ``...String`` twin)."""
    if number is not None:
        fields["sequenceNumber"] = number
    if twin is not None:
        fields["sequenceNumberString"] = twin
    return {"ChatPostMessage": {"body": f"message {number or twin}", **fields}}


def batch(*elements: object) -> bytes:
    return ok(msgspec.json.encode({"getResponseTypes": list(elements)}))


def delivered(record: list[object]) -> list[object]:
    """The sequence numbers (or, for a message without one, its type's name) of the poll's event."""
    assert record[-1] is cp.ConnectionState.IDLE, record
    (event,) = record[:-1]
    assert isinstance(event, cp.ResponseReceived)
    response = event.response
    assert isinstance(response, cp.GetMessagesResponse)
    return [getattr(message, "sequence_number", None) or type(message).__name__ for message in response.messages]


def polled(data: bytes) -> Any:
    """A setup for `Made`: the session first polls once, answered with ``data``."""

    def setup(session: cp.AgentSession) -> None:
        conn = cp.ClientConnection(session)
        conn.send(POLL)
        assert isinstance(answer(conn, data), cp.ResponseReceived)

    return setup


def test_a_replayed_transcript_is_left_out_and_the_new_messages_delivered() -> None:
    # The server replays what it delivered (1 to 3) before the new messages (4, 5), as on a reconnection.
    made = Made(POLL, polled(batch(post(1), post(2), post(3))))
    record = client_outcome_with_trailing(batch(post(1), post(2), post(3), post(4), post(5)), make=made)
    assert delivered(record) == [4, 5]
    assert made.only("last_message_sequence_number") == 5


def test_a_restored_counter_leaves_out_what_the_last_process_delivered() -> None:
    made = Made(POLL, last_message_sequence_number=216)
    record = client_outcome_with_trailing(batch(post(215), post(216), post(217), post(218)), make=made)
    assert delivered(record) == [217, 218]
    assert made.only("last_message_sequence_number") == 218


def test_a_number_sent_only_as_its_twin_counts_too() -> None:
    made = Made(POLL, last_message_sequence_number=216)
    record = client_outcome_with_trailing(batch(post(twin="216"), post(twin="217")), make=made)
    assert delivered(record) == [217]
    assert made.only("last_message_sequence_number") == 217


def test_a_whole_replay_delivers_nothing_and_moves_nothing() -> None:
    made = Made(POLL, last_message_sequence_number=9)
    record = client_outcome_with_trailing(batch(post(3), post(9), post(0), post(-4)), make=made)
    assert delivered(record) == []
    assert made.only("last_message_sequence_number") == 9


def test_within_one_answer_each_message_is_compared_with_what_earlier_answers_delivered() -> None:
    # 3 after 5 in the same answer is delivered: the batch's order says nothing of a replay.
    made = Made(POLL, last_message_sequence_number=2)
    record = client_outcome_with_trailing(batch(post(5), post(3), post(2)), make=made)
    assert delivered(record) == [5, 3]
    assert made.only("last_message_sequence_number") == 5


def test_across_answers_a_number_below_the_highest_delivered_is_left_out() -> None:
    made = Made(POLL, polled(batch(post(5), post(3))))
    record = client_outcome_with_trailing(batch(post(4), post(6)), make=made)
    assert delivered(record) == [6]


def test_a_number_repeated_within_one_answer_is_delivered_the_first_time() -> None:
    made = Made(POLL)
    body = batch(post(7, body="first"), post(7, body="again"), post(twin="7"), post(8))
    record = client_outcome_with_trailing(body, make=made)
    event = record[0]
    assert isinstance(event, cp.ResponseReceived)
    assert [message.body for message in event.response.messages] == ["first", "message 8"]  # type: ignore[attr-defined]


def test_messages_without_a_number_always_pass_and_move_nothing() -> None:
    made = Made(POLL, last_message_sequence_number=4)
    body = batch(
        {"ChatGetTimeout": {}},
        {"ChatSystemError": {"errorCondition": "X", "sequenceNumber": 1}},  # its model has no message number
        post(),
        {"ChatNotInTheTable": {"a": 1}},
        "not an object",
    )
    record = client_outcome_with_trailing(body, make=made)
    assert delivered(record) == [
        "ChatGetTimeout",
        "ChatSystemError",
        "ChatPostMessage",
        "UnknownMessage",
        "MalformedMessage",
    ]
    assert made.only("last_message_sequence_number") == 4


def test_unknown_and_malformed_messages_with_a_number_are_delivered_once_too() -> None:
    made = Made(POLL, last_message_sequence_number=4)
    body = batch(
        {"ChatNotInTheTable": {"sequenceNumber": 4}},
        {"ChatNotInTheTable": {"sequenceNumberString": "5"}},
        {"ChatPostMessage": {"sequenceNumber": 6, "body": ["not", "text"]}},
        {"ChatPostMessage": {"sequenceNumber": 3, "body": 1}},
        {"ChatNotInTheTable": {"sequenceNumber": 2**63}},  # beyond 64 bits: no number, as the typed models say
    )
    record = client_outcome_with_trailing(body, make=made)
    assert delivered(record) == [5, 6, "UnknownMessage"]
    assert made.only("last_message_sequence_number") == 6


def test_logon_override_lets_the_restarted_numbers_through() -> None:
    session = bearer_session(last_message_sequence_number=40)
    conn = cp.ClientConnection(session)
    conn.send(OVERRIDE)
    answer(conn, ok(b'{"sessionId": "%s"}' % NEW_ID.encode()))
    conn.send(POLL)
    event = answer(conn, batch(post(1), post(2)))
    assert isinstance(event, cp.ResponseReceived)
    assert [message.sequence_number for message in event.response.messages] == [1, 2]  # type: ignore[attr-defined]
    assert session.last_message_sequence_number == 2


def test_the_counter_is_shared_by_every_connection_of_the_session() -> None:
    session = bearer_session()
    first, second = cp.ClientConnection(session), cp.ClientConnection(session)
    first.send(POLL)
    answer(first, batch(post(1), post(2)))
    second.send(POLL)
    event = answer(second, batch(post(2), post(3)))
    assert isinstance(event, cp.ResponseReceived)
    assert [message.sequence_number for message in event.response.messages] == [3]  # type: ignore[attr-defined]


def test_a_poll_answered_in_error_moves_nothing() -> None:
    made = Made(POLL, last_message_sequence_number=4)
    body = msgspec.json.encode(
        {"getResponseTypes": [post(5)], "chatSystemError": {"errorCondition": "SERVICE_UNAVAILABLE"}}
    )
    record = client_outcome(ok(body), make=made)
    assert isinstance(record[0], cp.ErrorReceived)
    assert made.only("last_message_sequence_number") == 4


# --- getMessages: pool moves --------------------------------------------------------------------


def pool_move(value: object = "300:2", name: object = "CHAT_CLUSTER_POOL_ID", **fields: object) -> dict[str, object]:
    return {"ChatConfigChangeNotification": {"name": name, "value": value, **fields}}


def target_of(session: cp.AgentSession) -> bytes:
    """The request line of the next request a new connection of ``session`` sends."""
    return cp.ClientConnection(session).send(simple_request()).split(b"\r\n", 1)[0]


def test_a_pool_move_is_followed_by_every_later_request() -> None:
    made = Made(POLL)
    record = client_outcome_with_trailing(batch(post(1), pool_move("300:2", sequenceNumber=2)), make=made)
    event = record[0]
    assert isinstance(event, cp.ResponseReceived)
    (notification,) = [m for m in event.response.messages if isinstance(m, cp.ChatConfigChangeNotification)]  # type: ignore[attr-defined]
    assert notification.pool == "300:2"  # the event still carries the announcement
    assert made.only("pool") == "300:2"
    session = made.sessions[0]
    assert target_of(session) == b"POST /engagement/api/agent/day001_221100_sql_001h/v1/postMessage?pool=300:2 HTTP/1.1"
    assert session.last_message_sequence_number == 2


def test_a_session_without_a_pool_gets_one_from_a_move() -> None:
    made = Made(POLL, pool=None)
    client_outcome_with_trailing(batch(pool_move("12:7")), make=made)
    assert made.only("pool") == "12:7"
    assert target_of(made.sessions[0]).endswith(b"/v1/postMessage?pool=12:7 HTTP/1.1")


def test_the_last_of_several_moves_wins() -> None:
    made = Made(POLL)
    client_outcome_with_trailing(batch(pool_move("1:1"), pool_move("2:2"), pool_move("")), make=made)
    assert made.only("pool") == "2:2"


def test_a_move_on_the_general_path_is_followed_too() -> None:
    # An unknown element sends the batch to the decoder's general path.
    made = Made(POLL)
    client_outcome_with_trailing(batch({"ChatNotInTheTable": {}}, pool_move("4:4")), make=made)
    assert made.only("pool") == "4:4"


@pytest.mark.parametrize(
    "element",
    [
        pool_move(""),
        pool_move(None),
        {"ChatConfigChangeNotification": {"name": "CHAT_CLUSTER_POOL_ID"}},
        pool_move("300:2", name="SOME_OTHER_SETTING"),
        pool_move("300:2", name=None),
        pool_move(["300:2"]),  # malformed: its value is not text
        {"ChatNotInTheTable": {"name": "CHAT_CLUSTER_POOL_ID", "value": "300:2"}},
    ],
    ids=["empty", "null", "missing", "other-name", "no-name", "malformed", "unknown-type"],
)
def test_what_announces_no_pool_moves_nothing(element: dict[str, object]) -> None:
    made = Made(POLL)
    client_outcome_with_trailing(batch(element), make=made)
    assert made.only("pool") == POOL


def test_a_replayed_announcement_does_not_move_the_session_back() -> None:
    made = Made(POLL, polled(batch(pool_move("1:1", sequenceNumber=1), pool_move("2:2", sequenceNumber=2))))
    record = client_outcome_with_trailing(batch(pool_move("1:1", sequenceNumber=1), post(3)), make=made)
    assert delivered(record) == [3]
    assert made.only("pool") == "2:2"


@pytest.mark.parametrize("value", ["300 2", "300:2\r\nX-Evil: 1", "a/b", "p?q", "é"])
def test_an_unusable_pool_is_the_servers_error_and_changes_nothing(value: str) -> None:
    made = Made(POLL, last_message_sequence_number=4)
    assert client_outcome(batch(post(5), pool_move(value, sequenceNumber=6)), make=made) == REMOTE_ERROR
    assert made.only("pool") == POOL
    assert made.only("last_message_sequence_number") == 4
    conn = made()
    with pytest.raises(cp.RemoteProtocolError, match="getMessages announced an unusable pool: pool "):
        answer(conn, batch(pool_move(value)))
