"""What the type checker infers for the events, the requests and the session.

mypy checks this file (``[tool.mypy] files``) in strict mode, where an
unneeded ``# type: ignore`` is itself an error: each one below says that
mypy must refuse the line, and each ``assert_type`` what it must infer.
pytest runs the same lines, so they also hold at run time.
"""

from __future__ import annotations

from typing import assert_type

import chatproto as cp

POST = cp.PostMessageRequest("Hi", 27, cp.DestinationType.ENGAGEMENT, sequence_number=1)


def test_a_parametrized_event_types_its_request_and_response() -> None:
    event = cp.ResponseReceived[cp.PostMessageResponse](POST, cp.PostMessageResponse())
    assert_type(event.request, cp.Request[cp.PostMessageResponse])
    assert_type(event.response, cp.PostMessageResponse)
    assert_type(event.response.chat_post_result, cp.ChatPostResult | None)
    error = cp.ErrorReceived[cp.PostMessageResponse](POST, 409, "CONFLICT", None)
    assert_type(error.request, cp.Request[cp.PostMessageResponse])
    assert error.request is POST


def test_the_constructor_infers_the_parameter() -> None:
    event = cp.ResponseReceived(POST, cp.PostMessageResponse())
    assert_type(event, cp.ResponseReceived[cp.PostMessageResponse])
    logoff = cp.LogoffRequest(force_logoff=True)
    error = cp.ErrorReceived(logoff, 403, "ACCESS_DENIED", None)
    assert_type(error, cp.ErrorReceived[cp.LogoffResponse])


def test_a_bare_event_or_request_means_any_operation() -> None:
    def response_of(event: cp.ResponseReceived) -> cp.AgentResponse:
        # The parameter defaults to AgentResponse: the envelope is typed even here.
        assert_type(event.response.sequence_number, int | None)
        return event.response

    assert response_of(cp.ResponseReceived(POST, cp.PostMessageResponse(sequence_number=1))).sequence_number == 1
    # Covariant: a request of one operation is a request of some operation.
    requests: list[cp.Request] = [POST, cp.GetMessagesRequest(), cp.RerouteAvailabilityRequest(42)]
    assert len(requests) == 3
    typed: cp.Request[cp.AgentResponse] = cp.LogoffRequest(force_logoff=False)
    assert isinstance(typed, cp.Request)


def test_a_request_of_one_operation_is_not_one_of_another() -> None:
    wrong: cp.Request[cp.LogoffResponse] = POST  # type: ignore[assignment]
    event = cp.ResponseReceived(POST, cp.PostMessageResponse())
    mixed: cp.ResponseReceived[cp.GetMessagesResponse] = event  # type: ignore[assignment]
    del wrong, mixed


def test_next_event_is_the_union_and_answer_to_types_it() -> None:
    session = cp.AgentSession(host="h", site="s", agent_id="12", session_id="s1")
    conn = cp.ClientConnection(session)
    conn.send(POST)
    conn.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
    event = conn.next_event()
    assert_type(event, cp.ClientEvent | cp.NeedData)
    assert_type(
        event,
        cp.ResponseReceived[cp.AgentResponse] | cp.ErrorReceived[cp.AgentResponse] | cp.ConnectionClosed | cp.NeedData,
    )
    assert event is not cp.NEED_DATA
    answer = cp.answer_to(POST, event)
    assert_type(
        answer,
        cp.ResponseReceived[cp.PostMessageResponse] | cp.ErrorReceived[cp.PostMessageResponse] | cp.ConnectionClosed,
    )
    assert isinstance(answer, cp.ResponseReceived)
    assert_type(answer.response, cp.PostMessageResponse)
    assert type(answer.response) is cp.PostMessageResponse


def test_the_table_and_the_session() -> None:
    operation = cp.OPERATIONS["postMessage"]
    assert_type(operation.request_type, type[cp.Request[cp.AgentResponse]])
    assert_type(operation.response_type, type[cp.AgentResponse])
    session = cp.AgentSession(host="h", site="s", agent_id="12", pool="297:1")
    assert_type(session.identity, cp.SessionIdentity)
    assert_type(session.identity.pool, str | None)
    assert session.identity.pool == "297:1"


def test_what_the_session_follows_is_typed() -> None:
    session = cp.AgentSession(host="h", site="s", agent_id="12", session_id="s1", last_message_sequence_number=3)
    assert_type(session.ended, bool)
    assert_type(session.polling, bool)
    assert_type(session.last_message_sequence_number, int)
    conn = cp.ClientConnection(session)
    conn.send(POST)
    conn.receive_data(b'HTTP/1.1 200 OK\r\nContent-Length: 38\r\n\r\n{"chatPostResult":{"clientReset":"2"}}')
    event = conn.next_event()
    assert event is not cp.NEED_DATA
    answer = cp.answer_to(POST, event)
    assert isinstance(answer, cp.ResponseReceived)
    assert_type(answer.poll_needed, bool)
    assert answer.poll_needed
    assert_type(conn.abandon(), None)
    assert (session.ended, session.polling, session.last_message_sequence_number) == (False, False, 3)


def test_an_acknowledgement_event_types_its_participants() -> None:
    request = cp.AssignmentAcknowledgementRequest(
        cp.AssignmentAction.ACCEPT, cp.AssignmentActionType.AUTO, cp.AssignmentType.LEAD, 42, sequence_number=1
    )
    info = cp.ChatClientInfo(client_id=47, name="Bot", role="LEAD")
    result = cp.ChatAssignmentAcknowledgementResult(client_list=(info,))
    event = cp.ResponseReceived(
        request, cp.AssignmentAcknowledgementResponse(chat_assignment_acknowledgement_result=result)
    )
    assert_type(event, cp.ResponseReceived[cp.AssignmentAcknowledgementResponse])
    assert_type(event.response.chat_assignment_acknowledgement_result, cp.ChatAssignmentAcknowledgementResult | None)
    assert_type(info.role, str | None)
    assert not event.poll_needed  # only a post's answer says so
