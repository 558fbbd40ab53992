"""Every status and body a server may answer with, and the event or error each gives.

Each case runs through `client_outcome`, so each is fed whole and byte by byte.
"""

from __future__ import annotations

import pytest

import chatproto as cp

from .helpers import client_outcome, client_outcome_with_trailing, http_response, make_session, simple_request

SENT = simple_request(sequence_number=1)  # what `sent_client()` sends on a fresh session


def ok(response: cp.PostMessageResponse) -> list[object]:
    return [cp.ResponseReceived(SENT, response), cp.ConnectionState.IDLE]


def error(
    status: int, code: str | None, message: str | None, system_error: cp.ChatSystemError | None = None
) -> list[object]:
    # An error answer ends the connection's use: its state at the server is unknown.
    return [cp.ErrorReceived(SENT, status, code, message, system_error), cp.ConnectionState.MUST_CLOSE]


REMOTE_ERROR = [("raised", cp.RemoteProtocolError), cp.ConnectionState.ERROR]


# --- 200 -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "response"),
    [
        (b"{}", cp.PostMessageResponse()),
        (b"", cp.PostMessageResponse()),  # an empty 200 body counts as {}
        (b'{"sequenceNumber": 1}', cp.PostMessageResponse(sequence_number=1)),
        (b'{"sequenceNumber": "1"}', cp.PostMessageResponse(sequence_number=1)),  # numeric string
        (b'{"chatPostResult": {"clientReset": 3}}', cp.PostMessageResponse(chat_post_result=cp.ChatPostResult(3))),
        (b'{"chatPostResult": {"clientReset": "0"}}', cp.PostMessageResponse(chat_post_result=cp.ChatPostResult(0))),
        (b'{"chatPostResult": {}}', cp.PostMessageResponse(chat_post_result=cp.ChatPostResult())),
        # Unknown fields are ignored, at the top and nested, whatever they hold.
        (
            b'{"newField": {"a": [1, {"b": null}]}, "chatPostResult": {"x": 1}}',
            cp.PostMessageResponse(chat_post_result=cp.ChatPostResult()),
        ),
        # Nulls are accepted everywhere.
        (
            b'{"chatPostResult": null, "chatSystemError": null, "clientSendTime": null, "serviceStartTime": null,'
            b' "serviceFinishTime": null, "sessionId": null, "clientId": null, "clientIdString": null,'
            b' "sequenceNumber": null, "sequenceNumberString": null}',
            cp.PostMessageResponse(),
        ),
        # A chatSystemError that reports nothing is not an error.
        (b'{"chatSystemError": {}}', cp.PostMessageResponse(chat_system_error=cp.ChatSystemError())),
        (
            b'{"chatSystemError": {"errorCondition": null, "text": null, "type": null}}',
            cp.PostMessageResponse(chat_system_error=cp.ChatSystemError()),
        ),
        # Times: epoch milliseconds, or the date strings the descriptions mention, kept as sent.
        (b'{"clientSendTime": 1564598688444}', cp.PostMessageResponse(client_send_time=1564598688444)),
        (
            b'{"serviceStartTime": "2022-05-25T15:35:01+02:00"}',
            cp.PostMessageResponse(service_start_time="2022-05-25T15:35:01+02:00"),
        ),
        # String twins fill the numbers when only they came; a twin that spells no int64 is kept as text.
        (b'{"sequenceNumberString": "1"}', cp.PostMessageResponse(sequence_number=1, sequence_number_string="1")),
        (b'{"sequenceNumberString": " 1 "}', cp.PostMessageResponse(sequence_number=1, sequence_number_string=" 1 ")),
        (b'{"clientIdString": "-47"}', cp.PostMessageResponse(client_id=-47, client_id_string="-47")),
        (b'{"sequenceNumberString": "--5"}', cp.PostMessageResponse(sequence_number_string="--5")),
        (b'{"sequenceNumberString": "abc"}', cp.PostMessageResponse(sequence_number_string="abc")),
        (b'{"sequenceNumberString": ""}', cp.PostMessageResponse(sequence_number_string="")),
        (b'{"clientIdString": "9223372036854775808"}', cp.PostMessageResponse(client_id_string="9223372036854775808")),
        (b'{"clientIdString": "\\u0665"}', cp.PostMessageResponse(client_id_string="\u0665")),  # a non-ASCII digit
        (b'{"clientIdString": "1_000"}', cp.PostMessageResponse(client_id_string="1_000")),
        # The number wins over its twin when both came.
        (b'{"clientId": 47, "clientIdString": "48"}', cp.PostMessageResponse(client_id=47, client_id_string="48")),
    ],
)
def test_a_200_that_decodes_is_a_response_event(body: bytes, response: cp.PostMessageResponse) -> None:
    assert client_outcome_with_trailing(http_response(200, body)) == ok(response)


