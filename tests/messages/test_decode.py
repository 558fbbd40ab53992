"""Every message type decoded from realistic getMessages bodies, through `cp.ClientConnection`.

The bodies follow agent-messages.md: the documented ``ChatActivitySignal``
with all its fields and ``...String`` twins [D], Oracle's legacy capture's
numbers (216, 217) and values [OL], and the inferred assignment offer [I].
Each body is fed whole, byte by byte, in strides, at seeded points and with
trailing bytes (`helpers.poll`).
"""

from __future__ import annotations

import pytest

import chatproto as cp

from .helpers import body_of, messages, poll

ACTIVITY = (
    b'{"ChatActivitySignal":{"engagementId":27,"engagementIdString":"27","clientId":47,"clientIdString":"47",'
    b'"mode":"RESPONDING","sneakPreviewState":"ENABLED","sneakPreviewInterval":3000,"sneakPreview":"Where is my ord",'
    b'"sneakPreviewFocus":true,"destinationId":27,"destinationIdString":"27","destinationType":"ENGAGEMENT",'
    b'"senderId":47,"senderIdString":"47","senderType":"END_USER","messageType":"ACTIVITY_SIGNAL",'
    b'"visibility":"ALL","createdTime":1621869388454,"createdTimeString":"1621869388454",'
    b'"sequenceNumber":216,"sequenceNumberString":"216"}}'
)
POST = (
    b'{"ChatPostMessage":{"engagementId":27,"engagementIdString":"27","clientId":47,"clientIdString":"47",'
    b'"senderId":47,"senderIdString":"47","senderType":"END_USER","destinationId":27,"destinationIdString":"27",'
    b'"destinationType":"ENGAGEMENT","messageType":"TEXT","visibility":"ALL","body":"Where is my order?",'
    b'"richText":false,"offTheRecord":false,"messageId":"m-1","vaResponse":"{\\"intent\\":\\"order\\"}",'
    b'"createdTime":1621869389000,"createdTimeString":"1621869389000","sequenceNumber":217,"sequenceNumberString":"217"}}'
)
ENVELOPE = (
    b'"chatSystemError":null,"clientSendTime":1621869388000,"serviceStartTime":1653492901569,'
    b'"serviceFinishTime":1653492901701,"sessionId":"node01hyuckn70y6nm1g2hco4hrwlqq0","clientId":12,'
    b'"clientIdString":"12","sequenceNumber":1,"sequenceNumberString":"1","containsDisconnect":false'
)


def batch(*elements: bytes) -> bytes:
    return b'{"getResponseTypes":[' + b",".join(elements) + b"]," + ENVELOPE + b"}"


def test_the_documented_activity_signal_and_a_post_decode_field_by_field() -> None:
    response = poll(batch(ACTIVITY, POST))
    assert response.messages == (
        cp.ChatActivitySignal(
            engagement_id=27,
            engagement_id_string="27",
            client_id=47,
            client_id_string="47",
            mode=cp.InteractionMode.RESPONDING,
            sneak_preview_state=cp.SneakPreviewState.ENABLED,
            sneak_preview_interval=3000,
            sneak_preview="Where is my ord",
            sneak_preview_focus=True,
            destination_id=27,
            destination_id_string="27",
            destination_type=cp.DestinationType.ENGAGEMENT,
            sender_id=47,
            sender_id_string="47",
            sender_type=cp.DestinationType.END_USER,
            message_type=cp.ChatMessageType.ACTIVITY_SIGNAL,
            visibility=cp.Visibility.ALL,
            created_time=1621869388454,
            created_time_string="1621869388454",
            sequence_number=216,
            sequence_number_string="216",
        ),
        cp.ChatPostMessage(
            engagement_id=27,
            engagement_id_string="27",
            client_id=47,
            client_id_string="47",
            sender_id=47,
            sender_id_string="47",
            sender_type=cp.DestinationType.END_USER,
            destination_id=27,
            destination_id_string="27",
            destination_type=cp.DestinationType.ENGAGEMENT,
            message_type=cp.ChatMessageType.TEXT,
            visibility=cp.Visibility.ALL,
            body="Where is my order?",
            rich_text=False,
            off_the_record=False,
            message_id="m-1",
            va_response='{"intent":"order"}',
            created_time=1621869389000,
            created_time_string="1621869389000",
            sequence_number=217,
            sequence_number_string="217",
        ),
    )
    # The enumerations come as their members, not as text.
    signal = response.messages[0]
    assert type(signal.mode) is cp.InteractionMode
    assert type(signal.sender_type) is cp.DestinationType
    # The envelope beside the messages.
    assert (response.sequence_number, response.client_id, response.session_id) == (
        1,
        12,
        "node01hyuckn70y6nm1g2hco4hrwlqq0",
    )
    assert (response.service_start_time, response.service_finish_time, response.client_send_time) == (
        1653492901569,
        1653492901701,
        1621869388000,
    )
    assert response.contains_disconnect is False
    assert response.chat_system_error is None


