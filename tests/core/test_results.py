"""The operations' answers, typed where the spec names their members and kept as sent where it does not.

Each answer is fed whole, byte by byte, in strides, at random points and
with trailing bytes (`client_outcome_with_trailing`); a bad member is the
server's error, named by its JSON path.
"""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

import chatproto as cp
from tests.reference import bearer_session

from .helpers import SESSION_ID, client_outcome, client_outcome_with_trailing, http_response

ACKNOWLEDGE = cp.AssignmentAcknowledgementRequest(
    cp.AssignmentAction.ACCEPT, cp.AssignmentActionType.AUTO, cp.AssignmentType.LEAD, 42
)
SIGNAL = cp.ActivitySignalChangeRequest(47, 42, cp.InteractionMode.RESPONDING)


def sent_by(request: cp.Request) -> Any:
    def make() -> cp.ClientConnection:
        conn = cp.ClientConnection(bearer_session())
        conn.send(request)
        return conn

    return make


def response_to(request: cp.Request, body: bytes) -> Any:
    """The response ``body`` answers ``request`` with, the same however it is fed."""
    record = client_outcome_with_trailing(http_response(200, body), make=sent_by(request))
    event = record[0]
    assert isinstance(event, cp.ResponseReceived), record
    operation = next(op for op in cp.OPERATIONS.values() if op.request_type is type(request))
    assert type(event.response) is operation.response_type
    return event.response


# An assignment acknowledgement as the spec names it: the result, its clientList of ChatClientInfo
# (numbers with their string twins), and the envelope.
ACKNOWLEDGED = (
    b'{"chatAssignmentAcknowledgementResult": {"clientList": ['
    b'{"clientId": 47, "clientIdString": "47", "name": "Bot", "role": "LEAD",'
    b' "accountId": 12, "accountIdString": "12"},'
    b'{"clientIdString": "9007199254740993", "name": "Ada", "role": "CONFEREE", "virtualAgent": false}'
    b"]}, "
    b'"chatSystemError": null, "sessionId": "' + SESSION_ID.encode() + b'", "clientId": 47, "clientIdString": "47", '
    b'"sequenceNumber": 1, "sequenceNumberString": "1"}'
)


def test_the_assignment_acknowledgement_lists_the_participants() -> None:
    response = response_to(ACKNOWLEDGE, ACKNOWLEDGED)
    assert type(response) is cp.AssignmentAcknowledgementResponse
    result = response.chat_assignment_acknowledgement_result
    assert result == cp.ChatAssignmentAcknowledgementResult(
        client_list=(
            cp.ChatClientInfo(
                client_id=47, client_id_string="47", name="Bot", role="LEAD", account_id=12, account_id_string="12"
            ),
            # The number from its twin, beyond a double's precision; unknown members ignored.
            cp.ChatClientInfo(
                client_id=9007199254740993, client_id_string="9007199254740993", name="Ada", role="CONFEREE"
            ),
        )
    )
    assert result.client_list[0].role == cp.AssignmentType.LEAD  # the text compares equal to the enum member
    assert result.client_list[1].account_id is None


@pytest.mark.parametrize(
    ("body", "result"),
    [
        (b"{}", None),
        (b'{"chatAssignmentAcknowledgementResult": null}', None),
        (b'{"chatAssignmentAcknowledgementResult": {}}', cp.ChatAssignmentAcknowledgementResult()),
        (
            b'{"chatAssignmentAcknowledgementResult": {"clientList": []}}',
            cp.ChatAssignmentAcknowledgementResult(client_list=()),
        ),
        (
            b'{"chatAssignmentAcknowledgementResult": {"clientList": [{}], "more": 1}}',
            cp.ChatAssignmentAcknowledgementResult(client_list=(cp.ChatClientInfo(),)),
        ),
        (  # numbers as numeric strings; a twin that spells no number leaves it None
            b'{"chatAssignmentAcknowledgementResult": {"clientList": [{"clientId": "5", "accountIdString": "x"}]}}',
            cp.ChatAssignmentAcknowledgementResult(
                client_list=(cp.ChatClientInfo(client_id=5, account_id_string="x"),)
            ),
        ),
    ],
)
def test_an_acknowledgement_result_may_be_partial(body: bytes, result: object) -> None:
    assert response_to(ACKNOWLEDGE, body).chat_assignment_acknowledgement_result == result


@pytest.mark.parametrize(
    ("body", "path"),
    [
        (
            b'{"chatAssignmentAcknowledgementResult": {"clientList": 5}}',
            "$.chatAssignmentAcknowledgementResult.clientList",
        ),
        (
            b'{"chatAssignmentAcknowledgementResult": {"clientList": [{"name": 5}]}}',
            "$.chatAssignmentAcknowledgementResult.clientList[0].name",
        ),
        (
            b'{"chatAssignmentAcknowledgementResult": {"clientList": [{"clientId": 9223372036854775808}]}}',
            "$.chatAssignmentAcknowledgementResult.clientList[0].clientId",
        ),
        (b'{"chatAssignmentAcknowledgementResult": []}', "$.chatAssignmentAcknowledgementResult"),
    ],
)
def test_a_bad_member_is_the_servers_error_naming_its_path(body: bytes, path: str) -> None:
    record = client_outcome(http_response(200, body), make=sent_by(ACKNOWLEDGE))
    assert record == [("raised", cp.RemoteProtocolError), cp.ConnectionState.ERROR]
    conn = sent_by(ACKNOWLEDGE)()
    conn.receive_data(http_response(200, body))
    with pytest.raises(cp.RemoteProtocolError) as caught:
        conn.next_event()
    assert str(caught.value).startswith("malformed assignmentAcknowledgement response body: ")
    assert str(caught.value).endswith(f"- at `{path}`")


