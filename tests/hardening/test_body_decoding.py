"""Response bodies at the edges: huge numbers, duplicate keys, numbers as text.

Deep nesting and invalid UTF-8 are in ``test_limits_hardening`` and
``test_findings``; ``fuzz_response_body`` covers the rest of the space.
"""

from __future__ import annotations

import pytest

import chatproto as cp

from .hardening_helpers import client_outcome, response


def _first(body: bytes) -> cp.ResponseReceived | cp.ErrorReceived | str:
    outcome = client_outcome(response(body=body))
    return outcome.error if outcome.error is not None else outcome.events[0]


@pytest.mark.parametrize(
    "number",
    [b"9223372036854775808", b"-9223372036854775809", b"1" + b"0" * 5000, b"1.5", b"true", b"1e999", b'"1"x'],
)
def test_a_sequence_number_that_is_no_int64_is_refused(number: bytes) -> None:
    assert _first(b'{"sequenceNumber":%s}' % number) == "RemoteProtocolError"


@pytest.mark.parametrize("number", [b"1.0", b"0.1e1", b'"1"'])
def test_a_sequence_number_spelled_otherwise_is_taken_as_tolerant_decoding_allows(number: bytes) -> None:
    # Responses decode in msgspec's non-strict mode (the reference sends "clientReset": "0"):
    # a float with an integral value, or a numeric string, is the int it spells.
    event = _first(b'{"sequenceNumber":%s}' % number)
    assert isinstance(event, cp.ResponseReceived)
    assert event.response.sequence_number == 1


@pytest.mark.parametrize("number", [b"1" + b"0" * 5000, b"1e999", b"-1e999", b"1e-999", b"0.1"])
def test_a_huge_number_in_an_unknown_field_is_skipped(number: bytes) -> None:
    event = _first(b'{"somethingNew":%s,"sequenceNumber":1}' % number)
    assert isinstance(event, cp.ResponseReceived)
    assert event.response.sequence_number == 1


def test_duplicate_keys_the_last_one_wins() -> None:
    # RFC 8259 leaves duplicate names to the parser; msgspec keeps the last,
    # every time, so a repeated sequenceNumber is checked as the last one says.
    assert isinstance(_first(b'{"sequenceNumber":2,"sequenceNumber":1}'), cp.ResponseReceived)
    assert _first(b'{"sequenceNumber":1,"sequenceNumber":2}') == "SequenceMismatch"
    event = _first(b'{"chatSystemError":null,"chatSystemError":{"errorCondition":"X"},"sequenceNumber":1}')
    assert isinstance(event, cp.ErrorReceived)
    assert event.code == "X"


@pytest.mark.parametrize(
    ("reset", "expected"),
    [(b'"0"', 0), (b"0", 0), (b'"2147483647"', 2**31 - 1), (b"null", None)],
)
def test_client_reset_may_come_as_text(reset: bytes, expected: int | None) -> None:
    event = _first(b'{"chatPostResult":{"clientReset":%s},"sequenceNumber":1}' % reset)
    assert isinstance(event, cp.ResponseReceived)
    result = event.response.chat_post_result
    assert result is not None
    assert result.client_reset == expected


@pytest.mark.parametrize("reset", [b'"2147483648"', b'"x"', b'"0x1"', b"[0]"])
def test_a_client_reset_that_is_no_int32_is_refused(reset: bytes) -> None:
    assert _first(b'{"chatPostResult":{"clientReset":%s},"sequenceNumber":1}' % reset) == "RemoteProtocolError"


@pytest.mark.parametrize(
    "body", [b"null", b"[]", b'"text"', b"1", b"{} {}", b"{", b"\xef\xbb\xbf{}", b"{'a':1}", b'{"a":NaN}']
)
def test_a_200_body_that_is_not_one_json_object_is_refused(body: bytes) -> None:
    assert _first(body) == "RemoteProtocolError"


def test_an_empty_200_body_counts_as_an_empty_object() -> None:
    event = _first(b"")
    assert isinstance(event, cp.ResponseReceived)
    assert event.response == cp.PostMessageResponse()