TYPE_CASES = [
    (b'{"ChatGetTimeout":{}}', cp.ChatGetTimeout()),
    # Its fields are undocumented: whatever it carries is ignored [I].
    (b'{"ChatGetTimeout":{"sequenceNumber":3,"x":[1,{"y":null}]}}', cp.ChatGetTimeout()),
    (
        b'{"ChatConfigChangeNotification":{"name":"CHAT_CLUSTER_POOL_ID","value":"298:2","sequenceNumber":218,'
        b'"sequenceNumberString":"218"}}',
        cp.ChatConfigChangeNotification(
            name=cp.ConfigChangeName.CHAT_CLUSTER_POOL_ID,
            value="298:2",
            sequence_number=218,
            sequence_number_string="218",
        ),
    ),
    (
        b'{"ChatEngagementParticipantAdded":{"engagementId":27,"clientId":48,"clientIdString":"48","name":"Ann",'
        b'"greeting":"Hello, I am Ann.","role":"CONFEREE","virtualAgent":false,"accountId":5,"accountIdString":"5",'
        b'"createdTime":1621869390000,"sequenceNumber":219}}',
        cp.ChatEngagementParticipantAdded(
            engagement_id=27,
            client_id=48,
            client_id_string="48",
            name="Ann",
            greeting="Hello, I am Ann.",
            role=cp.ParticipantRole.CONFEREE,
            virtual_agent=False,
            account_id=5,
            account_id_string="5",
            created_time=1621869390000,
            sequence_number=219,
        ),
    ),
    (
        b'{"ChatDisconnectNotification":{"engagementId":27,"clientId":47,"reason":"END_USER_CONCLUDED",'
        b'"createdTime":1621869391000,"sequenceNumber":220}}',
        cp.ChatDisconnectNotification(
            engagement_id=27,
            client_id=47,
            reason=cp.DisconnectReason.END_USER_CONCLUDED,
            created_time=1621869391000,
            sequence_number=220,
        ),
    ),
    (
        b'{"ChatEngagementUpdateNotification":{"engagementId":27,"clientId":47,"connectionState":"ABSENT",'
        b'"secondsToDisconnect":60,"sequenceNumber":221}}',
        cp.ChatEngagementUpdateNotification(
            engagement_id=27,
            client_id=47,
            connection_state=cp.EngagementConnectionState.ABSENT,
            seconds_to_disconnect=60,
            sequence_number=221,
        ),
    ),
    (
        b'{"ChatRoleChangeNotification":{"engagementId":27,"leadClientId":48,"leadClientIdString":"48",'
        b'"sequenceNumber":222}}',
        cp.ChatRoleChangeNotification(
            engagement_id=27, lead_client_id=48, lead_client_id_string="48", sequence_number=222
        ),
    ),
    (
        b'{"ChatSystemError":{"errorCondition":"ENGAGEMENT_NOT_FOUND","text":"no engagement 27","type":"ERROR"}}',
        cp.ChatSystemError(error_condition="ENGAGEMENT_NOT_FOUND", text="no engagement 27", type="ERROR"),
    ),
    (
        b'{"ChatEngagementAssignmentNotification":{"engagementId":27,"engagementIdString":"27",'
        b'"assignmentType":"LEAD","queueId":3,"queueIdString":"3","firstName":"Jo","lastName":"Doe",'
        b'"email":"jo@example.com","question":"Where is my order?","sequenceNumber":223}}',
        cp.ChatEngagementAssignmentNotification(
            engagement_id=27,
            engagement_id_string="27",
            assignment_type=cp.AssignmentType.LEAD,
            queue_id=3,
            queue_id_string="3",
            first_name="Jo",
            last_name="Doe",
            email="jo@example.com",
            question="Where is my order?",
            sequence_number=223,
        ),
    ),
]


