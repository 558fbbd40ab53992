"""Hypothesis: lists of arbitrary messages survive the wire, and a batch decodes the same whichever path it takes.

- Round trip: any `GetMessagesResponse` the server role encodes is decoded
  by the client into an equal one, at random split points, but for what
  the session's rules leave out (a message number delivered already) and
  follow (a pool move), which `delivered_once` and `moved_to` restate.
- One bad element never changes the others: a batch decodes to the
  concatenation of its elements decoded one by one, and adding an unknown
  element (which sends the body to the decoder's general path) changes
  nothing but the one message it adds.
"""

from __future__ import annotations

import enum
import re
from typing import Any, get_args

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chatproto as cp
from tests.drivers import drive_client, sent_client, split_at
from tests.reference import http_response

from .helpers import body_of, messages

BOUNDED = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
INT32 = st.integers(min_value=-(2**31), max_value=2**31 - 1)
TEXT = st.text(max_size=20)  # no lone surrogates: Hypothesis leaves them out by default
JSON_SCALARS = st.none() | st.booleans() | INT64 | TEXT
JSON = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)
UNKNOWN_NAMES = TEXT.filter(lambda name: name not in cp.MESSAGE_TYPES)


def _value(annotation: Any) -> st.SearchStrategy[Any]:
    """Values of one field's type: None, or a value of each member of its union."""
    options: list[st.SearchStrategy[Any]] = [st.none()]
    for arg in get_args(annotation) or (annotation,):
        if arg is type(None):
            continue
        if isinstance(arg, type) and issubclass(arg, enum.Enum):
            options += [st.sampled_from(list(arg)), TEXT]  # a listed value, or text it may not list
        elif arg is bool:
            options.append(st.booleans())
        elif arg is str:
            options.append(TEXT)
        elif arg is int:
            options.append(INT64)
        else:
            metadata = getattr(arg, "__metadata__", ())
            bound = next((meta.le for meta in metadata if isinstance(meta, msgspec.Meta)), None)
            options.append(INT32 if bound == 2**31 - 1 else INT64)
    return st.one_of(options)


def typed_messages(kind: type[Any]) -> st.SearchStrategy[Any]:
    fields = msgspec.structs.fields(kind)
    return st.builds(kind, **{field.name: _value(field.type) for field in fields})


ANY_MESSAGE = st.one_of(
    [typed_messages(kind) for kind in cp.MESSAGE_TYPES.values()]
    + [st.builds(cp.UnknownMessage, UNKNOWN_NAMES, st.dictionaries(TEXT, JSON, max_size=4))]
)

responses = st.builds(
    cp.GetMessagesResponse,
    messages=st.lists(ANY_MESSAGE, max_size=6).map(tuple),
    contains_disconnect=st.none() | st.booleans(),
    session_id=st.none() | TEXT,
    service_start_time=st.none() | INT64 | TEXT,
    client_id=st.none() | INT64,
    sequence_number=st.just(1),
)


@BOUNDED
@given(response=responses, data=st.data())
def test_any_list_of_messages_survives_the_wire(response: cp.GetMessagesResponse, data: st.DataObject) -> None:
    client = cp.ClientConnection(cp.AgentSession(host="h", site="s", agent_id="12", session_id="s1"))
    server = cp.ServerConnection()
    server.receive_data(client.send(cp.GetMessagesRequest()))
    assert isinstance(server.next_event(), cp.RequestReceived)
    wire = server.send_response(200, response)
    points = data.draw(st.lists(st.integers(0, len(wire)), max_size=8))
    record = drive_client(client, split_at(wire, points))
    delivered = delivered_once(response.messages)
    usable, pool = moved_to(delivered, client.session.pool)
    if not usable:
        assert record[-1] is cp.ConnectionState.ERROR
        assert record[-2] == ("raised", cp.RemoteProtocolError)
        assert client.session.last_message_sequence_number == 0  # an answer not followed changes nothing
        return
    expected = msgspec.structs.replace(response, messages=delivered)
    assert record == [cp.ResponseReceived(cp.GetMessagesRequest(sequence_number=1), expected), cp.ConnectionState.IDLE]
    numbers = [number for message in delivered if (number := getattr(message, "sequence_number", None)) is not None]
    assert client.session.last_message_sequence_number == max(numbers, default=0)
    assert client.session.pool == pool


