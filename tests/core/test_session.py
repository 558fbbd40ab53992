"""`AgentSession`: identity validation, secrets kept out of text, and sequence numbers."""

from __future__ import annotations

import enum

import pytest

import chatproto as cp

from .helpers import SESSION_ID, TOKEN, http_response, make_session, simple_request

CONTROL_CHARACTERS = ["\r", "\n", "\x00", "\x01", "\t", "\x1b", "\x7f", "\x85", "\u2028"]
ANYWHERE = [f"a{c}b" for c in CONTROL_CHARACTERS] + ["a\r\nX-Injected: 1", "trailing\n", "\nleading"]


@pytest.mark.parametrize("field", ["host", "site", "agent_id", "session_id", "pool", "token"])
@pytest.mark.parametrize("value", [*ANYWHERE, "", "with space", " ", "caf\u00e9"])
def test_control_characters_whitespace_and_non_ascii_are_refused_everywhere(field: str, value: str) -> None:
    with pytest.raises(cp.LocalProtocolError) as info:
        make_session(**{field: value})
    assert field in str(info.value)


@pytest.mark.parametrize("field", ["site", "pool"])
@pytest.mark.parametrize(
    "value", ["a/b", "a?b", "a#b", "a%20b", "%2e%2e", "a b", "a\\b", "a@b", "a;b", "a&b", "a=b", "a+b"]
)
def test_site_and_pool_may_not_change_the_request_target(field: str, value: str) -> None:
    with pytest.raises(cp.LocalProtocolError, match=field):
        make_session(**{field: value})


@pytest.mark.parametrize("value", [".", ".."])
def test_a_dot_segment_site_is_refused(value: str) -> None:
    with pytest.raises(cp.LocalProtocolError, match="site may not be"):
        make_session(site=value)


@pytest.mark.parametrize("field", ["host", "agent_id", "session_id"])
@pytest.mark.parametrize("value", ["a/b", "a?b", "a#b", "a@b", "a\\b"])
def test_host_and_ids_may_not_carry_path_separators(field: str, value: str) -> None:
    with pytest.raises(cp.LocalProtocolError, match=field):
        make_session(**{field: value})


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("token", "abc/def+ghi=="),
        ("token", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMiJ9.c2ln_-~"),
        ("site", "a.b-c_d~e"),
        ("site", "..."),
        ("pool", "297:1"),
        ("pool", "."),
        ("host", "chat.example.com:8443"),
        ("host", "[::1]:8080"),
        ("host", "127.0.0.1"),
        ("agent_id", "-12"),
        ("session_id", "node0abc.node0"),
    ],
)
def test_accepted_values(field: str, value: str) -> None:
    session = make_session(**{field: value})
    assert getattr(session, field) == value


@pytest.mark.parametrize("field", ["host", "site", "agent_id", "session_id", "pool", "token"])
@pytest.mark.parametrize("value", [12.5, b"bytes", ["x"], True])
def test_non_strings_are_refused(field: str, value: object) -> None:
    with pytest.raises(cp.LocalProtocolError, match=f"{field} must be a str"):
        make_session(**{field: value})


def test_an_integer_agent_id_becomes_its_text() -> None:
    assert make_session(agent_id=12).agent_id == "12"


def test_the_error_names_the_character_and_its_position_not_the_value() -> None:
    with pytest.raises(cp.LocalProtocolError) as info:
        make_session(session_id="SECRETSESSIONVALUE\r\nX")
    text = str(info.value)
    assert "SECRETSESSIONVALUE" not in text
    assert "'\\r'" in text
    assert "index 18" in text
    with pytest.raises(cp.LocalProtocolError) as info:
        make_session(token="SECRETTOKENVALUE with space")
    assert "SECRETTOKENVALUE" not in str(info.value)
    assert "index 16" in str(info.value)


def test_secrets_never_appear_whole_in_repr_or_str() -> None:
    session = make_session(token=TOKEN)
    for text in (repr(session), str(session)):
        assert SESSION_ID not in text
        assert TOKEN not in text
        assert "chat_rest_server_domain.com" in text  # the rest is shown
    assert repr(session) == (
        "AgentSession(host='chat_rest_server_domain.com', site='day001_221100_sql_001h', agent_id='12', "
        "session_id=<30 chars ...91>, pool='297:1', token=<23 chars ...==>, last_sequence_number=0, "
        "last_message_sequence_number=0, expired=False, ended=False)"
    )
    short = make_session(session_id="abc", token="xyz", pool=None)
    assert "abc" not in repr(short)
    assert "xyz" not in repr(short)
    assert "session_id=<3 chars>" in repr(short)
    anonymous = cp.AgentSession(host="h", site="s", agent_id="1")
    assert "session_id=None" in repr(anonymous)
    assert "token=None" in repr(anonymous)


