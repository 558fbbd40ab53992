"""The emulator's logic (`chatproto.emulator`), driven with the bytes a client would send.

Every request is fed to a `chatproto.ServerConnection` whole, byte by byte and
with trailing bytes (see `receive`), and every answer is compared as the exact
bytes the server would write.
"""

from __future__ import annotations

import json

import msgspec
import pytest
from emulator_helpers import (
    POOL,
    POST_TARGET,
    REFERENCE_AGENT_ID,
    REFERENCE_BODY,
    REFERENCE_SESSION_ID,
    SITE,
    post_body,
    receive,
    request_bytes,
)

import chatproto as cp
from chatproto.emulator import (
    DEFAULT_POOL,
    DEFAULT_SITE,
    Emulator,
    EmulatorError,
    EngagementCreated,
    ErrorBody,
    Fault,
    FaultPlan,
    Reply,
    SessionInfo,
)

NOW_MS = 1653492901569
OTHER_SITE = "day002_221100_sql_002h"


def reference_emulator(**options: object) -> Emulator:
    """An emulator holding the reference example's session (agent 12) and engagement 27."""
    emulator = Emulator(**options)  # type: ignore[arg-type]
    emulator.open_session(REFERENCE_AGENT_ID, session_id=REFERENCE_SESSION_ID)
    emulator.start_engagement(REFERENCE_SESSION_ID, engagement_id=27)
    return emulator


def answer(emulator: Emulator, data: bytes, now_ms: int = NOW_MS) -> tuple[Reply, bytes]:
    """The emulator's reply to the request in ``data``, and the bytes a server would write for it."""
    conn, event = receive(data)
    assert not isinstance(event, cp.ConnectionClosed)
    reply = emulator.handle(event, now_ms=now_ms)
    return reply, conn.send_response(reply.status, reply.body)


def response_bytes(status: int, reason: str, body: bytes) -> bytes:
    return (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def error_bytes(status: int, reason: str, code: str, message: str) -> bytes:
    document = {"exceptionCode": code, "message": message}
    return response_bytes(status, reason, json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode())


def error_of(reply: Reply) -> tuple[int, str, str]:
    assert isinstance(reply.body, ErrorBody)
    return reply.status, reply.body.exception_code, reply.body.message


# -- postMessage as the reference documents it ---------------------------------------------------


def test_reference_example_is_answered_as_documented() -> None:
    emulator = reference_emulator()
    reply, data = answer(emulator, request_bytes(REFERENCE_BODY))
    assert data == response_bytes(
        200,
        "OK",
        b'{"chatPostResult":{"clientReset":0},"chatSystemError":null,"clientSendTime":1621869388454,'
        b'"serviceStartTime":1653492901569,"serviceFinishTime":1653492901569,'
        b'"sessionId":"node01h8m13tljpm7ns8nayp0pid91","clientId":1,"clientIdString":"1",'
        b'"sequenceNumber":5,"sequenceNumberString":"5"}',
    )
    assert reply.delay_ms == 0
    assert reply.drop is False
    # Recorded with the fields that were posted; the nulls count as absent.
    assert msgspec.json.encode(emulator.messages(27)) == (
        b'[{"body":"Sample message text.","destinationId":27,"destinationType":"ENGAGEMENT","messageType":"TEXT",'
        b'"messageId":"1","sequenceNumber":5,"timeCreated":1621869388454,"visibility":"ALL"}]'
    )
    assert emulator.message_count == 1


def test_response_decodes_with_the_client_model() -> None:
    emulator = reference_emulator()
    reply, data = answer(emulator, request_bytes(REFERENCE_BODY))
    body = data.partition(b"\r\n\r\n")[2]
    decoded = msgspec.json.decode(body, type=cp.PostMessageResponse)
    assert decoded == reply.body
    assert decoded.chat_post_result == cp.ChatPostResult(client_reset=0)
    assert decoded.session_id == REFERENCE_SESSION_ID


def test_client_id_is_stable_per_session_and_distinct_between_sessions() -> None:
    emulator = reference_emulator()
    other = emulator.open_session("13")
    engagement = emulator.start_engagement(other.session_id)
    ids = []
    for sequence in (1, 2):
        reply, _ = answer(emulator, request_bytes(post_body(sequenceNumber=sequence)))
        ids.append(reply.body.client_id)
    reply, _ = answer(
        emulator,
        request_bytes(post_body(destinationId=engagement), session_id=other.session_id, agent_id="13"),
    )
    assert ids == [1, 1]
    assert reply.body.client_id == 2
    assert reply.body.client_id_string == "2"


def test_minimal_post_gets_arrival_time_and_no_sequence_number() -> None:
    emulator = reference_emulator()
    body = b'{"body":"x","destinationId":27,"destinationType":"ENGAGEMENT","messageType":"TEXT"}'
    _, data = answer(emulator, request_bytes(body, target=f"/engagement/api/agent/{SITE}/v1/postMessage"), 7)
    assert data.endswith(
        b'"clientSendTime":7,"serviceStartTime":7,"serviceFinishTime":7,"sessionId":"node01h8m13tljpm7ns8nayp0pid91",'
        b'"clientId":1,"clientIdString":"1","sequenceNumber":null,"sequenceNumberString":null}'
    )
    assert msgspec.json.encode(emulator.messages(27)) == (
        b'[{"body":"x","destinationId":27,"destinationType":"ENGAGEMENT","messageType":"TEXT"}]'
    )


def test_every_optional_field_is_recorded_as_posted() -> None:
    emulator = reference_emulator()
    fields = {
        "body": "<b>Hi</b>",
        "destinationId": 27,
        "destinationType": "ENGAGEMENT",
        "messageType": "TEXT",
        "messageDataMap": {"k": "v"},
        "messageId": "m-1",
        "richText": True,
        "sequenceNumber": 9223372036854775807,
        "timeCreated": -9223372036854775808,
        "visibility": "NOT_ENDUSER",
    }
    reply, _ = answer(emulator, request_bytes(json.dumps(fields).encode()))
    assert reply.status == 200
    assert reply.body.sequence_number_string == "9223372036854775807"
    assert msgspec.json.decode(msgspec.json.encode(emulator.messages(27))) == [fields]


# -- Errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (post_body(destinationId=...), "destinationId"),
        (post_body(body=...), "body"),
        (post_body(destinationType=...), "destinationType"),
        (post_body(destinationId="27"), "destinationId"),
        (post_body(body=None), "body"),
        (post_body(body=5), "body"),
        (post_body(destinationType="CHANNEL"), "destinationType"),
        (post_body(messageType="HTML"), "messageType"),
        (post_body(visibility="SOME"), "visibility"),
        (post_body(richText="yes"), "richText"),
        (post_body(messageDataMap={"k": 1}), "messageDataMap"),
        (post_body(messageDataMap=["k"]), "messageDataMap"),
        (post_body(destinationId=2**63), "destinationId"),
        (post_body(destinationId=-(2**63) - 1), "destinationId"),
        (post_body(sequenceNumber=2**63), "sequenceNumber"),
        (post_body(sequenceNumber=-1), "sequenceNumber"),
        (post_body(timeCreated=2**63), "timeCreated"),
        (post_body(timeCreated=1.5), "timeCreated"),
    ],
)
def test_invalid_body_is_400_naming_the_field(body: bytes, field: str) -> None:
    emulator = reference_emulator()
    reply, data = answer(emulator, request_bytes(body))
    status, code, message = error_of(reply)
    assert (status, code) == (400, "INVALID_FIELD")
    assert f"`{field}`" in message or f"`$.{field}" in message
    assert data == error_bytes(400, "Bad Request", code, message)
    assert emulator.message_count == 0