POOL_TEXT = re.compile(r"[A-Za-z0-9._~:-]+")  # what a ``?pool=`` value may hold


def delivered_once(messages: tuple[Any, ...]) -> tuple[Any, ...]:
    """The session's rule for a new session, restated: the first message of each number above 0, and every
    message without a number."""
    seen: set[int] = set()
    kept = []
    for message in messages:
        number = getattr(message, "sequence_number", None)
        if number is not None:
            if number <= 0 or number in seen:
                continue
            seen.add(number)
        kept.append(message)
    return tuple(kept)


def moved_to(messages: tuple[Any, ...], pool: str | None) -> tuple[bool, str | None]:
    """Whether every pool move among ``messages`` (those with a value) is usable, and the pool after them."""
    for message in messages:
        if type(message) is cp.ChatConfigChangeNotification and message.pool:
            if not POOL_TEXT.fullmatch(message.pool):
                return False, pool
            pool = message.pool
    return True, pool


@pytest.mark.parametrize(
    ("numbers", "kept"),
    [((1, 2, 3), (1, 2, 3)), ((0, -5, 4), (4,)), ((5, 3, 5, None, 3), (5, 3, None)), ((None, None), (None, None))],
)
def test_the_restated_rule_keeps_the_first_of_each_number_above_0(
    numbers: tuple[int | None, ...], kept: tuple[int | None, ...]
) -> None:
    # The model the round trip compares with must itself be right.
    batch = tuple(cp.ChatPostMessage(sequence_number=number) for number in numbers)
    assert tuple(message.sequence_number for message in delivered_once(batch)) == kept


# --- one element never changes the others ---------------------------------------------------------------

FIELD_NAMES = st.sampled_from(
    sorted({field.encode_name for kind in cp.MESSAGE_TYPES.values() for field in msgspec.structs.fields(kind)})
)
ENUM_TEXT = st.sampled_from(
    sorted(
        {
            member.value
            for kind in (cp.InteractionMode, cp.DestinationType, cp.Visibility, cp.DisconnectReason)
            for member in kind
        }
    )
)
FIELD_VALUES = JSON | ENUM_TEXT | INT64.map(str)
ELEMENTS = st.one_of(
    st.dictionaries(
        st.sampled_from(sorted(cp.MESSAGE_TYPES)) | UNKNOWN_NAMES,
        st.dictionaries(FIELD_NAMES, FIELD_VALUES, max_size=4) | JSON,
        max_size=2,
    ),
    JSON,
)


def decoded(elements: list[Any]) -> tuple[Any, ...]:
    conn = sent_client(cp.GetMessagesRequest())
    record = drive_client(conn, [http_response(200, body_of(*elements))])
    assert record[-1] is cp.ConnectionState.IDLE, record
    return record[0].response.messages  # type: ignore[attr-defined,no-any-return]


@BOUNDED
@given(elements=st.lists(ELEMENTS, max_size=5))
def test_a_batch_is_its_elements_decoded_one_by_one(elements: list[Any]) -> None:
    # Each decoded on a session of its own, so the numbers the batch repeats are left out once joined.
    one_by_one = tuple(message for element in elements for message in decoded([element]))
    assert decoded(elements) == delivered_once(one_by_one)


@BOUNDED
@given(elements=st.lists(ELEMENTS, max_size=5))
def test_an_unknown_element_changes_nothing_but_itself(elements: list[Any]) -> None:
    # A body of known, fitting messages takes the decoder's fast path; the unknown one sends it to
    # the general path: both must give the same messages.
    marker = cp.UnknownMessage("ChatNotInTheTable", {})
    assert decoded([*elements, {marker.type: {}}]) == (*decoded(elements), marker)
    assert decoded([{marker.type: {}}, *elements]) == (marker, *decoded(elements))


@BOUNDED
@given(elements=st.lists(ELEMENTS, max_size=4), split=st.integers(0, 4))
def test_both_list_names_give_the_same_messages(elements: list[Any], split: int) -> None:
    head, tail = elements[:split], elements[split:]
    body = msgspec.json.encode({"getResponseTypes": head, "systemMessages": tail})
    assert messages(*elements) == _poll_body(body)


def _poll_body(body: bytes) -> tuple[Any, ...]:
    conn = sent_client(cp.GetMessagesRequest())
    record = drive_client(conn, [http_response(200, body)])
    return record[0].response.messages  # type: ignore[attr-defined,no-any-return]