@pytest.mark.parametrize(
    ("element", "message"),
    TYPE_CASES,
    ids=lambda value: value.split(b'"')[1].decode() if isinstance(value, bytes) else "",
)
def test_each_message_type_decodes(element: bytes, message: object) -> None:
    assert poll(batch(element)).messages == (message,)
    assert type(poll(batch(element)).messages[0]) is type(message)


def test_every_table_type_is_decoded_by_a_test_here() -> None:
    named = {element.split(b'"')[1].decode() for element, _ in TYPE_CASES}
    assert named | {"ChatActivitySignal", "ChatPostMessage"} == set(cp.MESSAGE_TYPES)


# --- numbers: ...String twins, and numbers sent as text --------------------------------------


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        # Only the twins came: each number is read from its twin.
        (
            {
                "engagementIdString": "27",
                "clientIdString": "47",
                "destinationIdString": "-27",
                "senderIdString": "9223372036854775807",
                "sequenceNumberString": "216",
                "createdTimeString": "1621869388454",
            },
            {
                "engagement_id": 27,
                "client_id": 47,
                "destination_id": -27,
                "sender_id": 2**63 - 1,
                "sequence_number": 216,
                "created_time": 1621869388454,
            },
        ),
        # The number wins over a twin that disagrees.
        ({"sequenceNumber": 216, "sequenceNumberString": "217"}, {"sequence_number": 216}),
        # A twin that spells no int64 leaves the number unset, the text kept.
        ({"sequenceNumberString": "9223372036854775808"}, {"sequence_number": None}),
        ({"sequenceNumberString": "--5"}, {"sequence_number": None}),
        ({"sequenceNumberString": ""}, {"sequence_number": None}),
        ({"engagementIdString": "\u0665"}, {"engagement_id": None}),  # a non-ASCII digit
        # Numbers sent as numeric text are accepted (decoded tolerantly).
        ({"sequenceNumber": "216", "engagementId": "27"}, {"sequence_number": 216, "engagement_id": 27}),
    ],
)
def test_numbers_and_their_twins(fields: dict[str, object], expected: dict[str, object]) -> None:
    (message,) = messages({"ChatPostMessage": fields})
    assert type(message) is cp.ChatPostMessage
    for name, value in expected.items():
        assert getattr(message, name) == value, name
    for name, value in fields.items():
        if name.endswith("String"):
            snake = "".join("_" + c.lower() if c.isupper() else c for c in name)
            assert getattr(message, snake) == value  # the twin is kept as sent


@pytest.mark.parametrize(
    ("kind", "twin", "attribute"),
    [
        ("ChatEngagementParticipantAdded", "accountIdString", "account_id"),
        ("ChatRoleChangeNotification", "leadClientIdString", "lead_client_id"),
        ("ChatEngagementAssignmentNotification", "queueIdString", "queue_id"),
        ("ChatActivitySignal", "senderIdString", "sender_id"),
        ("ChatActivitySignal", "destinationIdString", "destination_id"),
        ("ChatDisconnectNotification", "clientIdString", "client_id"),
    ],
)
def test_each_types_own_twins_fill_its_numbers(kind: str, twin: str, attribute: str) -> None:
    (message,) = messages({kind: {twin: "4611686018427387904"}})
    assert type(message) is cp.MESSAGE_TYPES[kind]
    assert getattr(message, attribute) == 2**62


def test_a_twin_fills_the_number_when_the_struct_is_built_by_hand_too() -> None:
    assert cp.ChatPostMessage(sequence_number_string="5").sequence_number == 5
    assert cp.ChatPostMessage(created_time_string="2024-01-01T00:00:00Z").created_time == "2024-01-01T00:00:00Z"


# --- times: epoch milliseconds or date text ------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "created_time"),
    [
        ({"createdTime": 1621869388454}, 1621869388454),
        ({"createdTime": "2021-05-24T15:16:28.454Z"}, "2021-05-24T15:16:28.454Z"),
        ({"createdTime": "2021-05-24T17:16:28+02:00"}, "2021-05-24T17:16:28+02:00"),
        ({"createdTimeString": "1621869388454"}, 1621869388454),
        # A date in the twin only is kept as the date text.
        ({"createdTimeString": "2021-05-24T15:16:28Z"}, "2021-05-24T15:16:28Z"),
        ({"createdTimeString": ""}, None),
        ({"createdTime": 1621869388454, "createdTimeString": "2021-05-24T15:16:28Z"}, 1621869388454),
    ],
)
def test_times_are_epoch_milliseconds_or_date_text(fields: dict[str, object], created_time: object) -> None:
    (message,) = messages({"ChatDisconnectNotification": fields})
    assert type(message) is cp.ChatDisconnectNotification
    assert message.created_time == created_time