@pytest.mark.parametrize("body", [b'{"body": "Hi", ', b"not json", b"", b"[]", b'"text"'])
def test_malformed_json_is_400(body: bytes) -> None:
    emulator = reference_emulator()
    status, code, message = error_of(answer(emulator, request_bytes(body))[0])
    assert (status, code) == (400, "INVALID_FIELD")
    assert message.startswith("invalid postMessage request body: ")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_wrong_content_type_is_400_naming_it(content_type: str | None) -> None:
    emulator = reference_emulator()
    reply, data = answer(emulator, request_bytes(post_body(), content_type=content_type))
    assert error_of(reply) == (400, "BAD_REQUEST", "Content-Type must be application/json; charset=utf-8")
    assert data == error_bytes(
        400, "Bad Request", "BAD_REQUEST", "Content-Type must be application/json; charset=utf-8"
    )


def test_post_into_unknown_engagement_is_400_naming_destination_id() -> None:
    emulator = reference_emulator()
    reply, data = answer(emulator, request_bytes(post_body(destinationId=28)))
    message = "destinationId: no engagement 28 is assigned to this session"
    assert error_of(reply) == (400, "INVALID_FIELD", message)
    assert data == error_bytes(400, "Bad Request", "INVALID_FIELD", message)


def test_post_into_another_sessions_engagement_is_400() -> None:
    emulator = reference_emulator()
    other = emulator.open_session("13")
    theirs = emulator.start_engagement(other.session_id)
    reply, _ = answer(emulator, request_bytes(post_body(destinationId=theirs)))
    assert error_of(reply) == (
        400,
        "INVALID_FIELD",
        f"destinationId: no engagement {theirs} is assigned to this session",
    )
    assert emulator.messages(theirs) == []


def test_post_to_another_destination_type_is_400_naming_it() -> None:
    emulator = reference_emulator()
    reply, _ = answer(emulator, request_bytes(post_body(destinationType="AGENT")))
    assert error_of(reply) == (
        400,
        "INVALID_FIELD",
        "destinationType: the emulator delivers only to ENGAGEMENT, not AGENT",
    )


