"""Harness: getMessages answers, whole and split, into the typed message decoder.

Input: a flags byte (bit 0: small limits), the split points (see
``fuzz._common.split_points``), then the body of a 200.  A
`cp.ClientConnection` that has sent a getMessages receives the body framed by
Content-Length, whole and then (fresh) cut at the fuzzer's points, each
ending with the end of the stream.  The body reaches both decoding paths:
the one-pass typed decode of known messages, and the general path that
decodes each element on its own (unknown types, fields that do not fit,
values no enumeration lists, ``systemMessages``, non-objects, depth bounds).

Only events or `cp.RemoteProtocolError` may come out; whole and split give the
same outcome; nothing is lost (one message per key of each object element,
one per other element, in both lists); a 200 gives a `cp.GetMessagesResponse` whose every message is a
Struct of `cp.MESSAGE_TYPES`, an `cp.UnknownMessage` of a type the table does
not list, or a `cp.MalformedMessage`; and a body that is not JSON text never
passes.
"""

from __future__ import annotations

import msgspec
from tests.drivers import split_at, stream_into_client
from tests.reference import http_response

import chatproto as cp

from ._common import LIMIT_PROFILES, NO_LIMITS, Reader, run_main, same_outcome, split_points

POLL = cp.GetMessagesRequest()
KNOWN = tuple(cp.MESSAGE_TYPES.values())
LIST_NAMES = ("getResponseTypes", "systemMessages")


def check_message(message: object) -> None:
    """One decoded message is of a type the decoder may give, and consistent with its kind."""
    if isinstance(message, cp.UnknownMessage):
        assert message.type not in cp.MESSAGE_TYPES, message
        assert isinstance(message.fields, dict), message
    elif isinstance(message, cp.MalformedMessage):
        assert message.error, message
        assert message.type is None or isinstance(message.type, str), message
    else:
        assert type(message) in KNOWN, message
    number = getattr(message, "sequence_number", None)
    assert number is None or (type(number) is int and -(2**63) <= number < 2**63), message


def test_one_input(data: bytes) -> None:
    reader = Reader(data)
    limits = LIMIT_PROFILES[reader.byte() & 1]
    points = split_points(reader)
    wire = http_response(200, reader.rest())
    body = wire[wire.index(b"\r\n\r\n") + 4 :]

    whole = stream_into_client([wire], limits, POLL)
    split = stream_into_client(split_at(wire, points), limits, POLL)
    same_outcome(whole, split, "getMessages body", lambda: stream_into_client([wire], NO_LIMITS, POLL))

    if whole.error is not None or not whole.events:
        return
    event = whole.events[0]
    if isinstance(event, cp.ErrorReceived):
        assert event.system_error is not None, event  # a 200 is an error only by its chatSystemError
        return
    assert isinstance(event, cp.ResponseReceived), event
    response = event.response
    assert type(response) is cp.GetMessagesResponse, response
    assert type(response.messages) is tuple
    for message in response.messages:
        check_message(message)
    try:
        plain = msgspec.json.decode(body or b"{}")
    except msgspec.ValidationError:
        return  # valid JSON with a number Python's float cannot hold (1e999)
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        raise AssertionError(f"a getMessages body that is not JSON text passed: {exc}") from exc
    # Nothing is lost: one message per key of each object element, one per other element.
    elements = [element for name in LIST_NAMES for element in plain.get(name) or ()]
    expected = sum(len(element) if isinstance(element, dict) else 1 for element in elements)
    assert len(response.messages) == expected, (expected, response.messages)


if __name__ == "__main__":
    run_main(test_one_input)
