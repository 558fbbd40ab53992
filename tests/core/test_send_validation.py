"""Outgoing requests are validated on the send path: msgspec checks nothing in ``__init__``.

An invalid request raises `LocalProtocolError` naming the field, nothing is
sent, no sequence number is used, and the connection stays ready.
"""

from __future__ import annotations

import pytest

import chatproto as cp

from .helpers import make_session, simple_request

INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)


def assert_refused(request: cp.Request, *fragments: str) -> None:
    session = make_session(last_sequence_number=10)
    conn = cp.ClientConnection(session)
    with pytest.raises(cp.LocalProtocolError) as info:
        conn.send(request)
    for fragment in fragments:
        assert fragment in str(info.value)
    assert session.last_sequence_number == 10
    assert conn.state is cp.ConnectionState.IDLE
    assert conn.pending_request is None
    # The connection is untouched: the next valid request is numbered 11.
    assert b'"sequenceNumber":11' in conn.send(simple_request())


@pytest.mark.parametrize(
    ("field", "value", "path"),
    [
        ("body", 5, "$.body"),
        ("body", None, "$.body"),
        ("body", b"bytes", "$.body"),
        ("destination_id", "27", "$.destinationId"),
        ("destination_id", 27.0, "$.destinationId"),
        ("destination_id", True, "$.destinationId"),
        ("destination_id", None, "$.destinationId"),
        ("destination_id", 2**63, "$.destinationId"),
        ("destination_id", -(2**63) - 1, "$.destinationId"),
        ("destination_id", 2**64, "$.destinationId"),
        ("destination_id", 10**100, "$.destinationId"),
        ("destination_id", float("nan"), "$.destinationId"),
        ("destination_type", "BOGUS", "$.destinationType"),
        ("destination_type", "engagement", "$.destinationType"),
        ("destination_type", cp.Visibility.ALL, "$.destinationType"),
        ("destination_type", None, "$.destinationType"),
        ("message_type", "HTML", "$.messageType"),
        ("message_type", None, "$.messageType"),
        ("message_data_map", {"k": 1}, "$.messageDataMap"),
        ("message_data_map", {"k": None}, "$.messageDataMap"),
        ("message_data_map", ["k", "v"], "$.messageDataMap"),
        ("message_data_map", {"line\nbreak": "v"}, "$.messageDataMap"),
        ("message_data_map", {"cr\r": "v"}, "$.messageDataMap"),
        ("message_data_map", {"nul\x00": "v"}, "$.messageDataMap"),
        ("message_data_map", {"\x1f": "v"}, "$.messageDataMap"),
        ("message_data_map", {"del\x7f": "v"}, "$.messageDataMap"),
        ("message_id", 1, "$.messageId"),
        ("rich_text", "yes", "$.richText"),
        ("rich_text", 1, "$.richText"),
        ("sequence_number", "5", "$.sequenceNumber"),
        ("sequence_number", 11.0, "$.sequenceNumber"),
        ("sequence_number", True, "$.sequenceNumber"),
        ("sequence_number", 2**63, "$.sequenceNumber"),
        ("time_created", 2**63, "$.timeCreated"),
        ("time_created", -(2**63) - 1, "$.timeCreated"),
        ("time_created", "2021-05-24", "$.timeCreated"),
        # The encoder would turn these into valid JSON of another type.
        ("body", bytearray(b"x"), "$.body"),
        ("message_id", b"1", "$.messageId"),
        ("time_created", float("nan"), "$.timeCreated"),
        ("time_created", float("inf"), "$.timeCreated"),
        ("message_data_map", {1: "v"}, "$.messageDataMap"),
        ("message_data_map", {"k": b"v"}, "$.messageDataMap"),
        ("visibility", "PUBLIC", "$.visibility"),
        ("visibility", 1, "$.visibility"),
    ],
)
def test_each_field_is_validated_and_the_error_names_it(field: str, value: object, path: str) -> None:
    assert_refused(simple_request(**{field: value}), "postMessage", f"`{path}")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("body", "\ud800"),
        ("body", "ok \udfff"),
        ("message_id", "\udc80"),
        ("message_data_map", {"\ud83d": "v"}),
        ("message_data_map", {"k": "\ude00"}),
    ],
)
def test_lone_surrogates_cannot_be_encoded(field: str, value: object) -> None:
    assert_refused(simple_request(**{field: value}), "postMessage", "surrogates")


def test_an_unencodable_value_is_refused() -> None:
    assert_refused(simple_request(body=object()), "postMessage", "object")


def test_a_map_that_contains_itself_is_refused() -> None:
    loop: dict[str, object] = {}
    loop["k"] = loop
    assert_refused(simple_request(message_data_map=loop), "postMessage")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("destination_id", INT64_MAX),
        ("destination_id", INT64_MIN),
        ("destination_id", 0),
        ("time_created", INT64_MAX),
        ("time_created", INT64_MIN),
        ("destination_type", "ENGAGEMENT"),  # the plain string of a member is that member
        ("message_data_map", {}),
        ("message_data_map", {"": ""}),
        ("message_data_map", {"tab\tno, but é, 中文 and emoji \U0001f600 yes"[6:]: "line\nbreaks in values are fine"}),
        ("message_id", ""),
        ("body", ""),
        ("body", "\x00\r\n\u2028 all text is fine in a body \U0001f600"),
        ("rich_text", True),
        ("visibility", cp.Visibility.NONE),
    ],
)
def test_boundary_values_are_accepted(field: str, value: object) -> None:
    conn = cp.ClientConnection(make_session())
    conn.send(simple_request(**{field: value}))
    assert conn.state is cp.ConnectionState.AWAITING_RESPONSE