def test_post_into_concluded_engagement_is_conflict() -> None:
    emulator = reference_emulator()
    assert answer(emulator, request_bytes(post_body()))[0].status == 200
    emulator.conclude_engagement(27)
    emulator.conclude_engagement(27)  # idempotent
    reply, data = answer(emulator, request_bytes(post_body(sequenceNumber=2)))
    message = "the lead participant has left the engagement 27"
    assert error_of(reply) == (409, "CONFLICT", message)
    assert data == error_bytes(409, "Conflict", "CONFLICT", message)
    assert len(emulator.messages(27)) == 1


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"session_id": None}, "the X-JSESSIONID header is missing"),
        ({"agent_id": None}, "the X-AID header is missing"),
        ({"session_id": "node01unknown"}, "the agent session identifier is unknown"),
        ({"session_id": ""}, "the agent session identifier is unknown"),
        ({"agent_id": "13"}, "X-AID: this agent does not own the session"),
        ({"target": f"{POST_TARGET[:-1]}2"}, "pool: the agent session is not served by pool 297:2"),
    ],
)
def test_session_problems_are_403(options: dict[str, str | None], message: str) -> None:
    emulator = reference_emulator()
    reply, data = answer(emulator, request_bytes(post_body(), **options))  # type: ignore[arg-type]
    assert error_of(reply) == (403, "ACCESS_DENIED", message)
    assert data == error_bytes(403, "Forbidden", "ACCESS_DENIED", message)
    assert emulator.message_count == 0


def test_session_of_another_site_is_unknown_here() -> None:
    emulator = Emulator(sites=(SITE, OTHER_SITE))
    session = emulator.open_session("12", site=OTHER_SITE)
    assert session.site == OTHER_SITE
    emulator.start_engagement(session.session_id, engagement_id=27)
    wrong_site = answer(emulator, request_bytes(post_body(), session_id=session.session_id))[0]
    assert error_of(wrong_site) == (403, "ACCESS_DENIED", "the agent session identifier is unknown")
    target = f"/engagement/api/agent/{OTHER_SITE}/v1/postMessage"
    right_site = answer(emulator, request_bytes(post_body(), target=target, session_id=session.session_id))[0]
    assert right_site.status == 200


@pytest.mark.parametrize(
    ("target", "method", "status", "code", "message"),
    [
        ("/engagement/api/agent/other_site/v1/postMessage", "POST", 404, "NOT_FOUND", "unknown site 'other_site'"),
        (f"/engagement/api/agent/{SITE}/v1/sendMessage", "POST", 404, "NOT_FOUND", "unknown operation 'sendMessage'"),
        ("/engagement/api/agent/other_site/v1/sendMessage", "POST", 404, "NOT_FOUND", "unknown site 'other_site'"),
        (f"/engagement/api/agent/{SITE}/v2/postMessage", "POST", 404, "NOT_FOUND", None),
        ("/engagement/api/agent/a%2Fb/v1/postMessage", "POST", 404, "NOT_FOUND", None),
        ("/engagement/api/consumer/x/v1/postMessage", "POST", 404, "NOT_FOUND", None),
        ("/favicon.ico", "GET", 404, "NOT_FOUND", "no resource at '/favicon.ico'"),
        (f"/engagement/api/agent/{SITE}/v1/postMessage", "GET", 405, "METHOD_NOT_ALLOWED", None),
    ],
)
def test_unknown_paths_and_sites(target: str, method: str, status: int, code: str, message: str | None) -> None:
    emulator = reference_emulator()
    reply, _ = answer(emulator, request_bytes(post_body(), target=target, method=method))
    got_status, got_code, got_message = error_of(reply)
    assert (got_status, got_code) == (status, code)
    if message is not None:
        assert got_message == message


def test_unknown_site_outranks_an_invalid_body() -> None:
    emulator = reference_emulator()
    reply, _ = answer(emulator, request_bytes(b"{", target="/engagement/api/agent/elsewhere/v1/postMessage"))
    assert error_of(reply) == (404, "NOT_FOUND", "unknown site 'elsewhere'")


def test_an_operation_without_its_session_headers_is_403_before_its_body() -> None:
    # Every operation of the table is served now; the session is checked first, even for a body
    # that would not validate.
    target = f"/engagement/api/agent/{SITE}/v1/logoff?pool={POOL}"
    _, data = answer(reference_emulator(), request_bytes(b'{"forceLogoff": "no"}', target=target, agent_id="13"))
    assert data == error_bytes(403, "Forbidden", "ACCESS_DENIED", "X-AID: this agent does not own the session")
    _, data = answer(reference_emulator(), request_bytes(b'{"forceLogoff": "no"}', target=target))
    assert data.startswith(b"HTTP/1.1 400 Bad Request\r\n")


def test_full_emulator_refuses_more_messages() -> None:
    emulator = reference_emulator(max_messages=2)
    for sequence in (1, 2):
        assert answer(emulator, request_bytes(post_body(sequenceNumber=sequence)))[0].status == 200
    reply, data = answer(emulator, request_bytes(post_body(sequenceNumber=3)))
    assert error_of(reply) == (500, "UNKNOWN_EXCEPTION", "the emulator holds its max_messages (2)")
    assert data.startswith(b"HTTP/1.1 500 Internal Server Error\r\n")
    assert emulator.message_count == 2