def test_a_string_twin_of_thousands_of_digits_is_kept_as_text() -> None:
    digits = "1" * 5000  # int() refuses more than 4300 digits: this must not raise
    body = b'{"sequenceNumberString": "%s"}' % digits.encode()
    assert client_outcome(http_response(200, body)) == ok(cp.PostMessageResponse(sequence_number_string=digits))


@pytest.mark.parametrize(
    ("body", "path"),
    [
        (b"not json", None),
        (b"[]", None),  # msgspec names no path for the root
        (b"null", None),
        (b'"text"', None),
        (b'{"chatPostResult": {"clientReset": "x"}}', "$.chatPostResult.clientReset"),
        (b'{"chatPostResult": {"clientReset": 2147483648}}', "$.chatPostResult.clientReset"),
        (b'{"chatPostResult": []}', "$.chatPostResult"),
        (b'{"clientId": 9223372036854775808}', "$.clientId"),
        (b'{"clientId": -9223372036854775809}', "$.clientId"),
        (b'{"sequenceNumber": 1.5}', "$.sequenceNumber"),
        (b'{"clientSendTime": 1.5}', "$.clientSendTime"),
        (b'{"sessionId": 5}', "$.sessionId"),
        (b'{"chatSystemError": {"text": 5}}', "$.chatSystemError.text"),
        (b'{"sessionId": "\xff\xfe"}', None),  # invalid UTF-8 inside a string
        (b'{"sessionId": "abc', None),  # truncated
        (b"{}garbage", None),
    ],
)
def test_a_200_that_does_not_decode_is_a_remote_protocol_error(body: bytes, path: str | None) -> None:
    assert client_outcome(http_response(200, body)) == REMOTE_ERROR
    conn = _sent()
    conn.receive_data(http_response(200, body))
    with pytest.raises(cp.RemoteProtocolError) as info:
        conn.next_event()
    assert type(info.value) is cp.RemoteProtocolError
    assert "postMessage" in str(info.value)
    if path is not None:
        assert f"`{path}`" in str(info.value)


def _sent() -> cp.ClientConnection:
    conn = cp.ClientConnection(make_session())
    conn.send(simple_request())
    return conn


@pytest.mark.parametrize(
    ("body", "code", "message", "system_error"),
    [
        (
            b'{"chatSystemError": {"errorCondition": "UNDEFINED_CONDITION", "text": "null result", "type": "ERROR"}}',
            "UNDEFINED_CONDITION",
            "null result",
            cp.ChatSystemError("UNDEFINED_CONDITION", "null result", "ERROR"),
        ),
        (b'{"chatSystemError": {"text": "only text"}}', None, "only text", cp.ChatSystemError(text="only text")),
        (b'{"chatSystemError": {"type": "ERROR"}}', None, None, cp.ChatSystemError(type="ERROR")),
        # Reported even when the rest of the body would not match the request.
        (
            b'{"chatSystemError": {"errorCondition": "X"}, "sequenceNumber": 99}',
            "X",
            None,
            cp.ChatSystemError(error_condition="X"),
        ),
    ],
)
def test_a_200_carrying_a_chat_system_error_is_an_error_event(
    body: bytes, code: str | None, message: str | None, system_error: cp.ChatSystemError
) -> None:
    assert client_outcome_with_trailing(http_response(200, body)) == error(200, code, message, system_error)


