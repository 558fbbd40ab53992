"""The public events and exceptions: shapes, the error tree, and `ApiError.from_event`."""

from __future__ import annotations

import typing

import pytest

import chatproto as cp

from .helpers import http_response, sent_client, simple_request

SENT = simple_request(sequence_number=1)


def received(status: int, body: bytes) -> cp.ErrorReceived:
    conn = sent_client()
    conn.receive_data(http_response(status, body))
    event = conn.next_event()
    assert isinstance(event, cp.ErrorReceived)
    return event


def test_need_data_is_an_enum_member_that_narrows_with_is() -> None:
    assert cp.NEED_DATA is cp.NeedData.NEED_DATA
    assert repr(cp.NEED_DATA) == "NEED_DATA"
    assert list(cp.NeedData) == [cp.NEED_DATA]


def test_the_error_tree() -> None:
    assert issubclass(cp.LocalProtocolError, cp.ProtocolError)
    assert issubclass(cp.RemoteProtocolError, cp.ProtocolError)
    for remote in (cp.LimitExceeded, cp.PeerClosedEarly, cp.SequenceMismatch):
        assert issubclass(remote, cp.RemoteProtocolError)
    assert not issubclass(cp.LocalProtocolError, cp.RemoteProtocolError)
    assert issubclass(cp.ProtocolError, Exception)
    assert cp.ProtocolError("x").error_status_hint == 400
    error = cp.LimitExceeded("max_body_bytes", 10, 11, error_status_hint=413)
    assert (error.limit_name, error.limit, error.observed, error.error_status_hint) == ("max_body_bytes", 10, 11, 413)
    assert str(error) == "max_body_bytes exceeded: 11 > 10"
    mismatch = cp.SequenceMismatch(5, 6)
    assert (mismatch.expected, mismatch.got) == (5, 6)
    assert str(mismatch) == "response sequenceNumber 6 does not match the request's 5"


def test_events_are_frozen_and_compare_by_value() -> None:
    event = cp.ErrorReceived(SENT, 500, "C", "m")
    assert event == cp.ErrorReceived(SENT, 500, "C", "m", None)
    assert event != cp.ErrorReceived(SENT, 500, "C", "other")
    with pytest.raises(AttributeError):
        event.status = 200  # type: ignore[misc]
    assert cp.ConnectionClosed() == cp.ConnectionClosed()


def test_api_error_from_an_error_event() -> None:
    event = received(400, b'{"exceptionCode": "INVALID_FIELD", "message": "bad destinationId"}')
    error = cp.ApiError.from_event(event)
    assert type(error) is cp.ApiError
    assert (error.status, error.code, error.message, error.system_error, error.request) == (
        400,
        "INVALID_FIELD",
        "bad destinationId",
        None,
        SENT,
    )
    assert str(error) == "400 INVALID_FIELD: bad destinationId"


def test_a_403_is_a_session_expired_error() -> None:
    error = cp.ApiError.from_event(
        received(403, b'{"exceptionCode": "ACCESS_DENIED", "message": "Authentication failure."}')
    )
    assert type(error) is cp.SessionExpiredError
    assert isinstance(error, cp.ApiError)
    assert error.code == "ACCESS_DENIED"


def test_a_conflict_is_a_conflict_error_whatever_carried_it() -> None:
    error = cp.ApiError.from_event(received(409, b'{"exceptionCode": "CONFLICT", "message": "left"}'))
    assert type(error) is cp.ConflictError
    system = received(200, b'{"chatSystemError": {"errorCondition": "CONFLICT", "text": "left"}}')
    error = cp.ApiError.from_event(system)
    assert type(error) is cp.ConflictError
    assert error.status == 200
    assert error.system_error == cp.ChatSystemError("CONFLICT", "left")


def test_an_error_without_code_or_message_still_reads() -> None:
    error = cp.ApiError.from_event(received(502, b"<html>bad gateway</html>"))
    assert (error.status, error.code, error.message) == (502, None, None)
    assert str(error) == "502 no exception code: no message"


def test_api_error_can_be_built_directly() -> None:
    error = cp.ApiError(500, "UNKNOWN_EXCEPTION", None)
    assert (error.system_error, error.request) == (None, None)
    assert str(error) == "500 UNKNOWN_EXCEPTION: no message"
    with pytest.raises(cp.ApiError):
        raise error


# --- typed by the request they answer ----------------------------------------


def answered_with(request_type: type) -> object:
    """The response type a request model names as its base's parameter (``Request[...]``)."""
    for cls in request_type.__mro__:
        for base in getattr(cls, "__orig_bases__", ()):
            if typing.get_origin(base) is cp.Request:
                return typing.get_args(base)[0]
    raise AssertionError(f"{request_type.__name__} names no response type")


@pytest.mark.parametrize("operation", list(cp.OPERATIONS.values()), ids=list(cp.OPERATIONS))
def test_every_request_model_names_its_rows_response_model(operation: cp.Operation) -> None:
    assert answered_with(operation.request_type) is operation.response_type
    assert issubclass(operation.response_type, cp.AgentResponse)


def test_the_events_take_a_response_type_parameter_at_run_time_too() -> None:
    typed = cp.ResponseReceived[cp.PostMessageResponse]
    assert typing.get_origin(typed) is cp.ResponseReceived
    event = typed(SENT, cp.PostMessageResponse())
    assert type(event) is cp.ResponseReceived
    assert event == cp.ResponseReceived(SENT, cp.PostMessageResponse())
    assert typing.get_origin(cp.ErrorReceived[cp.PostMessageResponse]) is cp.ErrorReceived


def test_answer_to_returns_the_event_itself() -> None:
    conn = sent_client()
    conn.receive_data(http_response(200, b'{"sequenceNumber": 1}'))
    event = conn.next_event()
    assert isinstance(event, cp.ResponseReceived)
    assert cp.answer_to(simple_request(), event) is event
    error = received(500, b"{}")
    assert cp.answer_to(simple_request(), error) is error
    assert cp.answer_to(cp.GetMessagesRequest(), cp.ConnectionClosed()) == cp.ConnectionClosed()


def test_answer_to_refuses_an_event_of_another_request_type() -> None:
    with pytest.raises(cp.LocalProtocolError, match="answers a PostMessageRequest, not a GetMessagesRequest"):
        cp.answer_to(cp.GetMessagesRequest(), cp.ResponseReceived(SENT, cp.PostMessageResponse()))
    with pytest.raises(cp.LocalProtocolError, match="answers a PostMessageRequest, not a LogoffRequest"):
        cp.answer_to(cp.LogoffRequest(force_logoff=True), cp.ErrorReceived(SENT, 500, None, None))


@pytest.mark.parametrize("event", [cp.NEED_DATA, None, SENT], ids=["NEED_DATA", "None", "a request"])
def test_answer_to_refuses_what_is_not_a_client_event(event: object) -> None:
    with pytest.raises(cp.LocalProtocolError, match="is not an event of a ClientConnection"):
        cp.answer_to(SENT, event)  # type: ignore[arg-type]