# -- What the emulator holds, in bytes -------------------------------------------------------------


def _recorded_json(body: bytes) -> bytes:
    """A post's JSON as the emulator gives it back (and charges it)."""
    emulator = reference_emulator()
    assert answer(emulator, request_bytes(body))[0].status == 200
    return msgspec.json.encode(emulator.messages(27)[0])


def test_stored_bytes_bound_what_the_emulator_holds() -> None:
    # The count bound alone let each 1 MB post add 1 MiB without end.
    session_size = len(msgspec.json.encode(SessionInfo(SITE, REFERENCE_AGENT_ID, REFERENCE_SESSION_ID, POOL)))
    big, small = post_body(body="x" * 1000), post_body(body="y")
    big_size, small_size = len(_recorded_json(big)), len(_recorded_json(small))
    account_size = Emulator().stored_bytes  # the default account is held too
    session_size += account_size
    emulator = reference_emulator(max_stored_bytes=session_size + 2 * big_size + small_size)
    assert emulator.stored_bytes == session_size
    for _ in range(2):
        assert answer(emulator, request_bytes(big))[0].status == 200
    assert emulator.stored_bytes == session_size + 2 * big_size

    reply, data = answer(emulator, request_bytes(big))
    message = (
        f"the emulator holds its max_stored_bytes ({session_size + 2 * big_size + small_size}): "
        f"{session_size + 2 * big_size} bytes are held, and this message needs {big_size} more"
    )
    assert error_of(reply) == (503, "CAPACITY_EXCEEDED", message)
    assert data == error_bytes(503, "Service Unavailable", "CAPACITY_EXCEEDED", message)
    assert emulator.message_count == 2  # nothing recorded

    assert answer(emulator, request_bytes(small))[0].status == 200  # what still fits is taken
    assert emulator.stored_bytes == session_size + 2 * big_size + small_size
    assert error_of(answer(emulator, request_bytes(small))[0])[:2] == (503, "CAPACITY_EXCEEDED")
    assert [len(m.body) for m in emulator.messages(27)] == [1000, 1000, 1]


def test_stored_bytes_count_sessions() -> None:
    first = Emulator().open_session("12")
    size = len(msgspec.json.encode(first))
    emulator = Emulator(max_stored_bytes=2 * size, accounts=())
    assert emulator.stored_bytes == 0
    emulator.open_session("12")
    emulator.open_session("12")
    with pytest.raises(EmulatorError) as raised:
        emulator.open_session("12")
    assert (raised.value.status, raised.value.code, str(raised.value)) == (
        503,
        "CAPACITY_EXCEEDED",
        f"the emulator holds its max_stored_bytes ({2 * size}): {2 * size} bytes are held, "
        f"and this session needs {size} more",
    )
    assert emulator.stored_bytes == 2 * size
    # Over HTTP, the same refusal.
    reply, _ = answer(emulator, request_bytes(b'{"agentId": "13"}', target="/emulator/sessions"))
    assert error_of(reply)[:2] == (503, "CAPACITY_EXCEEDED")


def test_stored_bytes_follow_a_session_that_moves_pool() -> None:
    emulator = Emulator(pool="297:9", faults=FaultPlan(pool_change=1.0), accounts=())
    session = emulator.open_session("12")
    held = emulator.stored_bytes
    assert held == len(msgspec.json.encode(session))
    engagement = emulator.start_engagement(session.session_id)
    body = post_body(destinationId=engagement)
    target = POST_TARGET.replace(POOL, "297:9")
    reply, _ = answer(emulator, request_bytes(body, target=target, session_id=session.session_id, agent_id="12"))
    assert error_of(reply)[:2] == (403, "ACCESS_DENIED")
    moved = emulator.session(session.session_id)
    assert moved.pool == "297:10"
    info = SessionInfo(moved.site, moved.agent_id, moved.session_id, moved.pool)
    assert emulator.stored_bytes == held + 1 == len(msgspec.json.encode(info))


# -- The control calls ---------------------------------------------------------------------------


def test_defaults() -> None:
    emulator = Emulator()
    assert emulator.sites == (DEFAULT_SITE,)
    session = emulator.open_session(12)
    assert session == SessionInfo(DEFAULT_SITE, "12", "node0emulator00000001", DEFAULT_POOL)
    assert emulator.open_session("12").session_id == "node0emulator00000002"
    assert emulator.faults == FaultPlan()
    assert emulator.faults.active is False


def test_session_info_hides_the_session_id_in_repr() -> None:
    info = SessionInfo(SITE, "12", REFERENCE_SESSION_ID, POOL)
    assert repr(info) == f"SessionInfo(site='{SITE}', agent_id='12', session_id=<30 chars ...91>, pool='297:1')"
    assert msgspec.json.encode(info) == (
        b'{"site":"day001_221100_sql_001h","agentId":"12","sessionId":"node01h8m13tljpm7ns8nayp0pid91","pool":"297:1"}'
    )


