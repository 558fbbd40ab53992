"""`cp.MESSAGE_TYPES`, the table the decoder and the encoder read, and the depth bound on the plain-JSON parts."""

from __future__ import annotations

import types

import msgspec
import pytest

import chatproto as cp

from .helpers import body_of, messages, poll, poll_error, raised

EXPECTED_TABLE = {
    "ChatActivitySignal": cp.ChatActivitySignal,
    "ChatConfigChangeNotification": cp.ChatConfigChangeNotification,
    "ChatGetTimeout": cp.ChatGetTimeout,
    "ChatPostMessage": cp.ChatPostMessage,
    "ChatEngagementParticipantAdded": cp.ChatEngagementParticipantAdded,
    "ChatDisconnectNotification": cp.ChatDisconnectNotification,
    "ChatEngagementUpdateNotification": cp.ChatEngagementUpdateNotification,
    "ChatRoleChangeNotification": cp.ChatRoleChangeNotification,
    "ChatSystemError": cp.ChatSystemError,
    "ChatEngagementAssignmentNotification": cp.ChatEngagementAssignmentNotification,
}


def test_the_table_lists_every_type_by_its_wire_name() -> None:
    assert dict(cp.MESSAGE_TYPES) == EXPECTED_TABLE
    for name, kind in cp.MESSAGE_TYPES.items():
        assert kind.__name__ == name  # the wire name is the Struct's name
        assert getattr(cp, name) is kind  # and it is exported
        assert issubclass(kind, msgspec.Struct)


def test_the_table_is_read_only() -> None:
    assert isinstance(cp.MESSAGE_TYPES, types.MappingProxyType)
    with pytest.raises(TypeError):
        cp.MESSAGE_TYPES["ChatX"] = cp.ChatGetTimeout  # type: ignore[index]


def test_every_message_but_the_timeout_and_the_error_carries_the_common_fields() -> None:
    common = {"engagement_id", "client_id", "created_time", "sequence_number"}
    for name, kind in cp.MESSAGE_TYPES.items():
        fields = set(kind.__struct_fields__)
        if kind in (cp.ChatGetTimeout, cp.ChatSystemError):
            assert not common & fields, name
        else:
            assert issubclass(kind, cp.SystemMessage), name
            assert common <= fields, name
            # Every 64-bit number has its twin.
            for number in common - {"created_time"}:
                assert number + "_string" in fields, (name, number)


def test_the_structs_are_frozen_and_keyword_only() -> None:
    message = cp.ChatPostMessage(body="Hi")
    with pytest.raises(AttributeError):
        message.body = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        cp.ChatPostMessage("Hi")  # type: ignore[misc]


def test_the_message_alias_names_every_table_type_and_the_two_fallbacks() -> None:
    alias = set(cp.Message.__args__)  # type: ignore[attr-defined]
    assert alias == {*cp.MESSAGE_TYPES.values(), cp.UnknownMessage, cp.MalformedMessage}


# --- depth: only what is decoded as plain JSON is bounded, and counted from the top of the body --------------

SMALL = cp.Limits(max_json_depth=6)


def nested(depth: int) -> object:
    value: object = 1
    for _ in range(depth):
        value = [value]
    return value


def test_an_unknown_messages_fields_may_nest_up_to_the_limit_counted_from_the_top() -> None:
    # The body is an object (1), holding the list (2), holding the element (3), holding the fields (4).
    fits = {"ChatNew": {"a": nested(2)}}  # 4 + 2 = 6
    assert poll(body_of(fits), SMALL).messages == (cp.UnknownMessage("ChatNew", {"a": nested(2)}),)
    too_deep = body_of({"ChatNew": {"a": nested(3)}})  # 7
    assert poll_error(too_deep, SMALL) == ("raised", cp.LimitExceeded, "max_json_depth", 6)
    error = raised(too_deep, SMALL)
    assert isinstance(error, cp.LimitExceeded)
    assert (error.limit_name, error.limit, error.observed) == ("max_json_depth", 6, 7)
    assert "max_json_depth" in str(error)


@pytest.mark.parametrize(
    ("element", "observed"),
    [
        # A malformed known message is decoded as plain JSON too.
        ({"ChatPostMessage": {"body": 1, "x": nested(3)}}, 7),
        ({"ChatPostMessage": nested(4)}, 7),
        # An element that is not an object sits at depth 2.
        (nested(5), 7),
        # An unknown type's fields that are not an object.
        ({"ChatNew": nested(4)}, 7),
    ],
)
def test_every_plain_json_part_is_bounded(element: object, observed: int) -> None:
    error = raised(body_of(element), SMALL)
    assert isinstance(error, cp.LimitExceeded)
    assert (error.limit, error.observed) == (6, observed)
    assert poll_error(body_of(element), SMALL) == ("raised", cp.LimitExceeded, "max_json_depth", 6)


@pytest.mark.parametrize(
    "element", [{"ChatPostMessage": {"body": 1, "x": nested(2)}}, {"ChatPostMessage": nested(3)}, nested(4)]
)
def test_a_plain_json_part_at_the_limit_passes(element: object) -> None:
    (message,) = poll(body_of(element), SMALL).messages
    assert type(message) is cp.MalformedMessage


def test_brackets_inside_strings_are_not_nesting() -> None:
    text = "[[[[[[[[{{{{{{{{" * 4
    assert poll(body_of({"ChatNew": {"a": text}}), SMALL).messages == (cp.UnknownMessage("ChatNew", {"a": text}),)


def test_what_a_struct_skips_is_not_bounded_by_the_limit() -> None:
    # The typed parts have the fixed depth of their Structs; msgspec skips unknown fields without building them.
    known = body_of({"ChatPostMessage": {"body": "Hi", "x": nested(20)}}, extra=nested(20))
    assert poll(known, SMALL).messages == (cp.ChatPostMessage(body="Hi"),)


def test_nesting_past_the_interpreters_guard_is_a_typed_error() -> None:
    deep = b'{"getResponseTypes":[{"ChatPostMessage":{"x":' + b"[" * 100_000 + b"]" * 100_000 + b"}}]}"
    error = raised(deep, cp.Limits(max_json_depth=2**20, max_body_bytes=2**20))
    assert type(error) is cp.RemoteProtocolError
    assert "recursion" in str(error)
    unknown = b'{"getResponseTypes":[{"ChatNew":' + b"[" * 100_000 + b"]" * 100_000 + b"}]}"
    assert type(raised(unknown, cp.Limits(max_json_depth=2**20, max_body_bytes=2**20))) is cp.RemoteProtocolError
    # Even under the default depth limit: msgspec's guard stops the pass that cuts the elements out
    # (as `msgspec.Raw`) before any part is measured, so the error names the recursion, not the limit.
    default_depth = raised(unknown, cp.Limits(max_body_bytes=2**20))
    assert type(default_depth) is cp.RemoteProtocolError
    assert "recursion" in str(default_depth)


def test_the_default_limit_lets_a_realistic_unknown_message_through() -> None:
    fields = {"media": {"items": [{"url": "https://example.com/a.png", "meta": {"w": 1, "h": 2}}]}}
    assert messages({"ChatMediaOffer": fields}) == (cp.UnknownMessage("ChatMediaOffer", fields),)
