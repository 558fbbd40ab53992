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
    assert str(error) == (
        "cannot connect to https://chat.example.com: the connection was refused; nothing of the request was sent,"
        " so it is safe to send again (ConnectionRefusedError: [Errno 111] Connection refused)"
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


def test_each_failure_is_said_in_plain_words() -> None:
    import socket
    import ssl

    said = {
        "the connection was refused": ConnectionRefusedError(111, "Connection refused"),
        "the server reset the connection": ConnectionResetError(104, "Connection reset by peer"),
        "the connection was aborted": ConnectionAbortedError(),
        "the host name could not be resolved": socket.gaierror(-2, "Name or service not known"),
        "TLS certificate verification failed": ssl.SSLCertVerificationError(1, "CERTIFICATE_VERIFY_FAILED"),
        "the TLS handshake failed": ssl.SSLError(1, "WRONG_VERSION_NUMBER"),
        "the connection failed": OSError(99, "odd"),
    }
    for words, exc in said.items():
        assert f": {words}; nothing of the request was sent" in str(connect_error(ENDPOINT, exc)), words
    for words, exc in {
        "the server closed the connection before the answer was complete": cp.PeerClosedEarly("x"),
        "the answer was over a limit": cp.LimitExceeded("max_body_bytes", 1, 2),
        "the server's answer broke the protocol": cp.RemoteProtocolError("x"),
        "the server reset the connection": BrokenPipeError(),
    }.items():
        text = str(outcome_unknown(REQUEST, exc))
        assert f"after the request was written ({words}), so it may have been acted on: " in text, text


def test_a_cause_inside_an_exception_group_is_found() -> None:
    # trio's connect: "all attempts to connect ... failed", the refusals in a group as its cause.
    refused = ConnectionRefusedError(111, "Connection refused")
    wrapper = OSError("all attempts to connect to 127.0.0.1:1 failed")
    wrapper.__cause__ = ExceptionGroup("attempts", [refused])
    error = connect_error(ENDPOINT, wrapper)
    assert ": the connection was refused; nothing of the request was sent" in str(error)