def test_session_ids_come_from_the_factory() -> None:
    ids = iter(["first", "second"])
    emulator = Emulator(session_id_factory=lambda: next(ids))
    assert emulator.open_session("1").session_id == "first"
    assert emulator.session("first").agent_id == "1"
    assert emulator.open_session("2").session_id == "second"


@pytest.mark.parametrize(
    ("call", "status", "code", "message"),
    [
        (lambda e: e.open_session("1 2"), 400, "INVALID_FIELD", "agentId may not contain ' ' (at index 1)"),
        (lambda e: e.open_session(""), 400, "INVALID_FIELD", "agentId may not be empty"),
        (lambda e: e.open_session(None), 400, "INVALID_FIELD", "agentId must be a str, not NoneType"),
        (lambda e: e.open_session("1", site="nowhere"), 400, "INVALID_FIELD", None),
        (lambda e: e.open_session("1", session_id="a\nb"), 400, "INVALID_FIELD", None),
        (
            lambda e: e.open_session("1", session_id=REFERENCE_SESSION_ID),
            409,
            "CONFLICT",
            "sessionId: a session with this id is already open",
        ),
        (lambda e: e.session("nope"), 404, "NOT_FOUND", "no agent session with this id"),
        (lambda e: e.start_engagement("nope"), 400, "INVALID_FIELD", "sessionId: no agent session with this id"),
        (lambda e: e.start_engagement(REFERENCE_SESSION_ID, engagement_id=27), 409, "CONFLICT", None),
        (lambda e: e.start_engagement(REFERENCE_SESSION_ID, engagement_id=0), 400, "INVALID_FIELD", None),
        (lambda e: e.start_engagement(REFERENCE_SESSION_ID, engagement_id=2**63), 400, "INVALID_FIELD", None),
        (lambda e: e.start_engagement(REFERENCE_SESSION_ID, engagement_id=True), 400, "INVALID_FIELD", None),
        (lambda e: e.conclude_engagement(5), 404, "NOT_FOUND", "no engagement 5"),
        (lambda e: e.messages(5), 404, "NOT_FOUND", "no engagement 5"),
        (lambda e: e.set_faults({"seed": 1}), 400, "INVALID_FIELD", "faults must be a FaultPlan, not dict"),
    ],
)
def test_control_call_errors(call: object, status: int, code: str, message: str | None) -> None:
    emulator = reference_emulator()
    with pytest.raises(EmulatorError) as raised:
        call(emulator)  # type: ignore[operator]
    assert (raised.value.status, raised.value.code) == (status, code)
    assert raised.value.error_status_hint == status
    assert isinstance(raised.value, cp.LocalProtocolError)
    if message is not None:
        assert str(raised.value) == message


def test_engagement_ids_count_past_chosen_ones() -> None:
    emulator = reference_emulator()
    assert emulator.start_engagement(REFERENCE_SESSION_ID) == 28
    assert emulator.start_engagement(REFERENCE_SESSION_ID, engagement_id=5) == 5
    assert emulator.start_engagement(REFERENCE_SESSION_ID) == 29


def test_capacity_bounds() -> None:
    emulator = Emulator(max_sessions=1, max_engagements=1)
    session = emulator.open_session("1")
    with pytest.raises(EmulatorError) as raised:
        emulator.open_session("2")
    assert (raised.value.status, raised.value.code, str(raised.value)) == (
        503,
        "CAPACITY_EXCEEDED",
        "max_sessions (1) are open",
    )
    emulator.start_engagement(session.session_id)
    with pytest.raises(EmulatorError, match=r"max_engagements \(1\) exist"):
        emulator.start_engagement(session.session_id)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"sites": ()}, "an emulator serves at least one site"),
        ({"sites": ("a/b",)}, "site may not contain '/' (at index 1)"),
        ({"pool": "297 1"}, "pool may not contain ' ' (at index 3)"),
        ({"max_sessions": 0}, "max_sessions must be a positive int, got 0"),
        ({"max_engagements": 1.5}, "max_engagements must be a positive int, got 1.5"),
        ({"max_messages": True}, "max_messages must be a positive int, got True"),
        ({"max_stored_bytes": 0}, "max_stored_bytes must be a positive int, got 0"),
    ],
)
def test_invalid_configuration(options: dict[str, object], message: str) -> None:
    with pytest.raises(cp.LocalProtocolError) as raised:
        Emulator(**options)  # type: ignore[arg-type]
    assert str(raised.value) == message


def test_messages_returns_a_copy() -> None:
    emulator = reference_emulator()
    answer(emulator, request_bytes(post_body()))
    emulator.messages(27).clear()
    assert len(emulator.messages(27)) == 1


# -- Faults --------------------------------------------------------------------------------------