def test_a_received_request_does_not_show_its_secrets() -> None:
    client = cp.ClientConnection(make_session(token=TOKEN))
    server = cp.ServerConnection()
    server.receive_data(client.send(simple_request()))
    event = server.next_event()
    assert isinstance(event, cp.RequestReceived)
    assert event.session_id == SESSION_ID
    assert event.token == TOKEN
    for text in (repr(event), str(event)):
        assert SESSION_ID not in text
        assert TOKEN not in text
        assert "operation='postMessage'" in text
    anonymous = cp.ServerConnection()
    anonymous.receive_data(
        b"POST /engagement/api/agent/s/v1/postMessage HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\n"
        b'Content-Length: 82\r\n\r\n{"body":"x","destinationId":1,"destinationType":"ENGAGEMENT","messageType":"TEXT"}'
    )
    event = anonymous.next_event()
    assert isinstance(event, cp.RequestReceived)
    assert "session_id=None, token=None" in repr(event)


def test_a_request_on_another_path_does_not_show_its_secrets_either() -> None:
    server = cp.ServerConnection()
    server.receive_data(
        b"GET /emulator/sessions HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer "
        + TOKEN.encode()
        + b"\r\nX-JSESSIONID: "
        + SESSION_ID.encode()
        + b"\r\nX-AID: 12\r\n\r\n"
    )
    event = server.next_event()
    assert isinstance(event, cp.HTTPRequestReceived)
    assert ("x-jsessionid", SESSION_ID) in event.headers  # the values themselves are all there
    for text in (repr(event), str(event)):
        assert SESSION_ID not in text
        assert TOKEN not in text
    assert repr(event) == (
        "HTTPRequestReceived(method='GET', path='/emulator/sessions', query='', headers=(('host', 'h'), "
        "('authorization', '<30 chars ...==>'), ('x-jsessionid', '<30 chars ...91>'), ('x-aid', '12')), body=b'')"
    )


def test_errors_raised_by_the_connections_never_carry_the_secrets() -> None:
    session = make_session(token=TOKEN)
    conn = cp.ClientConnection(session)
    conn.send(simple_request())
    conn.receive_data(http_response(403, b"{}"))
    conn.next_event()
    with pytest.raises(cp.LocalProtocolError) as info:
        conn.send(simple_request())
    assert SESSION_ID not in str(info.value)
    assert TOKEN not in str(info.value)
    with pytest.raises(cp.LocalProtocolError) as info:
        session.renew("new\nsecretvalue")
    assert "secretvalue" not in str(info.value)


# --- pool and session id changes --------------------------------------------


def test_switching_pools_changes_later_request_targets() -> None:
    session = make_session()
    conn = cp.ClientConnection(session)
    assert conn.send(simple_request()).startswith(
        b"POST /engagement/api/agent/day001_221100_sql_001h/v1/postMessage?pool=297:1 "
    )
    conn.receive_data(http_response(200, b"{}"))
    conn.next_event()
    session.pool = "300:2"
    assert session.pool == "300:2"
    assert conn.send(simple_request()).startswith(
        b"POST /engagement/api/agent/day001_221100_sql_001h/v1/postMessage?pool=300:2 "
    )
    conn.receive_data(http_response(200, b"{}"))
    conn.next_event()
    session.pool = None
    assert conn.send(simple_request()).startswith(
        b"POST /engagement/api/agent/day001_221100_sql_001h/v1/postMessage HTTP/1.1"
    )
    with pytest.raises(cp.LocalProtocolError, match="pool"):
        session.pool = "a/b"
    assert session.pool is None


def test_renewing_validates_and_changes_the_session_header() -> None:
    session = make_session()
    with pytest.raises(cp.LocalProtocolError, match="session_id"):
        session.renew("bad id")
    assert session.session_id == SESSION_ID
    session.renew("node02")
    assert session.session_id == "node02"
    assert b"\r\nX-JSESSIONID: node02\r\n" in cp.ClientConnection(session).send(simple_request())


# --- sequence numbers -------------------------------------------------------


def numbers(data: bytes) -> int:
    body = data.partition(b"\r\n\r\n")[2]
    return int(body.split(b'"sequenceNumber":')[1].split(b",")[0].rstrip(b"}"))


