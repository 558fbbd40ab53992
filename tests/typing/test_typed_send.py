"""A typed ``send(request: Request[R]) -> R`` over the core, with no cast.

mypy checks this file (``[tool.mypy] files``): each ``assert_type`` says
what the checker must infer, and fails ``make typecheck`` if it infers
anything else.  pytest runs it too, so the same calls are exercised for
real, against the server role in memory, and the run-time type is checked
beside the static one.
"""

from __future__ import annotations

from typing import Any, TypeVar, assert_type

import chatproto as cp

R = TypeVar("R", bound=cp.AgentResponse)


def send(request: cp.Request[R]) -> R:
    """What a transport's ``send`` does, minus the I/O: bytes out, bytes in, the typed response."""
    session = cp.AgentSession(host="chat.example.com", site="site", agent_id="12", session_id="s1", token="t0")
    client = cp.ClientConnection(session)
    server = cp.ServerConnection()
    server.receive_data(client.send(request))
    received = server.next_event()
    assert isinstance(received, cp.RequestReceived)
    # Every envelope carries the session id; createAutomatedAgentSession's answer must.
    client.receive_data(server.send_response(200, received.operation.response_type(session_id="s2")))
    event = client.next_event()
    assert event is not cp.NEED_DATA
    answer = cp.answer_to(request, event)
    assert_type(answer, cp.ResponseReceived[R] | cp.ErrorReceived[R] | cp.ConnectionClosed)
    if isinstance(answer, cp.ErrorReceived):
        raise cp.ApiError.from_event(answer)
    assert isinstance(answer, cp.ResponseReceived)
    return answer.response


def test_post_message() -> None:
    response = send(cp.PostMessageRequest("Hi", 27, cp.DestinationType.ENGAGEMENT))
    assert_type(response, cp.PostMessageResponse)
    assert type(response) is cp.PostMessageResponse
    assert_type(response.chat_post_result, cp.ChatPostResult | None)


def test_create_automated_agent_session() -> None:
    response = send(cp.CreateAgentSessionRequest(logon_override=True))
    assert_type(response, cp.CreateAgentSessionResponse)
    assert type(response) is cp.CreateAgentSessionResponse
    # No page names the members of chatLogonResult: it is the JSON the server sent.
    assert_type(response.chat_logon_result, dict[str, Any] | None)
    assert_type(response.session_id, str | None)


def test_get_messages() -> None:
    response = send(cp.GetMessagesRequest())
    assert_type(response, cp.GetMessagesResponse)
    assert type(response) is cp.GetMessagesResponse


def test_assignment_acknowledgement() -> None:
    response = send(
        cp.AssignmentAcknowledgementRequest(
            cp.AssignmentAction.ACCEPT, cp.AssignmentActionType.AUTO, cp.AssignmentType.LEAD, 42
        )
    )
    assert_type(response, cp.AssignmentAcknowledgementResponse)
    assert type(response) is cp.AssignmentAcknowledgementResponse
    result = response.chat_assignment_acknowledgement_result
    assert_type(result, cp.ChatAssignmentAcknowledgementResult | None)
    assert result is None  # the server here sends none
    participants = cp.ChatAssignmentAcknowledgementResult(client_list=(cp.ChatClientInfo(client_id_string="47"),))
    assert_type(participants.client_list, tuple[cp.ChatClientInfo, ...] | None)
    assert participants.client_list is not None
    assert_type(participants.client_list[0].client_id, int | None)
    assert participants.client_list[0].client_id == 47


def test_request_assignment() -> None:
    response = send(cp.RequestAssignmentRequest(True, 1, 3))
    assert_type(response, cp.RequestAssignmentResponse)
    assert type(response) is cp.RequestAssignmentResponse


def test_conclude_chat() -> None:
    response = send(cp.ConcludeEngagementRequest(42))
    assert_type(response, cp.ConcludeEngagementResponse)
    assert type(response) is cp.ConcludeEngagementResponse


def test_release_chat() -> None:
    response = send(cp.ReleaseEngagementRequest(42))
    assert_type(response, cp.ReleaseEngagementResponse)
    assert type(response) is cp.ReleaseEngagementResponse


def test_reroute_engagement() -> None:
    response = send(cp.RerouteEngagementRequest(42))
    assert_type(response, cp.RerouteEngagementResponse)
    assert type(response) is cp.RerouteEngagementResponse


def test_reroute_availability() -> None:
    response = send(cp.RerouteAvailabilityRequest(42))
    assert_type(response, cp.RerouteAvailabilityResponse)
    assert type(response) is cp.RerouteAvailabilityResponse


def test_logoff() -> None:
    response = send(cp.LogoffRequest(force_logoff=True))
    assert_type(response, cp.LogoffResponse)
    assert type(response) is cp.LogoffResponse
    assert_type(response.chat_logoff_result, Any)


def test_set_activity_status() -> None:
    response = send(cp.ActivityStatusChangeRequest(cp.AgentStatus.AVAILABLE, 0))
    assert_type(response, cp.ActivityStatusChangeResponse)
    assert type(response) is cp.ActivityStatusChangeResponse


def test_set_interaction_status() -> None:
    response = send(cp.ActivitySignalChangeRequest(47, 42, cp.InteractionMode.RESPONDING))
    assert_type(response, cp.ActivitySignalChangeResponse)
    assert type(response) is cp.ActivitySignalChangeResponse
    assert_type(response.chat_activity_signal_change_result, cp.ChatActivitySignalChangeResult | None)


def test_set_engagement_property() -> None:
    response = send(cp.SetEngagementPropertyRequest(42, cp.EngagementPropertyName.QUESTION, value="?"))
    assert_type(response, cp.SetEngagementPropertyResponse)
    assert type(response) is cp.SetEngagementPropertyResponse


def test_modify_properties() -> None:
    response = send(cp.ModifyPropertiesRequest(42, properties_map={"FIRST_NAME": "Ada"}))
    assert_type(response, cp.ModifyPropertiesResponse)
    assert type(response) is cp.ModifyPropertiesResponse


def test_retrieve_agents_and_queues() -> None:
    response = send(cp.RetrieveAgentsAndQueuesRequest(1, True, True, False))
    assert_type(response, cp.RetrieveAgentsAndQueuesResponse)
    assert type(response) is cp.RetrieveAgentsAndQueuesResponse


def test_every_operation_is_covered_above() -> None:
    """One test per row, named after it: a new row needs its own ``assert_type`` here."""
    tests = {name.removeprefix("test_") for name in globals() if name.startswith("test_")}
    snake = {"".join(f"_{c.lower()}" if c.isupper() else c for c in name) for name in cp.OPERATIONS}
    assert tests - {"every_operation_is_covered_above"} == snake