def test_no_faults_unless_asked() -> None:
    emulator = reference_emulator()
    replies = [answer(emulator, request_bytes(post_body(sequenceNumber=n)))[0] for n in range(1, 21)]
    assert {(reply.status, reply.delay_ms, reply.drop) for reply in replies} == {(200, 0, False)}


def test_fault_close_before_record() -> None:
    emulator = reference_emulator(faults=FaultPlan(close_before_record=1.0))
    reply, _ = answer(emulator, request_bytes(post_body()))
    assert reply == Reply(drop=True)
    assert emulator.messages(27) == []


def test_fault_close_after_record() -> None:
    emulator = reference_emulator(faults=FaultPlan(close_after_record=1.0))
    reply, _ = answer(emulator, request_bytes(post_body()))
    assert reply == Reply(drop=True)
    assert [message.body for message in emulator.messages(27)] == ["Hi"]


def test_fault_server_error() -> None:
    emulator = reference_emulator(faults=FaultPlan(server_error=1.0))
    _, data = answer(emulator, request_bytes(post_body()))
    message = "an injected server error; the message was not recorded"
    assert data == error_bytes(500, "Internal Server Error", "UNKNOWN_EXCEPTION", message)
    assert emulator.messages(27) == []


def test_fault_delay() -> None:
    emulator = reference_emulator(faults=FaultPlan(delay=1.0, delay_ms=250))
    reply, _ = answer(emulator, request_bytes(post_body()))
    assert (reply.status, reply.delay_ms, reply.drop) == (200, 250, False)
    assert len(emulator.messages(27)) == 1


@pytest.mark.parametrize(
    ("pool", "moves"), [("297:1", ["297:2", "297:3"]), ("east", ["east:1", "east:2"]), ("a:b", ["a:b:1", "a:b:2"])]
)
def test_fault_pool_change(pool: str, moves: list[str]) -> None:
    emulator = Emulator(pool=pool, faults=FaultPlan(pool_change=1.0))
    session = emulator.open_session("12", session_id=REFERENCE_SESSION_ID)
    emulator.start_engagement(session.session_id, engagement_id=27)
    target = f"/engagement/api/agent/{SITE}/v1/postMessage?pool={pool}"
    reply, _ = answer(emulator, request_bytes(post_body(), target=target))
    assert error_of(reply) == (403, "ACCESS_DENIED", f"the agent session moved to pool {moves[0]}")
    assert emulator.session(REFERENCE_SESSION_ID).pool == moves[0]
    # The old pool no longer knows the session.
    reply, _ = answer(emulator, request_bytes(post_body(), target=target))
    assert error_of(reply) == (403, "ACCESS_DENIED", f"pool: the agent session is not served by pool {pool}")
    # The new pool does, and moves it on.
    reply, _ = answer(emulator, request_bytes(post_body(), target=target.replace(pool, moves[0])))
    assert error_of(reply) == (403, "ACCESS_DENIED", f"the agent session moved to pool {moves[1]}")
    assert emulator.messages(27) == []


def test_faults_are_reproducible_and_replace_only_successes() -> None:
    plan = FaultPlan(seed=7, delay=0.2, delay_ms=5, close_before_record=0.1, close_after_record=0.1, server_error=0.1)
    outcome_of = {
        Fault.NONE: (200, 0, False),
        Fault.DELAY: (200, 5, False),
        Fault.CLOSE_BEFORE_RECORD: (200, 0, True),
        Fault.CLOSE_AFTER_RECORD: (200, 0, True),
        Fault.SERVER_ERROR: (500, 0, False),
    }

    def run() -> tuple[list[tuple[int, int, bool]], list[int | None]]:
        emulator = reference_emulator(faults=plan)
        outcomes = []
        for n in range(1, 41):
            # Every fourth request names no session: answered 403, and not eligible for a fault.
            session_id = "node01unknown" if n % 4 == 0 else REFERENCE_SESSION_ID
            reply, _ = answer(emulator, request_bytes(post_body(sequenceNumber=n), session_id=session_id))
            outcomes.append((reply.status, reply.delay_ms, reply.drop))
        return outcomes, [message.sequence_number for message in emulator.messages(27)]

    outcomes, recorded = run()
    assert run() == (outcomes, recorded)
    faults = [plan.fault_for(i) for i in range(30)]
    eligible = [outcome for n, outcome in enumerate(outcomes, 1) if n % 4]
    assert eligible == [outcome_of[fault] for fault in faults]
    assert {outcome for n, outcome in enumerate(outcomes, 1) if n % 4 == 0} == {(403, 0, False)}
    assert set(faults) == set(outcome_of)  # every kind happened
    numbers = [n for n in range(1, 41) if n % 4]
    kept = (Fault.NONE, Fault.DELAY, Fault.CLOSE_AFTER_RECORD)
    assert recorded == [n for n, fault in zip(numbers, faults, strict=True) if fault in kept]