def test_envelope_times_may_be_dates_and_its_numbers_twins() -> None:
    body = body_of(
        {"ChatGetTimeout": {}},
        serviceStartTime="2022-05-25T15:35:01+02:00",
        sequenceNumberString="1",
        clientIdString="12",
    )
    response = poll(body)
    assert (response.service_start_time, response.sequence_number, response.client_id) == (
        "2022-05-25T15:35:01+02:00",
        1,
        12,
    )


# --- unknown types, unlisted values, malformed messages ------------------------------------------


def test_an_unknown_type_becomes_an_unknown_message_and_the_batch_goes_on() -> None:
    queue = {"position": 2, "expectedWaitSeconds": 40, "averageWaitSeconds": 35, "sequenceNumber": 224}
    decoded = messages({"ChatQueuePositionNotification": queue}, {"ChatGetTimeout": {}})
    assert decoded == (cp.UnknownMessage("ChatQueuePositionNotification", queue), cp.ChatGetTimeout())
    assert decoded[0].sequence_number == 224


@pytest.mark.parametrize(
    ("fields", "number"),
    [
        ({"sequenceNumber": 7}, 7),
        ({"sequenceNumberString": "8"}, 8),
        ({"sequenceNumber": 7, "sequenceNumberString": "8"}, 7),
        ({"sequenceNumber": True, "sequenceNumberString": "x"}, None),  # a bool is not a number
        ({"sequenceNumber": "7"}, None),
        ({"sequenceNumberString": 8}, None),
        ({}, None),
    ],
)
def test_an_unknown_messages_sequence_number(fields: dict[str, object], number: int | None) -> None:
    (message,) = messages({"ChatVaPassthroughMessage": fields})
    assert message == cp.UnknownMessage("ChatVaPassthroughMessage", fields)
    assert message.sequence_number == number


@pytest.mark.parametrize(
    ("kind", "fields", "attribute", "value"),
    [
        ("ChatActivitySignal", {"mode": "SLEEPING"}, "mode", "SLEEPING"),
        ("ChatActivitySignal", {"sneakPreviewState": "PAUSED"}, "sneak_preview_state", "PAUSED"),
        ("ChatPostMessage", {"messageType": "RICH_MEDIA"}, "message_type", "RICH_MEDIA"),
        ("ChatPostMessage", {"senderType": "VIRTUAL_AGENT"}, "sender_type", "VIRTUAL_AGENT"),
        ("ChatConfigChangeNotification", {"name": "CHAT_MAX_SESSIONS", "value": "3"}, "name", "CHAT_MAX_SESSIONS"),
        ("ChatDisconnectNotification", {"reason": "NETWORK"}, "reason", "NETWORK"),
        ("ChatEngagementParticipantAdded", {"role": "OBSERVER"}, "role", "OBSERVER"),
        ("ChatEngagementUpdateNotification", {"connectionState": "AWAY"}, "connection_state", "AWAY"),
        ("ChatEngagementAssignmentNotification", {"assignmentType": "SHADOW"}, "assignment_type", "SHADOW"),
    ],
)
def test_a_value_the_spec_does_not_list_is_kept_as_text(
    kind: str, fields: dict[str, object], attribute: str, value: str
) -> None:
    listed = {"sequenceNumber": 5, "visibility": "ALL"} if kind in ("ChatActivitySignal", "ChatPostMessage") else {}
    (message,) = messages({kind: {**fields, **listed, "sequenceNumber": 5}})
    assert type(message) is cp.MESSAGE_TYPES[kind]
    assert getattr(message, attribute) == value
    assert type(getattr(message, attribute)) is str
    assert message.sequence_number == 5
    if listed:
        assert type(message.visibility) is cp.Visibility  # the listed values stay members