# --- other statuses --------------------------------------------------------


@pytest.mark.parametrize("status", [400, 403, 404, 405, 409, 413, 500, 503])
@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (
            b'{"exceptionCode": "INVALID_FIELD", "message": "destinationId is invalid"}',
            "INVALID_FIELD",
            "destinationId is invalid",
        ),
        (b'{"exceptionCode": "UNKNOWN_EXCEPTION", "detail": "boom"}', "UNKNOWN_EXCEPTION", "boom"),
        (b'{"exceptionCode": "A", "message": "from message", "detail": "from detail"}', "A", "from message"),
        (b'{"exceptionCode": "A", "message": "", "detail": "from detail"}', "A", "from detail"),
        (b'{"message": "no code"}', None, "no code"),
        (b'{"exceptionCode": 123, "message": ["not", "text"]}', None, None),
        (b'{"exceptionCode": "", "message": ""}', None, None),
        (b"<html>Internal error</html>", None, None),
        (b"", None, None),
        (b"[]", None, None),
        (b'["ACCESS_DENIED"]', None, None),
        (b"null", None, None),
        (b'"ACCESS_DENIED"', None, None),
        (b'{"exceptionCode": "\xff"}', None, None),  # invalid UTF-8
        (b'{"exceptionCode": "A"', None, None),  # truncated
        (b"[" * 65 + b"]" * 65, None, None),  # deeper than max_json_depth
        (b'{"unknown": ' + b"[" * 64 + b"]" * 64 + b', "exceptionCode": "DEEP"}', None, None),
        (b'{"x": "' + b"[" * 200 + b'", "exceptionCode": "BRACKETS_IN_TEXT"}', "BRACKETS_IN_TEXT", None),
    ],
)
def test_an_error_status_is_an_error_event_read_best_effort(
    status: int, body: bytes, code: str | None, message: str | None
) -> None:
    assert client_outcome_with_trailing(http_response(status, body, reason=b"Whatever")) == error(status, code, message)


@pytest.mark.parametrize(
    ("body", "code", "message", "system_error"),
    [
        (
            b'{"chatSystemError": {"errorCondition": "CONFLICT", "text": "left", "type": "E"}}',
            "CONFLICT",
            "left",
            cp.ChatSystemError("CONFLICT", "left", "E"),
        ),
        # exceptionCode and message win over the system error's.
        (
            b'{"exceptionCode": "A", "message": "m", "chatSystemError": {"errorCondition": "B", "text": "t"}}',
            "A",
            "m",
            cp.ChatSystemError("B", "t"),
        ),
        (b'{"chatSystemError": {"errorCondition": null}}', None, None, None),
        (b'{"chatSystemError": "CONFLICT"}', None, None, None),
        (b'{"chatSystemError": {"errorCondition": 5}}', None, None, None),
    ],
)
def test_an_error_status_reads_a_chat_system_error_too(
    body: bytes, code: str | None, message: str | None, system_error: cp.ChatSystemError | None
) -> None:
    assert client_outcome(http_response(500, body)) == error(500, code, message, system_error)


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_an_error_event_and_is_not_followed(status: int) -> None:
    data = http_response(status, b"", headers=[(b"Location", b"https://elsewhere.example.com/")], reason=b"Moved")
    assert client_outcome_with_trailing(data) == error(status, None, None)


def test_a_204_has_no_body_and_is_an_error_event() -> None:
    data = b"HTTP/1.1 204 No Content\r\n\r\n"
    assert client_outcome_with_trailing(data) == error(204, None, None)


def test_informational_responses_before_the_answer_are_passed_over() -> None:
    data = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\nX-A: b\r\n\r\n" + http_response(200, b"{}")
    assert client_outcome_with_trailing(data) == ok(cp.PostMessageResponse())