def test_setting_faults_restarts_the_sequence() -> None:
    plan = FaultPlan(seed=3, server_error=0.5)
    emulator = reference_emulator()
    emulator.set_faults(plan)
    first = [answer(emulator, request_bytes(post_body(sequenceNumber=n)))[0].status for n in range(1, 11)]
    emulator.set_faults(plan)
    again = [answer(emulator, request_bytes(post_body(sequenceNumber=n)))[0].status for n in range(11, 21)]
    assert first == again == [500 if plan.fault_for(i) is Fault.SERVER_ERROR else 200 for i in range(10)]
    emulator.set_faults(None)
    assert emulator.faults == FaultPlan()


def test_fault_draws_follow_the_rates() -> None:
    plan = FaultPlan(seed=11, delay=0.1, close_before_record=0.2, close_after_record=0.05, server_error=0.15)
    counts = dict.fromkeys(Fault, 0)
    for counter in range(20_000):
        counts[plan.fault_for(counter)] += 1
    expected = {
        Fault.DELAY: 0.1,
        Fault.CLOSE_BEFORE_RECORD: 0.2,
        Fault.CLOSE_AFTER_RECORD: 0.05,
        Fault.SERVER_ERROR: 0.15,
        Fault.POOL_CHANGE: 0.0,
        Fault.NONE: 0.5,
    }
    for fault, rate in expected.items():
        assert abs(counts[fault] / 20_000 - rate) < 0.015, (fault, counts)
    # Another seed, another sequence.
    other = FaultPlan(seed=12, delay=0.1, close_before_record=0.2, close_after_record=0.05, server_error=0.15)
    assert [plan.fault_for(i) for i in range(50)] != [other.fault_for(i) for i in range(50)]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"seed": "1"}, "seed must be an int, not str"),
        ({"delay_ms": -1}, "delayMs must be an int from 0 to 600000"),
        ({"delay_ms": 600_001}, "delayMs must be an int from 0 to 600000"),
        ({"delay_ms": 1.0}, "delayMs must be an int from 0 to 600000"),
        ({"delay": 1.5}, "delay must be a number from 0 to 1, not 1.5"),
        ({"close_before_record": -0.1}, "closeBeforeRecord must be a number from 0 to 1, not -0.1"),
        ({"close_after_record": float("nan")}, "closeAfterRecord must be a number from 0 to 1, not nan"),
        ({"server_error": "0.5"}, "serverError must be a number from 0 to 1, not '0.5'"),
        ({"pool_change": True}, "poolChange must be a number from 0 to 1, not True"),
        (
            {"delay": 0.5, "pool_change": 0.6},
            "the fault rates add up to 1.1; at most one fault applies, so they may not exceed 1",
        ),
    ],
)
def test_invalid_fault_plans(options: dict[str, object], message: str) -> None:
    with pytest.raises(EmulatorError) as raised:
        FaultPlan(**options)  # type: ignore[arg-type]
    assert (raised.value.status, raised.value.code) == (400, "INVALID_FIELD")
    assert str(raised.value) == f"invalid fault plan: {message}"


def test_fault_plan_rates_may_add_up_to_one() -> None:
    plan = FaultPlan(delay=0.1, close_before_record=0.2, close_after_record=0.3, server_error=0.3, pool_change=0.1)
    assert plan.active
    assert Fault.NONE not in {plan.fault_for(i) for i in range(200)}
    assert FaultPlan(delay=1).delay == 1


# -- The control surface over HTTP ---------------------------------------------------------------


def control(emulator: Emulator, method: str, path: str, body: bytes = b"") -> tuple[Reply, bytes]:
    return answer(emulator, request_bytes(body, method=method, target=path, session_id=None, agent_id=None))


def test_control_surface_round_trip() -> None:
    emulator = Emulator()
    _, data = control(emulator, "POST", "/emulator/sessions", b'{"agentId": "12"}')
    assert data == response_bytes(
        200,
        "OK",
        b'{"site":"day001_221100_sql_001h","agentId":"12","sessionId":"node0emulator00000001","pool":"297:1"}',
    )
    _, data = control(emulator, "POST", "/emulator/engagements", b'{"sessionId": "node0emulator00000001"}')
    assert data == response_bytes(200, "OK", b'{"engagementId":1}')
    target = f"/engagement/api/agent/{SITE}/v1/postMessage"
    for n in (1, 2):
        body = post_body(destinationId=1, sequenceNumber=n, body=f"m{n}")
        reply, _ = answer(emulator, request_bytes(body, target=target, session_id="node0emulator00000001"))
        assert reply.status == 200
    _, data = control(emulator, "GET", "/emulator/engagements/1/messages")
    assert data == response_bytes(
        200,
        "OK",
        b'[{"body":"m1","destinationId":1,"destinationType":"ENGAGEMENT","messageType":"TEXT","sequenceNumber":1},'
        b'{"body":"m2","destinationId":1,"destinationType":"ENGAGEMENT","messageType":"TEXT","sequenceNumber":2}]',
    )
    _, data = control(emulator, "POST", "/emulator/engagements/1/conclude")
    assert data == response_bytes(200, "OK", b'{"engagementId":1}')
    reply, _ = answer(
        emulator, request_bytes(post_body(destinationId=1), target=target, session_id="node0emulator00000001")
    )
    assert error_of(reply)[:2] == (409, "CONFLICT")
    _, data = control(emulator, "GET", "/emulator/sessions/node0emulator00000001")
    assert data.endswith(
        b'"sessionId":"node0emulator00000001","pool":"297:1","status":"NONE","subTypeId":null,'
        b'"assignmentRequested":false,"maxSessions":0,"offersLeft":0,"engagements":[1],"polling":false,'
        b'"pendingMessages":1,"pendingPool":null}'
    )


