"""The server role's encoding of a getMessages answer: each message as the single-key wrapper, exact bytes."""

from __future__ import annotations

import pytest

import chatproto as cp
from tests.reference import bearer_session

GOLDEN_RESPONSE = cp.GetMessagesResponse(
    messages=(
        cp.ChatActivitySignal(
            engagement_id=27,
            engagement_id_string="27",
            mode=cp.InteractionMode.RESPONDING,
            sneak_preview="Where",
            sequence_number=216,
            sequence_number_string="216",
        ),
        cp.ChatPostMessage(body="Where is my order?", message_type=cp.ChatMessageType.TEXT, sequence_number=217),
        cp.ChatConfigChangeNotification(name=cp.ConfigChangeName.CHAT_CLUSTER_POOL_ID, value="298:2"),
        cp.ChatSystemError(error_condition="X", text="t"),
        cp.ChatGetTimeout(),
        cp.UnknownMessage("ChatQueuePositionNotification", {"position": 2}),
        cp.MalformedMessage("ChatPostMessage", {"body": 5}, "Expected `str | null`, got `int` - at `$.body`"),
        cp.MalformedMessage(None, 3, "Expected `object`, got `int`"),
    ),
    contains_disconnect=False,
    session_id="node01",
    sequence_number=1,
    sequence_number_string="1",
)
GOLDEN_BODY = (
    b'{"getResponseTypes":['
    b'{"ChatActivitySignal":{"engagementId":27,"engagementIdString":"27","sequenceNumber":216,'
    b'"sequenceNumberString":"216","mode":"RESPONDING","sneakPreview":"Where"}},'
    b'{"ChatPostMessage":{"sequenceNumber":217,"messageType":"TEXT","body":"Where is my order?"}},'
    b'{"ChatConfigChangeNotification":{"name":"CHAT_CLUSTER_POOL_ID","value":"298:2"}},'
    b'{"ChatSystemError":{"errorCondition":"X","text":"t","type":null}},'
    b'{"ChatGetTimeout":{}},'
    b'{"ChatQueuePositionNotification":{"position":2}},'
    b'{"ChatPostMessage":{"body":5}},'
    b"3],"
    b'"containsDisconnect":false,"chatSystemError":null,"clientSendTime":null,"serviceStartTime":null,'
    b'"serviceFinishTime":null,"sessionId":"node01","clientId":null,"clientIdString":null,'
    b'"sequenceNumber":1,"sequenceNumberString":"1"}'
)


def polled_server() -> tuple[cp.ClientConnection, cp.ServerConnection]:
    client = cp.ClientConnection(bearer_session())
    server = cp.ServerConnection()
    server.receive_data(client.send(cp.GetMessagesRequest()))
    event = server.next_event()
    assert isinstance(event, cp.RequestReceived)
    assert event.operation.name == "getMessages"
    return client, server


def test_the_server_writes_each_message_in_its_single_key_wrapper_exact_bytes() -> None:
    _, server = polled_server()
    assert server.send_response(200, GOLDEN_RESPONSE) == (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: %d\r\n\r\n%s"
        % (len(GOLDEN_BODY), GOLDEN_BODY)
    )


def test_the_client_reads_back_what_the_server_wrote() -> None:
    client, server = polled_server()
    client.receive_data(server.send_response(200, GOLDEN_RESPONSE))
    event = client.next_event()
    assert isinstance(event, cp.ResponseReceived)
    assert event.response == GOLDEN_RESPONSE


def test_encode_messages_is_the_list_alone() -> None:
    start = GOLDEN_BODY.index(b"[")
    end = GOLDEN_BODY.index(b'],"containsDisconnect"') + 1
    assert cp.encode_messages(GOLDEN_RESPONSE.messages) == GOLDEN_BODY[start:end]
    assert cp.encode_messages([]) == b"[]"
    assert cp.encode_messages(iter([cp.ChatGetTimeout()])) == b'[{"ChatGetTimeout":{}}]'


def test_an_empty_answer_is_an_empty_list() -> None:
    _, server = polled_server()
    data = server.send_response(200, cp.GetMessagesResponse())
    assert data.endswith(
        b'\r\n\r\n{"getResponseTypes":[],"containsDisconnect":null,"chatSystemError":null,'
        b'"clientSendTime":null,"serviceStartTime":null,"serviceFinishTime":null,"sessionId":null,'
        b'"clientId":null,"clientIdString":null,"sequenceNumber":null,"sequenceNumberString":null}'
    )


class NotAMessage:
    pass


@pytest.mark.parametrize("stranger", [3, "ChatGetTimeout", {"ChatGetTimeout": {}}, NotAMessage(), cp.ChatPostResult()])
def test_something_that_is_not_a_message_is_refused_by_name(stranger: object) -> None:
    with pytest.raises(cp.LocalProtocolError, match=f"{type(stranger).__name__} is not a getMessages message"):
        cp.encode_messages([cp.ChatGetTimeout(), stranger])  # type: ignore[list-item]
    _, server = polled_server()
    with pytest.raises(cp.LocalProtocolError, match="is not a getMessages message"):
        server.send_response(200, cp.GetMessagesResponse(messages=(stranger,)))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "message",
    [
        cp.UnknownMessage("ChatX", {"a": object()}),
        cp.MalformedMessage("ChatX", {1j: 1}, "e"),
        cp.ChatPostMessage(body="\ud800"),
    ],
)
def test_a_value_json_cannot_carry_is_refused(message: cp.Message) -> None:
    with pytest.raises(cp.LocalProtocolError, match="cannot be encoded"):
        cp.encode_messages([message])
    _, server = polled_server()
    with pytest.raises(cp.LocalProtocolError, match="cannot be encoded"):
        server.send_response(200, cp.GetMessagesResponse(messages=(message,)))