@pytest.mark.parametrize(
    ("element", "expected"),
    [
        (
            {"ChatActivitySignal": {"engagementId": "x", "sequenceNumber": 9}},
            cp.MalformedMessage(
                "ChatActivitySignal",
                {"engagementId": "x", "sequenceNumber": 9},
                "Expected `int | null`, got `str` - at `$.engagementId`",
            ),
        ),
        (
            {"ChatPostMessage": {"body": ["Hi"]}},
            cp.MalformedMessage(
                "ChatPostMessage", {"body": ["Hi"]}, "Expected `str | null`, got `array` - at `$.body`"
            ),
        ),
        (
            {"ChatPostMessage": {"createdTime": 1.5}},
            cp.MalformedMessage(
                "ChatPostMessage", {"createdTime": 1.5}, "Expected `int | str | null`, got `float` - at `$.createdTime`"
            ),
        ),
        (
            {"ChatPostMessage": {"sequenceNumber": 2**63}},
            cp.MalformedMessage(
                "ChatPostMessage",
                {"sequenceNumber": 2**63},
                "Expected `int` <= 9223372036854775807 - at `$.sequenceNumber`",
            ),
        ),
        (
            {"ChatActivitySignal": {"sneakPreviewInterval": 2**31}},
            cp.MalformedMessage(
                "ChatActivitySignal",
                {"sneakPreviewInterval": 2**31},
                "Expected `int` <= 2147483647 - at `$.sneakPreviewInterval`",
            ),
        ),
        # An unlisted value does not hide a wrong type beside it.
        (
            {"ChatActivitySignal": {"mode": "SLEEPING", "engagementId": []}},
            cp.MalformedMessage(
                "ChatActivitySignal",
                {"mode": "SLEEPING", "engagementId": []},
                "Expected `int | null`, got `array` - at `$.engagementId`",
            ),
        ),
        ({"ChatPostMessage": None}, cp.MalformedMessage("ChatPostMessage", None, "Expected `object`, got `null`")),
        ({"ChatGetTimeout": [1]}, cp.MalformedMessage("ChatGetTimeout", [1], "Expected `object`, got `array`")),
        ({"ChatCoBrowseInvite": "x"}, cp.MalformedMessage("ChatCoBrowseInvite", "x", "Expected `object`, got `str`")),
        (None, cp.MalformedMessage(None, None, "Expected `object`, got `null`")),
        (3, cp.MalformedMessage(None, 3, "Expected `object`, got `int`")),
        (["ChatGetTimeout"], cp.MalformedMessage(None, ["ChatGetTimeout"], "Expected `object`, got `array`")),
    ],
)
def test_an_element_that_does_not_fit_is_malformed_and_the_batch_goes_on(
    element: object, expected: cp.MalformedMessage
) -> None:
    decoded = messages({"ChatGetTimeout": {}}, element, {"ChatPostMessage": {"body": "Hi", "sequenceNumber": 10}})
    assert decoded == (cp.ChatGetTimeout(), expected, cp.ChatPostMessage(body="Hi", sequence_number=10))


@pytest.mark.parametrize(
    ("fields", "number"),
    [
        ({"engagementId": "x", "sequenceNumber": 9}, 9),
        ({"engagementId": "x", "sequenceNumberString": "9"}, 9),
        ({"engagementId": "x"}, None),
        (None, None),
        ([1], None),
    ],
)
def test_a_malformed_messages_sequence_number(fields: object, number: int | None) -> None:
    (message,) = messages({"ChatActivitySignal": fields})
    assert type(message) is cp.MalformedMessage
    assert message.sequence_number == number


# --- the lists and their elements -----------------------------------------------------------------


def test_both_list_names_are_read_get_response_types_first() -> None:
    body = (
        b'{"systemMessages":[{"ChatPostMessage":{"body":"second","sequenceNumber":2}}],'
        b'"getResponseTypes":[{"ChatPostMessage":{"body":"first","sequenceNumber":1}}],"sequenceNumber":1}'
    )
    assert poll(body).messages == (
        cp.ChatPostMessage(body="first", sequence_number=1),
        cp.ChatPostMessage(body="second", sequence_number=2),
    )


@pytest.mark.parametrize(
    "body",
    [
        b'{"systemMessages":[{"ChatGetTimeout":{}}]}',
        b'{"systemMessages":[{"ChatGetTimeout":{}}],"getResponseTypes":null}',
        b'{"systemMessages":[{"ChatGetTimeout":{}}],"getResponseTypes":[]}',
        b'{"getResponseTypes":[{"ChatGetTimeout":{}}],"systemMessages":null}',
    ],
)
def test_the_consumer_apis_list_name_is_accepted(body: bytes) -> None:
    assert poll(body).messages == (cp.ChatGetTimeout(),)