def test_control_surface_options() -> None:
    emulator = Emulator(sites=(SITE, OTHER_SITE))
    reply, _ = control(emulator, "POST", "/emulator/sessions", f'{{"agentId": 7, "site": "{OTHER_SITE}"}}'.encode())
    assert reply.body == SessionInfo(OTHER_SITE, "7", "node0emulator00000001", POOL)
    reply, _ = control(
        emulator, "POST", "/emulator/engagements", b'{"sessionId": "node0emulator00000001", "engagementId": 27}'
    )
    assert reply.body == EngagementCreated(27)


def test_control_surface_faults() -> None:
    emulator = Emulator()
    _, data = control(emulator, "GET", "/emulator/faults")
    assert data == response_bytes(
        200,
        "OK",
        b'{"seed":0,"delay":0.0,"delayMs":100,"closeBeforeRecord":0.0,"closeAfterRecord":0.0,"serverError":0.0,'
        b'"poolChange":0.0,"dropPoll":0.0,"replay":0.0,"takeover":0.0}',
    )
    reply, _ = control(emulator, "POST", "/emulator/faults", b'{"seed": 4, "serverError": 1, "delayMs": 0}')
    assert reply.body == FaultPlan(seed=4, server_error=1.0, delay_ms=0)
    assert emulator.faults == FaultPlan(seed=4, server_error=1.0, delay_ms=0)
    # A POST changes only the fields it names (test_faults_post_changes_only_the_fields_it_names).
    control(emulator, "POST", "/emulator/faults", b'{"serverError": 0}')
    assert emulator.faults.active is False


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code", "message"),
    [
        ("POST", "/emulator/sessions", b"", 400, "INVALID_FIELD", "Object missing required field `agentId`"),
        ("POST", "/emulator/sessions", b'{"agentId": true}', 400, "INVALID_FIELD", "`$.agentId`"),
        ("POST", "/emulator/sessions", b'{"agentId": "1", "x": 1}', 400, "INVALID_FIELD", "unknown field `x`"),
        ("POST", "/emulator/sessions", b'{"agentId": "1 2"}', 400, "INVALID_FIELD", "agentId may not contain"),
        ("POST", "/emulator/sessions", b'{"agentId": [[[[[]]]]]}', 400, "BAD_REQUEST", "max_json_depth exceeded"),
        ("POST", "/emulator/sessions", b"{", 400, "INVALID_FIELD", "invalid /emulator/sessions body"),
        ("POST", "/emulator/engagements", b'{"sessionId": 7}', 400, "INVALID_FIELD", "`$.sessionId`"),
        ("POST", "/emulator/engagements", b'{"sessionId": "x"}', 400, "INVALID_FIELD", "sessionId: no agent session"),
        ("POST", "/emulator/engagements/99/conclude", b"", 404, "NOT_FOUND", "no engagement 99"),
        ("GET", "/emulator/engagements/99/messages", b"", 404, "NOT_FOUND", "no engagement 99"),
        ("GET", "/emulator/engagements/x/messages", b"", 404, "NOT_FOUND", "no resource at"),
        ("GET", "/emulator/sessions/unknown", b"", 404, "NOT_FOUND", "no agent session with this id"),
        ("POST", "/emulator/faults", b'{"delay": 2}', 400, "INVALID_FIELD", "delay must be a number from 0 to 1"),
        ("POST", "/emulator/faults", b'{"dleay": 0.5}', 400, "INVALID_FIELD", "unknown field `dleay`"),
        ("DELETE", "/emulator/faults", b"", 405, "METHOD_NOT_ALLOWED", "'/emulator/faults' takes GET or POST"),
        ("GET", "/emulator/sessions", b"", 405, "METHOD_NOT_ALLOWED", "takes POST, not 'GET'"),
        ("POST", "/emulator/nothing", b"", 404, "NOT_FOUND", "no resource at '/emulator/nothing'"),
        ("GET", "/emulator/" + "x" * 500, b"", 404, "NOT_FOUND", "xxx...'"),
    ],
)
def test_control_surface_errors(method: str, path: str, body: bytes, status: int, code: str, message: str) -> None:
    emulator = Emulator()
    reply, data = control(emulator, method, path, body)
    got = error_of(reply)
    assert got[:2] == (status, code)
    assert message in got[2]
    assert len(got[2]) < 300
    assert data.startswith(f"HTTP/1.1 {status} ".encode())
