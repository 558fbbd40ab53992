"""The error mapping: which transport error a failure becomes, on which side of the first byte written."""

from __future__ import annotations

import chatproto as cp
import transports
from transports._outcomes import connect_error, deadline_passed, outcome_unknown
from transports._url import parse_url

ENDPOINT = parse_url("https://chat.example.com")
REQUEST = cp.PostMessageRequest(
    body="Hi", destination_id=27, destination_type=cp.DestinationType.ENGAGEMENT, sequence_number=7
)


def test_an_os_timeout_before_anything_was_written_is_a_connect_timeout() -> None:
    error = connect_error(ENDPOINT, TimeoutError(110, "Connection timed out"))

    assert type(error) is transports.ConnectTimeout
    assert "https://chat.example.com" in str(error)
    assert "Connection timed out" in str(error)


def test_a_refusal_is_a_connect_error_that_is_no_timeout() -> None:
    error = connect_error(ENDPOINT, ConnectionRefusedError(111, "Connection refused"))

    assert type(error) is transports.ConnectError
    assert (
        str(error)
        == "cannot connect to https://chat.example.com: ConnectionRefusedError: [Errno 111] Connection refused"
    )


def test_an_os_timeout_after_the_request_was_written_is_an_outcome_unknown_timeout() -> None:
    error = outcome_unknown(REQUEST, TimeoutError(110, "Connection timed out"))

    assert type(error) is transports.OutcomeUnknownTimeout
    assert error.request is REQUEST
    assert str(error).startswith("PostMessageRequest #7: timed out waiting for the response")


def test_a_reset_after_the_request_was_written_is_outcome_unknown() -> None:
    error = outcome_unknown(REQUEST, ConnectionResetError(104, "Connection reset by peer"))

    assert type(error) is transports.OutcomeUnknownError
    assert "may have been acted on" in str(error)


def test_a_protocol_violation_keeps_the_cores_status_hint() -> None:
    cause = cp.PeerClosedEarly("the server closed the connection before answering")

    error = outcome_unknown(REQUEST, cause)

    assert type(error) is transports.OutcomeUnknownProtocolError
    assert error.error_status_hint == cause.error_status_hint  # type: ignore[attr-defined]


def test_a_deadline_is_a_connect_timeout_until_a_request_is_out() -> None:
    before = deadline_passed(ENDPOINT, None)
    after = deadline_passed(ENDPOINT, REQUEST)

    assert type(before) is transports.ConnectTimeout
    assert before.request is None
    assert type(after) is transports.OutcomeUnknownTimeout
    assert after.request is REQUEST


def test_an_error_without_a_request_names_a_request() -> None:
    assert str(outcome_unknown(None, ConnectionResetError())).startswith("request: the connection failed")
