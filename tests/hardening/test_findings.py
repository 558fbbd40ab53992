"""One test per bug the fuzzers found, stating the rule it broke.

The inputs that found them are replayed by ``test_fuzz_seeds.py``
(``fuzz_regressions/<harness>/``); these tests say what went wrong in words.
Findings covered where their topic lives: a HEAD answered with a body
(``test_http_strictness``), values encoded as another type
(``test_injection``), quoted secrets (``test_secrets``).
"""

from __future__ import annotations

import pytest

import chatproto as cp
from chatproto.emulator import Emulator

from .hardening_helpers import client_outcome, post_message, response, server_outcome, session


@pytest.mark.parametrize(
    "body",
    [
        b'{"ch\xe2atSystemError":null,"sequenceNumber":1}',  # in an unknown key (fuzz_response_body)
        b'{"x":"\xff\xfe","sequenceNumber":1}',  # in an unknown value
        b'{"sessionId":"\xc3","sequenceNumber":1}',  # in a known one
    ],
    ids=["unknown key", "unknown value", "known value"],
)
def test_a_200_body_that_is_not_utf8_is_refused(body: bytes) -> None:
    # RFC 8259 section 8.1: JSON text is UTF-8.  msgspec skipped unknown fields
    # without looking inside their strings, so such a body passed.
    outcome = client_outcome(response(body=body))
    assert outcome.events == []
    assert outcome.error == "RemoteProtocolError"


def test_an_error_body_that_is_not_utf8_is_still_an_answer() -> None:
    outcome = client_outcome(response(body=b'{"exceptionCode":"\xff"}', status=b"400 Bad Request"))
    event = outcome.events[0]
    assert isinstance(event, cp.ErrorReceived)
    assert (event.status, event.code, event.message) == (400, None, None)


def test_a_request_body_that_is_not_utf8_is_an_invalid_request() -> None:
    wire = cp.ClientConnection(session()).send(post_message(message_id="AB"))
    outcome = server_outcome(wire.replace(b'"messageId":"AB"', b'"xxxxxxxxx":"\xff\xfe"'))
    event = outcome.events[0]
    assert isinstance(event, cp.InvalidRequest)
    assert (event.status, event.code) == (400, "INVALID_FIELD")


@pytest.mark.parametrize("twin", ["--1", "1" + "0" * 5000, "+-1", "1_000", "\u0661"])
def test_a_number_twin_that_spells_no_int64_is_ignored_not_an_error(twin: str) -> None:
    outcome = client_outcome(response(body=b'{"sequenceNumberString":"%s"}' % twin.encode()))
    assert outcome.error is None
    assert outcome.events[0].response.sequence_number is None


@pytest.mark.parametrize("route", ["sessions", "engagements", "faults"])
def test_the_emulator_answers_a_control_body_that_is_not_utf8_with_400(route: str) -> None:
    # fuzz_emulator: UnicodeDecodeError escaped Emulator.handle, costing the connection.
    body = b'{"\xad":1}'  # a key msgspec must read to refuse as unknown
    request = b"POST /emulator/%s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s" % (
        route.encode(),
        len(body),
        body,
    )
    server = cp.ServerConnection()
    server.receive_data(request)
    event = server.next_event()
    assert isinstance(event, cp.HTTPRequestReceived)
    reply = Emulator().handle(event, now_ms=0)
    assert reply.status == 400