def answer(conn: cp.ClientConnection) -> cp.ResponseReceived:
    conn.receive_data(http_response(200, b"{}"))
    event = conn.next_event()
    assert isinstance(event, cp.ResponseReceived)
    return event


def test_numbers_increase_across_every_connection_of_a_session() -> None:
    session = make_session()
    first, second = cp.ClientConnection(session), cp.ClientConnection(session)
    assert numbers(first.send(simple_request())) == 1
    assert numbers(second.send(simple_request())) == 2
    answer(first)
    assert numbers(first.send(simple_request())) == 3
    answer(second)
    assert numbers(second.send(simple_request())) == 4
    assert session.last_sequence_number == 4


def test_an_explicit_number_must_be_above_the_last_one_handed_out() -> None:
    session = make_session(last_sequence_number=5)
    conn = cp.ClientConnection(session)
    for stale in (5, 4, 0, -1):
        with pytest.raises(
            cp.LocalProtocolError, match=f"sequenceNumber {stale} must be above the last one handed out \\(5\\)"
        ):
            conn.send(simple_request(sequence_number=stale))
    assert conn.state is cp.ConnectionState.IDLE
    assert numbers(conn.send(simple_request(sequence_number=100))) == 100
    assert session.last_sequence_number == 100
    answer(conn)
    assert numbers(conn.send(simple_request())) == 101


def test_a_request_that_fails_validation_uses_no_number() -> None:
    session = make_session()
    conn = cp.ClientConnection(session)
    with pytest.raises(cp.LocalProtocolError):
        conn.send(simple_request(destination_id="x"))
    with pytest.raises(cp.LocalProtocolError):
        conn.send(simple_request(sequence_number=2**63))
    assert session.last_sequence_number == 0
    assert numbers(conn.send(simple_request())) == 1


def test_numbers_are_exhausted_at_the_int64_maximum() -> None:
    session = make_session(last_sequence_number=2**63 - 2)
    conn = cp.ClientConnection(session)
    assert numbers(conn.send(simple_request())) == 2**63 - 1
    answer(conn)
    with pytest.raises(cp.LocalProtocolError, match="exhausted"):
        conn.send(simple_request())
    with pytest.raises(cp.LocalProtocolError, match="must be above"):
        conn.send(simple_request(sequence_number=2**63 - 1))
    with pytest.raises(cp.LocalProtocolError, match="sequenceNumber"):
        conn.send(simple_request(sequence_number=2**63))
    assert session.last_sequence_number == 2**63 - 1
    assert conn.state is cp.ConnectionState.IDLE


def test_the_counter_is_saved_and_restored_across_a_restart() -> None:
    session = make_session()
    conn = cp.ClientConnection(session)
    for _ in range(3):
        conn.send(simple_request())
        answer(conn)
    saved = session.last_sequence_number
    assert saved == 3
    restarted = make_session(last_sequence_number=saved)
    assert restarted.last_sequence_number == 3
    assert numbers(cp.ClientConnection(restarted).send(simple_request())) == 4


@pytest.mark.parametrize("value", [-1, 2**63, "5", 5.0, True, None])
def test_a_restored_counter_is_validated(value: object) -> None:
    with pytest.raises(cp.LocalProtocolError, match="last_sequence_number"):
        make_session(last_sequence_number=value)


def test_the_counter_accepts_its_bounds() -> None:
    assert make_session(last_sequence_number=0).last_sequence_number == 0
    assert make_session(last_sequence_number=2**63 - 1).last_sequence_number == 2**63 - 1


def test_other_operations_share_the_numbering() -> None:
    session = make_session()
    conn = cp.ClientConnection(session)
    assert numbers(conn.send(cp.GetMessagesRequest())) == 1
    answer_any(conn)
    assert numbers(conn.send(simple_request())) == 2


def answer_any(conn: cp.ClientConnection) -> None:
    conn.receive_data(http_response(200, b"{}"))
    assert isinstance(conn.next_event(), cp.ResponseReceived)


class Numbered(enum.IntEnum):
    FIVE = 5
    TWENTY = 20


def test_an_int_subclass_as_explicit_number_is_checked_like_an_int() -> None:
    session = make_session(last_sequence_number=10)
    conn = cp.ClientConnection(session)
    with pytest.raises(cp.LocalProtocolError, match="must be above the last one handed out"):
        conn.send(simple_request(sequence_number=Numbered.FIVE))  # used to number backwards
    assert numbers(conn.send(simple_request(sequence_number=Numbered.TWENTY))) == 20
    assert session.last_sequence_number == 20
    assert type(session.last_sequence_number) is int
