"""Bugs these tests found in the getMessages decoder, each kept as the rule it broke."""

from __future__ import annotations

import pytest

import chatproto as cp

from .helpers import poll


@pytest.mark.parametrize(
    "key",
    [
        b"getResponseTypes",
        b"getResponse\\u0054ypes",
        b"systemMessages",
        # JSON may spell any character of a key as a \u escape: it is the same key.  The decoder
        # chose its path by looking for the plain bytes of "systemMessages", so this list was skipped.
        b"system\\u004dessages",
        b"\\u0073ystemMessages",
    ],
)
def test_a_list_name_spelled_with_escapes_is_the_same_name(key: bytes) -> None:
    body = b'{"' + key + b'":[{"ChatPostMessage":{"body":"Hi","sequenceNumber":3}}],"sequenceNumber":1}'
    assert poll(body).messages == (cp.ChatPostMessage(body="Hi", sequence_number=3),)