@pytest.mark.parametrize("member", list(cp.DestinationType))
def test_every_documented_destination_type_is_accepted(member: cp.DestinationType) -> None:
    conn = cp.ClientConnection(make_session())
    assert b'"destinationType":"%s"' % member.value.encode() in conn.send(simple_request(destination_type=member))


def test_the_enums_carry_the_documented_values() -> None:
    assert [m.value for m in cp.DestinationType] == [
        "NONE",
        "AGENT",
        "END_USER",
        "ENGAGEMENT",
        "GROUP",
        "PROFILE",
        "QUEUE",
        "SUBSCRIPTION_AGENT_STATS",
        "SUBSCRIPTION_AGENT_STATS_BY_GROUP",
        "SUBSCRIPTION_AGENT_STATS_BY_QUEUE",
        "SUBSCRIPTION_AGENT_GROUP_STATS",
        "SUBSCRIPTION_ENGAGEMENT_STATS",
        "SUBSCRIPTION_ENGAGEMENT_STATS_BY_QUEUE",
        "SUBSCRIPTION_ENGAGEMENT_STATS_BY_AGENT",
        "SUBSCRIPTION_QUEUE_STATS",
        "SYSTEM",
        "UNIVERSAL_QUEUE",
        "UNKNOWN",
    ]
    assert [m.value for m in cp.Visibility] == ["NONE", "ALL", "NOT_ENDUSER"]
    assert [m.value for m in cp.MessageType] == ["TEXT"]


class NotARequest(cp.Request, frozen=True):
    sequence_number: int | None = None


@pytest.mark.parametrize(
    "request_object",
    [None, "postMessage", {"body": "Hi"}, NotARequest(), cp.PostMessageResponse()],
)
def test_something_that_is_not_an_operations_request_is_refused(request_object: object) -> None:
    conn = cp.ClientConnection(make_session())
    with pytest.raises(cp.LocalProtocolError, match="not the request of any agent operation"):
        conn.send(request_object)  # type: ignore[arg-type]
    assert conn.state is cp.ConnectionState.IDLE


def test_a_subclass_of_a_request_model_is_not_its_operation() -> None:
    class Custom(cp.PostMessageRequest, frozen=True):
        pass

    conn = cp.ClientConnection(make_session())
    with pytest.raises(cp.LocalProtocolError, match="Custom"):
        conn.send(Custom("Hi", 27, cp.DestinationType.ENGAGEMENT))


def test_an_operation_that_needs_a_session_id_is_refused_without_one() -> None:
    session = cp.AgentSession(host="h", site="s", agent_id="12")
    conn = cp.ClientConnection(session)
    with pytest.raises(cp.LocalProtocolError, match="postMessage needs a session id"):
        conn.send(simple_request())
    assert session.last_sequence_number == 0


def test_the_session_creating_operation_needs_a_token_and_no_session_id() -> None:
    session = cp.AgentSession(host="h", site="s", agent_id="12")
    with pytest.raises(cp.LocalProtocolError, match="needs a bearer token"):
        cp.ClientConnection(session).send(cp.CreateAgentSessionRequest())
    session = cp.AgentSession(host="h", site="s", agent_id="12", token="t0k/+=")
    data = cp.ClientConnection(session).send(cp.CreateAgentSessionRequest(logon_override=True))
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.split(b"\r\n") == [
        b"POST /engagement/api/agent/s/v1/createAutomatedAgentSession HTTP/1.1",
        b"Host: h",
        b"Content-Type: application/json; charset=utf-8",
        b"Content-Length: %d" % len(body),
        b"Authorization: Bearer t0k/+=",
    ]
    assert body == b'{"logonOverride":true,"sequenceNumber":1}'


def test_connection_arguments_are_checked() -> None:
    with pytest.raises(cp.LocalProtocolError, match="session must be an AgentSession"):
        cp.ClientConnection("session")  # type: ignore[arg-type]
    with pytest.raises(cp.LocalProtocolError, match="limits must be a Limits"):
        cp.ClientConnection(make_session(), limits={"max_body_bytes": 1})  # type: ignore[arg-type]
    with pytest.raises(cp.LocalProtocolError, match="limits must be a Limits"):
        cp.ServerConnection(limits=None)  # type: ignore[arg-type]


def test_now_ms_fills_an_unset_time_created_and_the_event_carries_it() -> None:
    conn = cp.ClientConnection(make_session())
    data = conn.send(simple_request(), now_ms=1621869388454)
    assert data.endswith(b'"sequenceNumber":1,"timeCreated":1621869388454}')
    assert conn.pending_request is not None
    assert conn.pending_request.time_created == 1621869388454


@pytest.mark.parametrize("sequence_number", [None, 7])
def test_now_ms_never_overrides_a_time_created_the_caller_set(sequence_number: int | None) -> None:
    conn = cp.ClientConnection(make_session())
    data = conn.send(simple_request(time_created=5, sequence_number=sequence_number), now_ms=99)
    number = 1 if sequence_number is None else sequence_number
    assert data.endswith(b'"sequenceNumber":%d,"timeCreated":5}' % number)


def test_now_ms_fills_time_created_beside_an_explicit_sequence_number() -> None:
    conn = cp.ClientConnection(make_session())
    data = conn.send(simple_request(sequence_number=7), now_ms=99)
    assert data.endswith(b'"sequenceNumber":7,"timeCreated":99}')


def test_without_now_ms_time_created_stays_unset() -> None:
    conn = cp.ClientConnection(make_session())
    assert conn.send(simple_request()).endswith(b'"sequenceNumber":1}')