@pytest.mark.parametrize(
    "body",
    [b"", b"{}", b'{"getResponseTypes":null}', b'{"getResponseTypes":[]}', b'{"getResponseTypes":[{}]}'],
)
def test_no_messages(body: bytes) -> None:
    assert poll(body).messages == ()


def test_an_element_with_several_keys_gives_one_message_per_key_in_the_tables_order() -> None:
    element = {"ChatPostMessage": {"body": "Hi"}, "ChatZ": {}, "ChatGetTimeout": {}}
    assert messages(element) == (cp.ChatGetTimeout(), cp.ChatPostMessage(body="Hi"), cp.UnknownMessage("ChatZ", {}))
    known_only = {"ChatPostMessage": {"body": "Hi"}, "ChatGetTimeout": {}}
    assert messages(known_only) == (cp.ChatGetTimeout(), cp.ChatPostMessage(body="Hi"))


def test_a_repeated_key_keeps_the_last_as_json_decoders_do() -> None:
    element = b'{"ChatPostMessage":{"body":"a"},"ChatPostMessage":{"body":"b"}}'
    assert poll(b'{"getResponseTypes":[' + element + b"]}").messages == (cp.ChatPostMessage(body="b"),)
    with_unknown = b'{"getResponseTypes":[' + element + b',{"U":{}}]}'
    assert poll(with_unknown).messages == (cp.ChatPostMessage(body="b"), cp.UnknownMessage("U", {}))


def test_a_config_change_names_the_new_pool() -> None:
    (move, other) = messages(
        {"ChatConfigChangeNotification": {"name": "CHAT_CLUSTER_POOL_ID", "value": "298:2"}},
        {"ChatConfigChangeNotification": {"name": "CHAT_MAX_SESSIONS", "value": "3"}},
    )
    assert move.pool == "298:2"
    assert other.pool is None
    assert cp.ChatConfigChangeNotification(value="1:1").pool is None


def test_unknown_fields_are_ignored_at_every_level() -> None:
    decoded = poll(
        b'{"newEnvelopeField":{"a":[1,{"b":null}]},"getResponseTypes":[{"ChatPostMessage":'
        b'{"body":"Hi","newField":[{"x":1}],"chatMessageType":{"value":"TEXT"}}}],"responseSentMilliseconds":1}'
    )
    assert decoded.messages == (cp.ChatPostMessage(body="Hi"),)


@pytest.mark.parametrize(
    ("body", "wrong"),
    [
        (b'{"getResponseTypes":{}}', "$.getResponseTypes"),
        (b'{"systemMessages":{}}', "$.systemMessages"),
        (b'{"getResponseTypes":[],"sequenceNumber":"x"}', "$.sequenceNumber"),
        (b'{"getResponseTypes":[{"U":{}}],"containsDisconnect":[]}', "$.containsDisconnect"),
        (b'{"getResponseTypes":[{"ChatGetTimeout":{}}],"sessionId":5}', "$.sessionId"),
        (b'[{"ChatGetTimeout":{}}]', "Expected `object`"),
        (b'{"getResponseTypes":[{"ChatGetTimeout":{}}]', "truncated"),
        (b'{"getResponseTypes":[{"ChatGetTimeout":{}}]} x', "trailing"),
    ],
)
def test_an_envelope_that_does_not_fit_fails_the_answer_naming_what(body: bytes, wrong: str) -> None:
    from .helpers import poll_error, raised

    assert poll_error(body) == ("raised", cp.RemoteProtocolError)
    error = raised(body)
    assert type(error) is cp.RemoteProtocolError
    assert "getMessages" in str(error)
    assert wrong in str(error)


def test_a_chat_system_error_in_the_envelope_is_an_error_answer() -> None:
    from tests.drivers import client_outcome
    from tests.reference import http_response

    body = body_of({"ChatGetTimeout": {}}, chatSystemError={"errorCondition": "SESSION_EXPIRED", "text": "expired"})
    record = client_outcome(http_response(200, body), request=cp.GetMessagesRequest())
    (event, state) = record
    assert isinstance(event, cp.ErrorReceived)
    assert event.system_error == cp.ChatSystemError(error_condition="SESSION_EXPIRED", text="expired")
    assert state is cp.ConnectionState.MUST_CLOSE