@pytest.mark.parametrize(
    ("body", "result"),
    [
        (
            b'{"chatActivitySignalChangeResult": {"sneakPreviewState": "ENABLED", "sneakPreviewInterval": 3000}}',
            cp.ChatActivitySignalChangeResult("ENABLED", 3000),
        ),
        (  # a value the spec does not list is kept as sent; a numeric string is a number
            b'{"chatActivitySignalChangeResult": {"sneakPreviewState": "PAUSED", "sneakPreviewInterval": "250"}}',
            cp.ChatActivitySignalChangeResult("PAUSED", 250),
        ),
        (b'{"chatActivitySignalChangeResult": {}}', cp.ChatActivitySignalChangeResult()),
        (b"{}", None),
    ],
)
def test_the_interaction_status_answer_carries_the_sneak_preview_settings(body: bytes, result: object) -> None:
    response = response_to(SIGNAL, body)
    assert type(response) is cp.ActivitySignalChangeResponse
    assert response.chat_activity_signal_change_result == result


def test_a_sneak_preview_state_compares_equal_to_its_enum_member() -> None:
    result = cp.ChatActivitySignalChangeResult("SITE_UNAVAILABLE")
    assert result.sneak_preview_state == cp.SneakPreviewState.SITE_UNAVAILABLE


@pytest.mark.parametrize(
    ("request_", "body", "attribute", "kept"),
    [
        (
            cp.CreateAgentSessionRequest(),
            b'{"chatLogonResult": {"code": 0, "statuses": [1]}, "sessionId": "s2"}',
            "chat_logon_result",
            {"code": 0, "statuses": [1]},
        ),
        (
            cp.RequestAssignmentRequest(True, 1, 3),
            b'{"chatRequestAssignmentResult": {"queued": true}}',
            "chat_request_assignment_result",
            {"queued": True},
        ),
        (
            cp.ConcludeEngagementRequest(42),
            b'{"chatConcludeEngagementResult": {}}',
            "chat_conclude_engagement_result",
            {},
        ),
        (
            cp.ReleaseEngagementRequest(42),
            b'{"chatReleaseEngagementResult": {"x": null}}',
            "chat_release_engagement_result",
            {"x": None},
        ),
        (cp.LogoffRequest(force_logoff=True), b'{"chatLogoffResult": [1, "two"]}', "chat_logoff_result", [1, "two"]),
        (
            cp.ActivityStatusChangeRequest(cp.AgentStatus.AVAILABLE, 21),
            b'{"chatActivityStatusChangeResult": {"subTypeId": 21}}',
            "chat_activity_status_change_result",
            {"subTypeId": 21},
        ),
        (
            cp.ModifyPropertiesRequest(42),
            b'{"propertiesResultMap": {"QUESTION": {"success": true}}}',
            "properties_result_map",
            {"QUESTION": {"success": True}},
        ),
        (
            cp.RetrieveAgentsAndQueuesRequest(1, True, False, False),
            b'{"agents": [{"agentId": 12, "mediaList": [{"environmentErrorList": []}]}]}',
            "agents",
            [{"agentId": 12, "mediaList": [{"environmentErrorList": []}]}],
        ),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, cp.Request) else None,
)
def test_a_result_whose_members_no_page_names_is_kept_as_the_server_sent_it(
    request_: cp.Request, body: bytes, attribute: str, kept: object
) -> None:
    assert getattr(response_to(request_, body), attribute) == kept


def test_the_server_role_encodes_the_typed_results_as_the_client_decodes_them() -> None:
    response = cp.AssignmentAcknowledgementResponse(
        chat_assignment_acknowledgement_result=cp.ChatAssignmentAcknowledgementResult(
            client_list=(cp.ChatClientInfo(client_id=47, client_id_string="47", name="Bot", role="LEAD"),)
        ),
        sequence_number=1,
    )
    server = cp.ServerConnection()
    conn = cp.ClientConnection(bearer_session())
    server.receive_data(conn.send(ACKNOWLEDGE))
    assert isinstance(server.next_event(), cp.RequestReceived)
    answered = server.send_response(200, response)
    assert answered.endswith(
        b'{"chatAssignmentAcknowledgementResult":{"clientList":[{"clientId":47,"clientIdString":"47","name":"Bot",'
        b'"role":"LEAD","accountId":null,"accountIdString":null}]},"chatSystemError":null,"clientSendTime":null,'
        b'"serviceStartTime":null,"serviceFinishTime":null,"sessionId":null,"clientId":null,"clientIdString":null,'
        b'"sequenceNumber":1,"sequenceNumberString":null}'
    )
    conn.receive_data(answered)
    event = conn.next_event()
    assert isinstance(event, cp.ResponseReceived)
    assert event.response == response


def test_a_client_info_built_with_only_the_twins_has_the_numbers() -> None:
    info = cp.ChatClientInfo(client_id_string="47", account_id_string="12")
    assert (info.client_id, info.account_id) == (47, 12)
    assert msgspec.json.decode(b'{"clientId": 1, "clientIdString": "2"}', type=cp.ChatClientInfo).client_id == 1