def test_a_switching_protocols_response_nobody_asked_for_is_a_remote_protocol_error() -> None:
    data = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n"
    assert client_outcome(data) == REMOTE_ERROR


# --- 403 and the session ---------------------------------------------------


def test_a_403_expires_the_session_and_the_next_send_is_refused() -> None:
    session = make_session()
    conn = cp.ClientConnection(session)
    other = cp.ClientConnection(session)  # a second connection of the same session
    conn.send(simple_request())
    conn.receive_data(http_response(403, b'{"exceptionCode": "ACCESS_DENIED", "message": "Authentication failure."}'))
    event = conn.next_event()
    assert isinstance(event, cp.ErrorReceived)
    assert (event.status, event.code) == (403, "ACCESS_DENIED")
    assert session.expired
    assert conn.state is cp.ConnectionState.MUST_CLOSE  # an error answer ends the connection's use
    with pytest.raises(cp.LocalProtocolError, match="cannot carry another request"):
        conn.send(simple_request())
    with pytest.raises(cp.LocalProtocolError, match="expired"):
        other.send(simple_request())
    assert session.last_sequence_number == 1  # the refused sends used no number
    assert other.state is cp.ConnectionState.IDLE

    session.renew("node02newsession")
    assert not session.expired
    data = other.send(simple_request())
    assert b"\r\nX-JSESSIONID: node02newsession\r\n" in data
    assert b'"sequenceNumber":2' in data  # the numbering continues


@pytest.mark.parametrize("status", [400, 401, 404, 409, 500])
def test_other_errors_leave_the_session_live(status: int) -> None:
    session = make_session()
    conn = cp.ClientConnection(session)
    conn.send(simple_request())
    conn.receive_data(http_response(status, b"{}"))
    assert isinstance(conn.next_event(), cp.ErrorReceived)
    assert not session.expired
    assert not conn.can_reuse  # the connection is done, the session is not
    cp.ClientConnection(session).send(simple_request())


# --- sequence numbers in responses -----------------------------------------


@pytest.mark.parametrize(
    ("body", "got"),
    [
        (b'{"sequenceNumber": 2}', 2),
        (b'{"sequenceNumber": 0}', 0),
        (b'{"sequenceNumber": "7"}', 7),
        (b'{"sequenceNumberString": "6"}', 6),
        (b'{"sequenceNumber": -1, "sequenceNumberString": "1"}', -1),
    ],
)
def test_a_mismatched_sequence_number_is_a_sequence_mismatch(body: bytes, got: int) -> None:
    record = client_outcome(http_response(200, body))
    assert record == [("raised", cp.SequenceMismatch, 1, got), cp.ConnectionState.ERROR]
    conn = _sent()
    conn.receive_data(http_response(200, body))
    with pytest.raises(cp.SequenceMismatch) as info:
        conn.next_event()
    assert isinstance(info.value, cp.RemoteProtocolError)
    assert (info.value.expected, info.value.got) == (1, got)
    # Errors are sticky: every later call raises too.
    with pytest.raises(cp.RemoteProtocolError, match="already failed"):
        conn.next_event()
    with pytest.raises(cp.LocalProtocolError):
        conn.send(simple_request())


def test_the_matching_sequence_number_is_accepted() -> None:
    for body in (
        b'{"sequenceNumber": 1}',
        b'{"sequenceNumberString": "1"}',
        b'{"sequenceNumber": 1, "sequenceNumberString": "9"}',
    ):
        record = client_outcome(http_response(200, body))
        assert isinstance(record[0], cp.ResponseReceived)
        assert record[0].response.sequence_number == 1


def test_a_response_event_carries_the_request_as_sent() -> None:
    conn = cp.ClientConnection(make_session(last_sequence_number=41))
    conn.send(simple_request(message_id="m-1"))
    conn.receive_data(http_response(200, b'{"sequenceNumber": 42}'))
    event = conn.next_event()
    assert isinstance(event, cp.ResponseReceived)
    assert event.request == simple_request(message_id="m-1", sequence_number=42)
    assert event.response.sequence_number == 42
